// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Applications: an account with no standing applies (with a proof-of-work ticket) to a
//! hospital for a role; the hospital activates, rejects or lets it expire.

use crate::{pallet::*, pow, types::*, weights::WeightInfo};
use ehr_primitives::registry::{
	ApplicantRole, EncryptionKey, PendingApplication, ProfileCommitment,
};
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::*;
use sp_runtime::{traits::Saturating, DispatchResult};

impl<T: Config> Pallet<T> {
	pub(crate) fn application_expiry() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number().saturating_add(T::ApplicationLifetime::get())
	}

	/// Everything an application must satisfy, checked without changing state: by
	/// [`CheckMembership`](crate::CheckMembership) in the pool and again at dispatch.
	pub(crate) fn validate_application(
		applicant: &T::AccountId,
		role: ApplicantRole,
		hospital: &T::AccountId,
		profile_commitment: &ProfileCommitment,
		encryption_key: &EncryptionKey,
		pow_block: BlockNumberFor<T>,
		pow_nonce: u64,
	) -> Result<(), Error<T>> {
		Self::ensure_no_standing(applicant)?;
		Self::ensure_valid_keys(profile_commitment, encryption_key)?;
		Self::ensure_active_hospital(hospital)?;
		ensure!(
			PendingApplicationCount::<T>::get(hospital)
				< T::MaxPendingApplicationsPerHospital::get(),
			Error::<T>::HospitalApplicationsFull
		);
		// The ticket names a recent block: it was worked for now, and is worth nothing
		// `PowTicketLifetime` blocks later.
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			pow_block < now && now.saturating_sub(pow_block) <= T::PowTicketLifetime::get(),
			Error::<T>::StaleProofOfWork
		);
		let block_hash = frame_system::Pallet::<T>::block_hash(pow_block);
		let ticket = pow::ticket_hash(
			applicant,
			role,
			hospital,
			profile_commitment,
			encryption_key,
			&block_hash,
			pow_nonce,
		);
		ensure!(
			pow::leading_zero_bits(&ticket) >= u32::from(PowDifficulty::<T>::get()),
			Error::<T>::InsufficientProofOfWork
		);
		let queued = ApplicationExpiries::<T>::decode_len(Self::application_expiry()).unwrap_or(0);
		ensure!(
			queued < T::MaxApplicationsPerBlock::get() as usize,
			Error::<T>::TooManyApplications
		);
		Ok(())
	}

	pub(crate) fn do_apply(
		applicant: T::AccountId,
		role: ApplicantRole,
		hospital: T::AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
		pow_block: BlockNumberFor<T>,
		pow_nonce: u64,
	) -> DispatchResult {
		Self::validate_application(
			&applicant,
			role,
			&hospital,
			&profile_commitment,
			&encryption_key,
			pow_block,
			pow_nonce,
		)?;
		let expires_at = Self::application_expiry();
		ApplicationExpiries::<T>::try_mutate(expires_at, |queue| {
			queue.try_push(applicant.clone()).map_err(|_| Error::<T>::TooManyApplications)
		})?;
		Applications::<T>::insert(
			&applicant,
			Application {
				role,
				hospital: hospital.clone(),
				profile_commitment,
				encryption_key,
				submitted_at: frame_system::Pallet::<T>::block_number(),
				expires_at,
			},
		);
		PendingApplicationCount::<T>::mutate(&hospital, |count| *count = count.saturating_add(1));
		Self::deposit_event(Event::Applied { applicant, role, hospital, expires_at });
		Ok(())
	}

	/// Removes a pending application (withdrawn, answered or expired) and frees its
	/// place in its expiry queue and in its hospital's count.
	pub(crate) fn drop_application(
		applicant: &T::AccountId,
	) -> Option<Application<T::AccountId, BlockNumberFor<T>>> {
		let application = Applications::<T>::take(applicant)?;
		ApplicationExpiries::<T>::mutate_exists(application.expires_at, |queue| {
			if let Some(entries) = queue {
				entries.retain(|a| a != applicant);
				if entries.is_empty() {
					*queue = None;
				}
			}
		});
		PendingApplicationCount::<T>::mutate_exists(&application.hospital, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		Some(application)
	}

	pub(crate) fn do_withdraw_application(applicant: T::AccountId) -> DispatchResult {
		Self::drop_application(&applicant).ok_or(Error::<T>::NoApplication)?;
		Self::deposit_event(Event::ApplicationWithdrawn { applicant });
		Ok(())
	}

	/// The pending application of `applicant`, which must be for `role` at `hospital`.
	pub(crate) fn application_for(
		applicant: &T::AccountId,
		role: ApplicantRole,
		hospital: &T::AccountId,
	) -> Result<Application<T::AccountId, BlockNumberFor<T>>, Error<T>> {
		let application = Applications::<T>::get(applicant).ok_or(Error::<T>::NoApplication)?;
		ensure!(&application.hospital == hospital, Error::<T>::WrongHospital);
		ensure!(application.role == role, Error::<T>::WrongApplicationRole);
		Ok(application)
	}

	pub(crate) fn do_reject_application(
		staff: T::AccountId,
		applicant: T::AccountId,
		reason: RejectionReason,
	) -> DispatchResult {
		let hospital = Self::staff_hospital(&staff)?;
		let application = Applications::<T>::get(&applicant).ok_or(Error::<T>::NoApplication)?;
		ensure!(application.hospital == hospital, Error::<T>::WrongHospital);
		Self::drop_application(&applicant);
		Self::deposit_event(Event::ApplicationRejected { applicant, by: staff, reason });
		Ok(())
	}

	/// Drops the applications that expire at `now`; returns the weight used.
	pub(crate) fn expire_applications(now: BlockNumberFor<T>) -> Weight {
		let queue = ApplicationExpiries::<T>::take(now);
		let queued = queue.len() as u32;
		for applicant in queue {
			// Withdrawn, rejected or activated applications left their queue entry behind;
			// only a still-pending application expiring now is dropped.
			if Applications::<T>::get(&applicant).is_some_and(|a| a.expires_at == now) {
				Self::drop_application(&applicant);
				Self::deposit_event(Event::ApplicationExpired { applicant });
			}
		}
		T::WeightInfo::expire_applications(queued)
	}

	/// The pending application of `who`, as the runtime API reports it.
	pub fn pending_application(
		who: &T::AccountId,
	) -> Option<PendingApplication<T::AccountId, BlockNumberFor<T>>> {
		Applications::<T>::get(who).map(|a| PendingApplication {
			role: a.role,
			hospital: a.hospital,
			submitted_at: a.submitted_at,
			expires_at: a.expires_at,
		})
	}
}
