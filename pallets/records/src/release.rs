// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Key release: a hospital node records, before it hands out key material, that it
//! releases a record's key to a reader who asked for it.
//!
//! The reader's request ([`KeyRequest`]) is signed by the reader, so a node cannot record
//! (nor obtain from other nodes) a release nobody asked for. Everything that decides a
//! release is checked here, at the block that records it: who records it (a node service
//! account of an active hospital), the request's chain, age and signature, that it was not
//! released before, the record's state, and the reader's access now. The release lands in
//! the patient's audit trail with its basis and the releasing hospital.

use crate::{pallet::*, weights::WeightInfo};
use codec::Encode;
use ehr_primitives::{
	blobs::KeyRequest,
	records::{AccessBasis, AccessPolicy, AccessTarget, AuditAction, AuditEvent, RecordStatus},
	registry::{verifies, MemberRegistry, Role},
};
use frame_support::{ensure, pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_release_key(
		node: T::AccountId,
		request: KeyRequest<T::AccountId>,
		signature: &T::OffchainSignature,
	) -> DispatchResult {
		ensure!(T::Registry::acting_role(&node) == Ok(Role::Node), Error::<T>::NotNodeAccount);
		let hospital = T::Registry::hospital_of(&node).ok_or(Error::<T>::NotNodeAccount)?;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		ensure!(request.genesis.encode() == genesis.encode(), Error::<T>::WrongChain);
		let age = Self::now_ms().abs_diff(request.issued_at);
		ensure!(age <= T::MaxRequestAge::get(), Error::<T>::StaleRequest);
		ensure!(
			verifies(&request.signing_payload(), signature, &request.reader),
			Error::<T>::InvalidRequestSignature
		);
		let hash = request.hash();
		ensure!(!ReleasedRequests::<T>::contains_key(hash), Error::<T>::RequestReplayed);

		let anchor = Anchors::<T>::get(request.record).ok_or(Error::<T>::UnknownRecord)?;
		let status = Self::status_now(request.record, &anchor);
		ensure!(status != RecordStatus::Erased, Error::<T>::RecordErased);
		let basis = T::Access::can_access(
			&request.reader,
			&anchor.patient,
			AccessTarget::Record(request.record),
			Some(request.purpose),
		)
		.map_err(|_| Error::<T>::ReaderHasNoAccess)?;
		match status {
			RecordStatus::Confirmed => {}
			RecordStatus::Pending => ensure!(
				matches!(basis, AccessBasis::Owner | AccessBasis::Guardian | AccessBasis::Author),
				Error::<T>::NotReleasable
			),
			RecordStatus::Erased | RecordStatus::Rejected(_) | RecordStatus::Expired => {
				return Err(Error::<T>::NotReleasable.into())
			}
		}

		Self::remember_release(hash)?;
		T::Access::audit(
			&anchor.patient,
			AuditEvent {
				actor: request.reader.clone(),
				action: AuditAction::KeyReleased,
				record: Some(request.record),
				purpose: Some(request.purpose),
				basis: Some(basis),
				via: Some(hospital.clone()),
			},
		);
		Self::deposit_event(Event::KeyReleaseRecorded {
			request: hash,
			record: request.record,
			reader: request.reader,
			basis,
			hospital,
		});
		Ok(())
	}

	/// Remembers a released request until `ReleaseMemory` blocks from now.
	fn remember_release(hash: sp_core::H256) -> Result<(), Error<T>> {
		let forget_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ReleaseMemory::get());
		ReleaseExpiries::<T>::try_mutate(forget_at, |queue| {
			queue.try_push(hash).map_err(|_| Error::<T>::TooManyReleases)
		})?;
		ReleasedRequests::<T>::insert(hash, forget_at);
		Ok(())
	}

	/// Forgets the requests released `ReleaseMemory` blocks before `now`; returns the
	/// weight used. Their `MaxRequestAge` is long past, so they cannot come back.
	pub(crate) fn forget_releases(now: BlockNumberFor<T>) -> Weight {
		let queue = ReleaseExpiries::<T>::take(now);
		let forgotten = queue.len() as u32;
		for hash in queue {
			ReleasedRequests::<T>::remove(hash);
		}
		T::WeightInfo::forget_releases(forgotten)
	}
}
