// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The consent pallet's storage invariants, checked by `try-runtime`, after every unit
//! test, and after every block by the runtime fuzzer (`fuzz/`), which is why they are
//! compiled in every std build.

use crate::pallet::*;
use frame_support::ensure;

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the consent pallet's storage.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next_grant = NextGrantId::<T>::get();
		let mut grants = 0usize;
		for (patient, grantee, list) in Grants::<T>::iter() {
			ensure!(patient != grantee, "a patient holds a grant to themselves");
			for grant in list {
				grants += 1;
				ensure!(grant.id < next_grant, "a grant id was never handed out");
				ensure!(
					GrantIndex::<T>::get(grant.id) == Some((patient.clone(), grantee.clone())),
					"a grant is missing from, or misplaced in, the grant index"
				);
			}
		}
		ensure!(GrantIndex::<T>::iter().count() == grants, "the grant index lists revoked grants");

		let now = frame_system::Pallet::<T>::block_number();
		for (id, request) in Requests::<T>::iter() {
			ensure!(
				PatientRequests::<T>::contains_key(&request.patient, id),
				"a request is missing from its patient's list"
			);
			ensure!(
				RequestExpiries::<T>::get(request.expires_at).contains(&id),
				"a request is missing from its expiry queue"
			);
			ensure!(request.expires_at > now, "a request outlived its expiry");
		}
		for (patient, id, ()) in PatientRequests::<T>::iter() {
			ensure!(
				Requests::<T>::get(id).is_some_and(|r| r.patient == patient),
				"a patient's request list names a request that is gone"
			);
		}

		for (id, session) in BreakGlassSessions::<T>::iter() {
			ensure!(id < NextBreakGlassId::<T>::get(), "a session id was never handed out");
			ensure!(
				session.verdict.is_none()
					== PendingReviews::<T>::contains_key(&session.hospital, id),
				"a session's review state and the hospital's review queue disagree"
			);
		}
		for (patient, doctor, id) in LatestBreakGlass::<T>::iter() {
			ensure!(
				BreakGlassSessions::<T>::get(id)
					.is_some_and(|s| s.patient == patient && s.doctor == doctor),
				"a latest emergency access points to another session"
			);
		}

		for (patient, guardianship) in Guardians::<T>::iter() {
			let guardians = guardianship.guardians;
			ensure!(!guardians.contains(&patient), "a patient is their own guardian");
			let mut sorted = guardians.into_inner();
			sorted.sort();
			let before = sorted.len();
			sorted.dedup();
			ensure!(sorted.len() == before, "a guardian is listed twice");
		}

		for (patient, length) in AuditLength::<T>::iter() {
			ensure!(
				AuditTrail::<T>::iter_key_prefix(&patient).count() == length as usize,
				"an audit trail's length does not match its entries"
			);
		}
		Ok(())
	}
}
