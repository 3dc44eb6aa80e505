// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The records pallet's storage invariants, checked by `try-runtime`, after every unit
//! test, and after every block by the runtime fuzzer (`fuzz/`), which is why they are
//! compiled in every std build.

use crate::{pallet::*, RecordStatus};
use frame_support::{ensure, traits::Get};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the records pallet's storage.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextRecordId::<T>::get();
		let mut anchored = 0u64;
		for (id, anchor) in Anchors::<T>::iter() {
			anchored += 1;
			ensure!(id < next, "a record id was never handed out");
			ensure!(anchor.root <= id, "a record's root comes after it");
			match anchor.previous {
				None => ensure!(
					anchor.root == id && anchor.version == 1,
					"a first version is misnumbered"
				),
				Some(previous) => {
					let before = Anchors::<T>::get(previous).ok_or("a version links to nothing")?;
					ensure!(
						before.root == anchor.root
							&& before.patient == anchor.patient
							&& before.category == anchor.category
							&& before.version.saturating_add(1) == anchor.version,
						"a version does not continue the one it amends"
					);
				}
			}
			let keys = WrappedKeys::<T>::iter_prefix(id).count() as u32;
			ensure!(keys == anchor.readers, "a record's reader count does not match its keys");
			ensure!(keys <= T::MaxReadersPerRecord::get(), "a record has too many readers");
			ensure!(
				ConfirmBy::<T>::contains_key(id) == (anchor.status == RecordStatus::Pending),
				"only pending records have a confirmation deadline"
			);
			if anchor.status == RecordStatus::Erased {
				ensure!(anchor.cid.is_none() && keys == 0, "an erased record is still readable");
			} else {
				ensure!(anchor.cid.is_some(), "a record lost its content id");
				ensure!(
					ContentUses::<T>::get(anchor.ciphertext_sha256)
						.is_some_and(|uses| uses.patient == anchor.patient && uses.records > 0),
					"a record's content is not counted for its patient"
				);
				ensure!(
					WrappedKeys::<T>::contains_key(id, &anchor.patient),
					"a record's patient lost their key"
				);
			}
		}
		ensure!(anchored == next, "a record id was handed out but nothing anchored");
		for (root, latest) in LatestVersion::<T>::iter() {
			ensure!(
				Anchors::<T>::get(latest).is_some_and(|a| a.root == root),
				"a latest version belongs to another record"
			);
		}
		let mut listed = 0u64;
		for (patient, count) in PatientRecordCount::<T>::iter() {
			for position in 0..count {
				let id = PatientRecords::<T>::get(&patient, position)
					.ok_or("a patient's record list has a gap")?;
				ensure!(
					Anchors::<T>::get(id).is_some_and(|a| a.patient == patient),
					"a patient's list names another patient's record"
				);
				listed += 1;
			}
		}
		ensure!(listed == anchored, "not every record is listed under its patient");
		Ok(())
	}
}
