// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `grant` and `revoke`.

use super::*;
use crate::{Error, Event, GrantIndex, Grants, Scope};
use ehr_primitives::records::{AccessBasis, AccessDenial, MAX_SCOPE_RECORDS};
use frame_support::{assert_noop, assert_ok};

#[test]
fn a_patient_grants_a_hospital_treatment_access() {
	new_test_ext(|| {
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			HOSPITAL,
			ScopeRequest::AllRecords,
			Purpose::Treatment,
			Some(NOW + HOUR_MS)
		));
		let grants = Grants::<Test>::get(PATIENT, HOSPITAL);
		assert_eq!(grants.len(), 1);
		assert_eq!(grants[0].scope, Scope::AllRecords);
		assert_eq!(GrantIndex::<Test>::get(0), Some((PATIENT, HOSPITAL)));
		assert!(System::events().iter().any(|e| e.event
			== Event::AccessGranted {
				grant: 0,
				patient: PATIENT,
				grantee: HOSPITAL,
				purpose: Purpose::Treatment,
				expires_at: Some(NOW + HOUR_MS)
			}
			.into()));
		// The hospital's doctors are covered.
		assert_eq!(
			decide(COLLEAGUE, AccessTarget::Record(PRESCRIPTION), Some(Purpose::Treatment)),
			Ok(AccessBasis::Grant(0))
		);
	});
}

#[test]
fn scopes_are_checked_and_normalised() {
	new_test_ext(|| {
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				categories(&[]),
				Purpose::Treatment,
				None
			),
			Error::<Test>::EmptyScope
		);
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				ScopeRequest::Records(vec![CONDITION_V1; MAX_SCOPE_RECORDS as usize + 1]),
				Purpose::Treatment,
				None
			),
			Error::<Test>::ScopeTooLarge
		);
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				ScopeRequest::Records(vec![FOREIGN_RECORD]),
				Purpose::Treatment,
				None
			),
			Error::<Test>::UnknownRecord
		);
		// A later version is stored as its first version; duplicates collapse.
		grant(DOCTOR, ScopeRequest::Records(vec![CONDITION_V2, CONDITION_V1]), Purpose::Treatment);
		let scope = &Grants::<Test>::get(PATIENT, DOCTOR)[0].scope;
		assert_eq!(scope, &Scope::Records(vec![CONDITION_V1].try_into().unwrap()));
	});
}

#[test]
fn grantees_must_be_active_organisations_or_doctors() {
	new_test_ext(|| {
		for grantee in [PATIENT, OTHER_PATIENT, ADMIN, OUTSIDER] {
			assert_noop!(
				Consent::grant(
					signed(PATIENT),
					PATIENT,
					grantee,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					None
				),
				Error::<Test>::InvalidGrantee
			);
		}
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), DOCTOR));
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				None
			),
			Error::<Test>::InvalidGrantee
		);
	});
}

#[test]
fn insurers_are_granted_payment_access_only() {
	new_test_ext(|| {
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				INSURER,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				None
			),
			Error::<Test>::PurposeNotAllowed
		);
		grant(INSURER, categories(&[Category::Encounter]), Purpose::Payment);
	});
}

#[test]
fn only_the_patient_or_a_guardian_grants() {
	new_test_ext(|| {
		assert_noop!(
			Consent::grant(
				signed(DOCTOR),
				PATIENT,
				DOCTOR,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				None
			),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_noop!(
			Consent::grant(
				signed(HOSPITAL),
				HOSPITAL,
				DOCTOR,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				None
			),
			Error::<Test>::NotPatient
		);
	});
}

#[test]
fn an_expiry_must_lie_ahead() {
	new_test_ext(|| {
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				Some(NOW)
			),
			Error::<Test>::ExpiryInPast
		);
	});
}

#[test]
fn grants_per_grantee_are_bounded_and_expired_ones_make_room() {
	new_test_ext(|| {
		for _ in 0..MAX_GRANTS - 1 {
			grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		}
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			DOCTOR,
			ScopeRequest::AllRecords,
			Purpose::Research,
			Some(NOW + 10)
		));
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				DOCTOR,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				None
			),
			Error::<Test>::TooManyGrants
		);
		set_time(NOW + 10);
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Operations);
		assert!(GrantIndex::<Test>::get(id).is_some());
		// The expired grant is gone from storage, and from the index.
		assert_eq!(Grants::<Test>::get(PATIENT, DOCTOR).len(), MAX_GRANTS as usize);
	});
}

#[test]
fn revocation_is_immediate() {
	new_test_ext(|| {
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		assert!(decide(DOCTOR, AccessTarget::Record(PRESCRIPTION), None).is_ok());
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, id));
		assert_eq!(
			decide(DOCTOR, AccessTarget::Record(CONDITION_V1), None),
			Ok(AccessBasis::Author),
			"the author keeps access to what they wrote"
		);
		assert_eq!(
			decide(COLLEAGUE, AccessTarget::Record(PRESCRIPTION), None),
			Err(AccessDenial::NoGrant)
		);
		assert!(Grants::<Test>::get(PATIENT, DOCTOR).is_empty());
		assert_eq!(
			last_event(),
			Event::AccessRevoked { grant: id, patient: PATIENT, grantee: DOCTOR }.into()
		);
	});
}

#[test]
fn revoking_needs_the_patients_own_grant() {
	new_test_ext(|| {
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_noop!(
			Consent::revoke(signed(DOCTOR), PATIENT, id),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_noop!(
			Consent::revoke(signed(OTHER_PATIENT), OTHER_PATIENT, id),
			Error::<Test>::UnknownGrant
		);
		assert_noop!(Consent::revoke(signed(PATIENT), PATIENT, 77), Error::<Test>::UnknownGrant);
	});
}

#[test]
fn a_suspended_patient_can_still_revoke_but_not_grant() {
	new_test_ext(|| {
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), PATIENT));
		assert_noop!(
			Consent::grant(
				signed(PATIENT),
				PATIENT,
				INSURER,
				ScopeRequest::AllRecords,
				Purpose::Payment,
				None
			),
			Error::<Test>::NotPatientOrGuardian
		);
		// What it granted must not keep working against its will while it cannot act.
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, id));
		assert!(Grants::<Test>::get(PATIENT, DOCTOR).is_empty());
	});
}

#[test]
fn a_suspended_guardian_cannot_revoke_for_its_ward() {
	new_test_ext(|| {
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), RELATIVE));
		assert_noop!(
			Consent::revoke(signed(RELATIVE), PATIENT, id),
			Error::<Test>::NotPatientOrGuardian
		);
	});
}
