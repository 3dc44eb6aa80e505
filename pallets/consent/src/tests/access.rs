// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Access decisions (`decide`, behind `can_access`).

use super::*;
use crate::{Event, ReviewVerdict};
use ehr_primitives::records::{AccessBasis, AccessDenial, EmergencyReason};
use frame_support::assert_ok;
use sp_core::H256;

#[test]
fn the_patient_reads_their_own_records() {
	new_test_ext(|| {
		assert_eq!(
			decide(PATIENT, AccessTarget::Record(PRESCRIPTION), None),
			Ok(AccessBasis::Owner)
		);
		assert_eq!(decide(PATIENT, AccessTarget::History, None), Ok(AccessBasis::Owner));
	});
}

#[test]
fn nobody_reads_without_a_basis() {
	new_test_ext(|| {
		for who in [COLLEAGUE, OTHER_DOCTOR, HOSPITAL, INSURER, OTHER_PATIENT, ADMIN] {
			assert_eq!(
				decide(who, AccessTarget::Record(PRESCRIPTION), None),
				Err(AccessDenial::NoGrant),
				"account {who}"
			);
		}
		assert_eq!(
			decide(OUTSIDER, AccessTarget::Record(PRESCRIPTION), None),
			Err(AccessDenial::AccessorInactive)
		);
	});
}

#[test]
fn records_must_exist_belong_to_the_patient_and_not_be_erased() {
	new_test_ext(|| {
		assert_eq!(
			decide(PATIENT, AccessTarget::Record(999), None),
			Err(AccessDenial::UnknownRecord)
		);
		assert_eq!(
			decide(PATIENT, AccessTarget::Record(FOREIGN_RECORD), None),
			Err(AccessDenial::UnknownRecord)
		);
		assert_eq!(decide(PATIENT, AccessTarget::Record(ERASED), None), Err(AccessDenial::Erased));
		assert_eq!(
			Consent::decide(&DOCTOR, &HOSPITAL, AccessTarget::History, None),
			Err(AccessDenial::NotPatient)
		);
	});
}

#[test]
fn the_author_reads_their_own_records_while_active() {
	new_test_ext(|| {
		assert_eq!(
			decide(DOCTOR, AccessTarget::Record(CONDITION_V2), None),
			Ok(AccessBasis::Author)
		);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), DOCTOR));
		assert_eq!(
			decide(DOCTOR, AccessTarget::Record(CONDITION_V2), None),
			Err(AccessDenial::AccessorInactive)
		);
	});
}

#[test]
fn scopes_limit_what_a_grant_covers() {
	new_test_ext(|| {
		let id = grant(COLLEAGUE, categories(&[Category::MedicationRequest]), Purpose::Treatment);
		let allowed = Ok(AccessBasis::Grant(id));
		assert_eq!(decide(COLLEAGUE, AccessTarget::Record(PRESCRIPTION), None), allowed);
		assert_eq!(
			decide(COLLEAGUE, AccessTarget::Category(Category::MedicationRequest), None),
			allowed
		);
		assert_eq!(
			decide(COLLEAGUE, AccessTarget::Record(CONDITION_V1), None),
			Err(AccessDenial::NoGrant)
		);
		// The list of records needs a grant of everything.
		assert_eq!(decide(COLLEAGUE, AccessTarget::History, None), Err(AccessDenial::NoGrant));

		let id = grant(OTHER_DOCTOR, ScopeRequest::Records(vec![CONDITION_V1]), Purpose::Treatment);
		// A grant of a record covers its later versions.
		assert_eq!(
			decide(OTHER_DOCTOR, AccessTarget::Record(CONDITION_V2), None),
			Ok(AccessBasis::Grant(id))
		);
		assert_eq!(
			decide(OTHER_DOCTOR, AccessTarget::Record(PRESCRIPTION), None),
			Err(AccessDenial::NoGrant)
		);
	});
}

#[test]
fn purposes_must_match() {
	new_test_ext(|| {
		let id = grant(INSURER, ScopeRequest::AllRecords, Purpose::Payment);
		assert_eq!(
			decide(INSURER, AccessTarget::Record(PRESCRIPTION), Some(Purpose::Payment)),
			Ok(AccessBasis::Grant(id))
		);
		assert_eq!(
			decide(INSURER, AccessTarget::Record(PRESCRIPTION), Some(Purpose::Treatment)),
			Err(AccessDenial::NoGrant)
		);
	});
}

#[test]
fn grants_expire_without_anyone_acting() {
	new_test_ext(|| {
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			OTHER_DOCTOR,
			ScopeRequest::AllRecords,
			Purpose::Treatment,
			Some(NOW + HOUR_MS)
		));
		assert!(decide(OTHER_DOCTOR, AccessTarget::History, None).is_ok());
		set_time(NOW + HOUR_MS);
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::History, None), Err(AccessDenial::NoGrant));
		assert!(!Consent::grants_of(&PATIENT, 0, 100)[0].active);
	});
}

#[test]
fn a_hospital_grant_covers_its_doctors_only() {
	new_test_ext(|| {
		let id = grant(HOSPITAL, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_eq!(decide(COLLEAGUE, AccessTarget::History, None), Ok(AccessBasis::Grant(id)));
		assert_eq!(decide(HOSPITAL, AccessTarget::History, None), Ok(AccessBasis::Grant(id)));
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::History, None), Err(AccessDenial::NoGrant));
		assert_eq!(decide(ADMIN, AccessTarget::History, None), Err(AccessDenial::NoGrant));
	});
}

#[test]
fn break_glass_gives_time_boxed_treatment_access() {
	new_test_ext(|| {
		assert_ok!(Consent::open_break_glass(
			signed(OTHER_DOCTOR),
			PATIENT,
			EmergencyReason::PatientUnableToConsent,
			H256::repeat_byte(1)
		));
		let basis = Ok(AccessBasis::BreakGlass(0));
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::Record(PRESCRIPTION), None), basis);
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::History, Some(Purpose::Treatment)), basis);
		assert_eq!(
			decide(OTHER_DOCTOR, AccessTarget::History, Some(Purpose::Research)),
			Err(AccessDenial::NoGrant)
		);
		set_time(NOW + BREAK_GLASS_MS);
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::History, None), Err(AccessDenial::NoGrant));
		// Reviewing does not reopen it.
		assert_ok!(Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Justified));
		assert!(matches!(last_event(), RuntimeEvent::Consent(Event::BreakGlassReviewed { .. })));
		assert_eq!(decide(OTHER_DOCTOR, AccessTarget::History, None), Err(AccessDenial::NoGrant));
	});
}

#[test]
fn guardians_act_and_read_for_the_patient() {
	new_test_ext(|| {
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_eq!(decide(RELATIVE, AccessTarget::History, None), Ok(AccessBasis::Guardian));
		assert_ok!(Consent::grant(
			signed(RELATIVE),
			PATIENT,
			DOCTOR,
			ScopeRequest::AllRecords,
			Purpose::Treatment,
			None
		));
		assert_eq!(crate::Grants::<Test>::get(PATIENT, DOCTOR)[0].granted_by, RELATIVE);
		// A suspended guardian loses both.
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), RELATIVE));
		assert_eq!(
			decide(RELATIVE, AccessTarget::History, None),
			Err(AccessDenial::AccessorInactive)
		);
		assert!(!Consent::acts_for(&RELATIVE, &PATIENT));
	});
}
