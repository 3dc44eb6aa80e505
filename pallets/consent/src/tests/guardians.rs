// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `appoint_guardian` and `remove_guardian`.

use super::*;
use crate::{Error, Event, Guardians};
use frame_support::{assert_noop, assert_ok};

#[test]
fn a_patient_appoints_and_removes_a_guardian() {
	new_test_ext(|| {
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_eq!(Guardians::<Test>::get(PATIENT).guardians.to_vec(), vec![RELATIVE]);
		assert_eq!(
			last_event(),
			Event::GuardianAppointed { patient: PATIENT, guardian: RELATIVE }.into()
		);
		assert!(Consent::acts_for(&RELATIVE, &PATIENT));
		assert_ok!(Consent::remove_guardian(signed(PATIENT), PATIENT, RELATIVE));
		assert!(!Guardians::<Test>::contains_key(PATIENT));
		assert_eq!(
			last_event(),
			Event::GuardianRemoved { patient: PATIENT, guardian: RELATIVE }.into()
		);
	});
}

#[test]
fn a_guardian_may_resign() {
	new_test_ext(|| {
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), DOCTOR));
		assert_noop!(
			Consent::remove_guardian(signed(OTHER_PATIENT), PATIENT, DOCTOR),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_ok!(Consent::remove_guardian(signed(DOCTOR), PATIENT, DOCTOR));
		assert_noop!(
			Consent::remove_guardian(signed(PATIENT), PATIENT, DOCTOR),
			Error::<Test>::NotGuardian
		);
	});
}

#[test]
fn guardians_are_active_people_other_than_the_patient() {
	new_test_ext(|| {
		for who in [PATIENT, HOSPITAL, INSURER, OUTSIDER] {
			assert_noop!(
				Consent::appoint_guardian(signed(PATIENT), who),
				Error::<Test>::InvalidGuardian
			);
		}
		assert_noop!(
			Consent::appoint_guardian(signed(HOSPITAL), RELATIVE),
			Error::<Test>::NotPatient
		);
	});
}

#[test]
fn guardians_are_bounded_and_unique() {
	new_test_ext(|| {
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_noop!(
			Consent::appoint_guardian(signed(PATIENT), RELATIVE),
			Error::<Test>::AlreadyGuardian
		);
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), ADMIN));
		assert_noop!(
			Consent::appoint_guardian(signed(PATIENT), DOCTOR),
			Error::<Test>::TooManyGuardians
		);
	});
}
