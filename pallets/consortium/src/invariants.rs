// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The consortium pallet's storage invariants, checked by `try-runtime`, after every unit
//! test, and after every block by the runtime fuzzer (`fuzz/`), which is why they are
//! compiled in every std build.

use crate::pallet::*;
use frame_support::ensure;

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the consortium pallet's storage.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let hospitals = Hospitals::<T>::get();
		ensure!(hospitals.windows(2).all(|w| w[0] < w[1]), "hospitals are not sorted and unique");
		let departing = Departing::<T>::get();
		for (hospital, _) in &departing {
			ensure!(!hospitals.contains(hospital), "a departing hospital is still a hospital");
		}
		let mut owned = 0usize;
		for (hospital, nodes) in Nodes::<T>::iter() {
			ensure!(
				hospitals.contains(&hospital) || departing.iter().any(|(h, _)| h == &hospital),
				"nodes of an account that is neither a hospital nor departing"
			);
			for node in nodes {
				owned += 1;
				ensure!(
					NodeOwners::<T>::get(&node) == Some(hospital.clone()),
					"a node's owner is wrong"
				);
			}
		}
		ensure!(NodeOwners::<T>::iter().count() == owned, "an owner entry points to no node");
		Ok(())
	}
}
