// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What other pallets ask of the registry: [`MemberRegistry`] (who may act, in which
//! role, for which hospital) and [`HospitalRegistry`] (the consortium admitting and
//! removing hospitals).

use crate::{pallet::*, types::*};
use ehr_primitives::{
	consortium::HospitalRegistry,
	registry::{EncryptionKey, Inability, MemberRegistry, MemberStatus, ProfileCommitment, Role},
};
use sp_runtime::DispatchResult;

impl<T: Config> MemberRegistry<T::AccountId> for Pallet<T> {
	fn role_of(who: &T::AccountId) -> Option<Role> {
		Members::<T>::get(who).map(|m| m.role)
	}

	fn acting_role(who: &T::AccountId) -> Result<Role, Inability> {
		Self::acting_role(who)
	}

	fn hospital_of(who: &T::AccountId) -> Option<T::AccountId> {
		Members::<T>::get(who).and_then(|m| m.hospital)
	}

	fn encryption_key(who: &T::AccountId) -> Option<EncryptionKey> {
		Members::<T>::get(who).map(|m| m.encryption_key)
	}

	fn is_staff_of(who: &T::AccountId, hospital: &T::AccountId) -> bool {
		Self::is_staff_of(who, hospital)
	}

	fn tenure(who: &T::AccountId) -> u32 {
		Tenures::<T>::get(who)
	}

	fn successor(who: &T::AccountId) -> Option<T::AccountId> {
		Self::successor_of(who)
	}
}

impl<T: Config> HospitalRegistry<T::AccountId> for Pallet<T> {
	fn admit_hospital(
		hospital: &T::AccountId,
		profile_commitment: ProfileCommitment,
		encryption_key: EncryptionKey,
	) -> DispatchResult {
		match Members::<T>::get(hospital) {
			// Already a hospital (admitted by the admin origin, or coming back): reinstate.
			Some(member) if member.role == Role::Hospital => match member.status {
				MemberStatus::Suspended => {
					Self::do_set_status(Actor::Consortium, hospital.clone(), MemberStatus::Active)
				}
				// Only patients are ever recovered; a hospital is active or suspended.
				MemberStatus::Active | MemberStatus::Recovered => Ok(()),
			},
			_ => Self::do_register_organisation(
				hospital.clone(),
				Role::Hospital,
				profile_commitment,
				encryption_key,
			),
		}
	}

	fn suspend_hospital(hospital: &T::AccountId) -> DispatchResult {
		match Members::<T>::get(hospital) {
			Some(member) if member.status == MemberStatus::Active => {
				Self::do_set_status(Actor::Consortium, hospital.clone(), MemberStatus::Suspended)
			}
			_ => Ok(()),
		}
	}
}
