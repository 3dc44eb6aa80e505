// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Recovered patient accounts and their successors.
//!
//! FRAME's `pallet-recovery` decides *that* an account was recovered: the friends the
//! patient chose vouched for it and its delay passed, and an inheritor may now act for it.
//! The registry decides *what that means here*: the inheritor hands the account over to
//! a successor (the patient's new account), the old account is barred for good, and the
//! successor acts for it — its records, grants and audit trail stay where they are.

use crate::{pallet::*, Role};
use alloc::vec::Vec;
use ehr_primitives::registry::{MemberStatus, RecoveredAccounts};
use frame_support::ensure;
use sp_runtime::DispatchResult;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_hand_over(lost: T::AccountId, successor: T::AccountId) -> DispatchResult {
		let mut info = Members::<T>::get(&lost).ok_or(Error::<T>::NotMember)?;
		ensure!(info.role == Role::Patient, Error::<T>::NotRecoverable);
		ensure!(info.status != MemberStatus::Recovered, Error::<T>::AccountRecovered);
		ensure!(T::Recovery::inheritor(&lost).is_some(), Error::<T>::NotRecovered);
		ensure!(successor != lost, Error::<T>::InvalidSuccessor);
		ensure!(Self::acting_role(&successor) == Ok(Role::Patient), Error::<T>::InvalidSuccessor);
		// The successor takes over the lost account and whatever it had taken over itself.
		let mut handed = Predecessors::<T>::get(&lost).into_inner();
		handed.push(lost.clone());
		let mut predecessors = Predecessors::<T>::get(&successor);
		for account in &handed {
			predecessors.try_push(account.clone()).map_err(|_| Error::<T>::TooManyPredecessors)?;
		}
		for account in &handed {
			Successors::<T>::insert(account, &successor);
		}
		Predecessors::<T>::remove(&lost);
		Predecessors::<T>::insert(&successor, predecessors);
		info.status = MemberStatus::Recovered;
		Members::<T>::insert(&lost, info);
		Self::deposit_event(Event::AccountHandedOver { lost, successor });
		Ok(())
	}

	/// The account `who` was handed over to, if it was recovered.
	pub fn successor_of(who: &T::AccountId) -> Option<T::AccountId> {
		Successors::<T>::get(who)
	}

	/// The recovered accounts `who` acts for.
	pub fn predecessors_of(who: &T::AccountId) -> Vec<T::AccountId> {
		Predecessors::<T>::get(who).into_inner()
	}
}
