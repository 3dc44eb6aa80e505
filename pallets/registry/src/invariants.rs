// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The registry's storage invariants, checked by `try-runtime`, after every unit test, and
//! after every block by the runtime fuzzer (`fuzz/`), which is why they are compiled in
//! every std build.

use crate::pallet::*;
use ehr_primitives::registry::{MemberStatus, Role};
use frame_support::{ensure, traits::Get};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the registry's storage.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut staff: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (who, member) in Members::<T>::iter() {
			ensure!(
				frame_system::Pallet::<T>::providers(&who) > 0,
				"a member has no provider reference"
			);
			ensure!(!Applications::<T>::contains_key(&who), "a member has a pending application");
			ensure!(
				member.credential.is_some() == (member.role == Role::Doctor),
				"credential held by a non-doctor, or a doctor without one"
			);
			ensure!(Tenures::<T>::get(&who) > 0, "a member without a tenure");
			ensure!(
				(member.status == MemberStatus::Recovered) == Successors::<T>::contains_key(&who),
				"a recovered account without a successor, or a successor of an unrecovered one"
			);
			match member.role {
				Role::Doctor | Role::Admin | Role::Node => {
					let hospital =
						member.hospital.ok_or("doctor, admin or node without a hospital")?;
					ensure!(
						Members::<T>::get(&hospital).is_some_and(|h| h.role == Role::Hospital),
						"doctor, admin or node of an account that is not a hospital"
					);
					*staff.entry(hospital).or_default() += 1;
				}
				Role::Hospital | Role::Insurer => {
					ensure!(member.hospital.is_none(), "organisation affiliated to a hospital")
				}
				Role::Patient => {}
			}
		}
		ensure!(
			StaffCount::<T>::iter().collect::<BTreeMap<_, _>>() == staff,
			"StaffCount does not match the doctors, admins and nodes registered"
		);
		for (lost, successor) in Successors::<T>::iter() {
			ensure!(
				Predecessors::<T>::get(&successor).contains(&lost),
				"a recovered account missing from its successor's predecessors"
			);
		}
		for (who, application) in Applications::<T>::iter() {
			ensure!(
				ApplicationExpiries::<T>::get(application.expires_at).contains(&who),
				"a pending application is missing from its expiry queue"
			);
			ensure!(
				application.expires_at > frame_system::Pallet::<T>::block_number(),
				"an application outlived its expiry"
			);
		}
		ensure!(
			PowDifficulty::<T>::get() <= T::MaxPowDifficulty::get(),
			"proof-of-work difficulty above its maximum"
		);
		Ok(())
	}
}
