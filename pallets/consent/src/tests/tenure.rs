// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Consent belongs to the patient's membership: when the patient leaves, grants,
//! guardians and requests end for good; a recovered account is acted for and read by its
//! successor, and no longer by itself.

use super::*;
use crate::{Error, Grants, Guardians, NextRequestId, RequestReason};
use ehr_primitives::{
	records::{AccessBasis, AccessDenial, AccessTarget},
	registry::{MemberStatus, Role},
};
use frame_support::{assert_noop, assert_ok};
use pallet_ehr_registry::{GenesisMember, Members, Predecessors, Successors};

/// `PATIENT` grants `grantee` access to all its records for `purpose`.
fn grant_all(grantee: u64, purpose: Purpose) -> sp_runtime::DispatchResult {
	Consent::grant(signed(PATIENT), PATIENT, grantee, ScopeRequest::AllRecords, purpose, None)
}

/// `PATIENT` leaves, and hospital staff register the same account again (with a fresh
/// registration, as if the patient had signed it).
fn leave_and_come_back() {
	assert_ok!(Registry::deregister(signed(PATIENT)));
	Registry::register_member(&GenesisMember::placeholder(PATIENT, Role::Patient, Some(HOSPITAL)))
		.expect("registered again");
}

#[test]
fn grants_guardians_and_requests_end_for_good_when_the_patient_leaves() {
	new_test_ext(|| {
		assert_ok!(grant_all(INSURER, Purpose::Payment));
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_ok!(Consent::request_access(
			signed(OTHER_DOCTOR),
			PATIENT,
			ScopeRequest::AllRecords,
			Purpose::Treatment,
			RequestReason::Referral
		));
		let request = NextRequestId::<Test>::get() - 1;
		let target = AccessTarget::Record(CONDITION_V1);
		assert!(Consent::decide(&INSURER, &PATIENT, target, Some(Purpose::Payment)).is_ok());

		leave_and_come_back();

		assert_eq!(
			Consent::decide(&INSURER, &PATIENT, target, Some(Purpose::Payment)),
			Err(AccessDenial::NoGrant)
		);
		assert!(Consent::grants_of(&PATIENT, 0, 100).is_empty());
		assert!(!Consent::acts_for(&RELATIVE, &PATIENT));
		assert_eq!(Consent::decide(&RELATIVE, &PATIENT, target, None), Err(AccessDenial::NoGrant));
		assert!(Consent::requests_of(&PATIENT, 0, 100).is_empty());
		assert_noop!(
			Consent::approve_request(signed(PATIENT), PATIENT, request, None),
			Error::<Test>::UnknownRequest
		);
		// The stale entries stay dead when touched again.
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), OTHER_PATIENT));
		assert_eq!(Guardians::<Test>::get(PATIENT).guardians.to_vec(), vec![OTHER_PATIENT]);
		assert_ok!(grant_all(INSURER, Purpose::Payment));
		assert_eq!(Grants::<Test>::get(PATIENT, INSURER).len(), 1, "the dead grant made room");
	});
}

/// `PATIENT` was recovered and handed over to `OTHER_PATIENT`.
fn handed_over() {
	Members::<Test>::mutate(PATIENT, |m| {
		if let Some(m) = m {
			m.status = MemberStatus::Recovered;
		}
	});
	Successors::<Test>::insert(PATIENT, OTHER_PATIENT);
	Predecessors::<Test>::insert(
		OTHER_PATIENT,
		frame_support::BoundedVec::truncate_from(vec![PATIENT]),
	);
}

#[test]
fn a_successor_reads_and_decides_for_a_recovered_account_which_no_longer_does() {
	new_test_ext(|| {
		assert_ok!(grant_all(INSURER, Purpose::Payment));
		handed_over();
		let target = AccessTarget::Record(CONDITION_V1);
		assert_eq!(Consent::decide(&OTHER_PATIENT, &PATIENT, target, None), Ok(AccessBasis::Owner));
		assert_eq!(
			Consent::decide(&PATIENT, &PATIENT, target, None),
			Err(AccessDenial::AccessorInactive)
		);
		assert!(Consent::acts_for(&OTHER_PATIENT, &PATIENT));
		assert!(!Consent::acts_for(&PATIENT, &PATIENT));
		// The patient's consent stands; the successor may change it, the old key may not.
		assert!(Consent::decide(&INSURER, &PATIENT, target, Some(Purpose::Payment)).is_ok());
		assert_noop!(
			Consent::revoke(signed(PATIENT), PATIENT, 0),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_ok!(Consent::revoke(signed(OTHER_PATIENT), PATIENT, 0));
	});
}

#[test]
fn a_suspended_patient_decides_nothing_whoever_dispatches_in_its_name() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), PATIENT));
		assert!(!Consent::acts_for(&PATIENT, &PATIENT));
		assert_noop!(grant_all(INSURER, Purpose::Payment), Error::<Test>::NotPatientOrGuardian);
	});
}
