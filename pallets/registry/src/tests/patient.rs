// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `activate_patient`, `register_patient`, `reject_application` and `deregister`.

use crate::{mock::*, ApplicantRole, Applications, Error, Event, Members, RejectionReason, Role};
use frame_support::{assert_noop, assert_ok};

#[test]
fn staff_activate_a_patient_who_applied() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_ok!(Registry::activate_patient(signed(ADMIN), OUTSIDER));
		let info = Members::<Test>::get(OUTSIDER).expect("member");
		assert_eq!((info.role, info.hospital), (Role::Patient, Some(HOSPITAL)));
		assert!(!Applications::<Test>::contains_key(OUTSIDER));
		assert_eq!(System::providers(&OUTSIDER), 1);
		assert_eq!(
			last_event(),
			Event::PatientActivated { patient: OUTSIDER, hospital: HOSPITAL, by: ADMIN }.into()
		);
	});
}

#[test]
fn activating_a_patient_checks_the_application() {
	new_test_ext(|| {
		assert_noop!(
			Registry::activate_patient(signed(ADMIN), OUTSIDER),
			Error::<Test>::NoApplication
		);
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, OTHER_HOSPITAL));
		assert_noop!(
			Registry::activate_patient(signed(ADMIN), OUTSIDER),
			Error::<Test>::WrongHospital
		);
		assert_noop!(
			Registry::activate_patient(signed(DOCTOR), OUTSIDER),
			Error::<Test>::NotHospitalStaff
		);
		assert_ok!(Registry::activate_patient(signed(OTHER_ADMIN), OUTSIDER));
	});
}

#[test]
fn a_doctor_application_is_not_a_patient_application() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_noop!(
			Registry::activate_patient(signed(ADMIN), OUTSIDER),
			Error::<Test>::WrongApplicationRole
		);
	});
}

#[test]
fn staff_register_a_patient_directly() {
	new_test_ext(|| {
		assert_ok!(Registry::register_patient(
			signed(HOSPITAL),
			OUTSIDER,
			commitment(OUTSIDER),
			key(OUTSIDER),
			proof_with(OUTSIDER, Role::Patient, HOSPITAL, commitment(OUTSIDER), key(OUTSIDER))
		));
		assert_eq!(Members::<Test>::get(OUTSIDER).map(|m| m.role), Some(Role::Patient));
		assert_eq!(
			last_event(),
			Event::PatientActivated { patient: OUTSIDER, hospital: HOSPITAL, by: HOSPITAL }.into()
		);
	});
}

#[test]
fn direct_registration_is_checked() {
	new_test_ext(|| {
		assert_noop!(
			Registry::register_patient(
				signed(DOCTOR),
				OUTSIDER,
				commitment(1),
				key(1),
				proof_with(OUTSIDER, Role::Patient, HOSPITAL, commitment(1), key(1))
			),
			Error::<Test>::NotHospitalStaff
		);
		assert_noop!(
			Registry::register_patient(
				signed(ADMIN),
				PATIENT,
				commitment(1),
				key(1),
				proof_with(PATIENT, Role::Patient, HOSPITAL, commitment(1), key(1))
			),
			Error::<Test>::AlreadyMember
		);
		assert_noop!(
			Registry::register_patient(
				signed(ADMIN),
				OUTSIDER,
				commitment(1),
				[0; 32],
				proof_with(OUTSIDER, Role::Patient, HOSPITAL, commitment(1), [0; 32])
			),
			Error::<Test>::InvalidEncryptionKey
		);
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_noop!(
			Registry::register_patient(
				signed(ADMIN),
				OUTSIDER,
				commitment(1),
				key(1),
				proof_with(OUTSIDER, Role::Patient, HOSPITAL, commitment(1), key(1))
			),
			Error::<Test>::ApplicationPending
		);
	});
}

#[test]
fn staff_reject_an_application() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_noop!(
			Registry::reject_application(signed(OTHER_ADMIN), OUTSIDER, RejectionReason::Other),
			Error::<Test>::WrongHospital
		);
		assert_noop!(
			Registry::reject_application(signed(PATIENT), OUTSIDER, RejectionReason::Other),
			Error::<Test>::NotHospitalStaff
		);
		assert_ok!(Registry::reject_application(
			signed(ADMIN),
			OUTSIDER,
			RejectionReason::CredentialUnverified
		));
		assert!(!Applications::<Test>::contains_key(OUTSIDER));
		assert_eq!(
			last_event(),
			Event::ApplicationRejected {
				applicant: OUTSIDER,
				by: ADMIN,
				reason: RejectionReason::CredentialUnverified
			}
			.into()
		);
		assert_noop!(
			Registry::reject_application(signed(ADMIN), OUTSIDER, RejectionReason::Other),
			Error::<Test>::NoApplication
		);
	});
}

#[test]
fn a_patient_deregisters_cleanly() {
	new_test_ext(|| {
		assert_eq!(System::providers(&PATIENT), 1);
		assert_ok!(Registry::deregister(signed(PATIENT)));
		assert!(!Members::<Test>::contains_key(PATIENT));
		// No provider left, but the account and its nonce stay: a transaction it signed
		// while a member can never be replayed after it comes back.
		assert_eq!(System::providers(&PATIENT), 0);
		assert_eq!(System::sufficients(&PATIENT), 1);
		assert!(frame_system::Account::<Test>::contains_key(PATIENT));
		assert_eq!(last_event(), Event::PatientDeregistered { patient: PATIENT }.into());
	});
}

#[test]
fn only_patients_deregister() {
	new_test_ext(|| {
		assert_noop!(Registry::deregister(signed(DOCTOR)), Error::<Test>::NotPatient);
		assert_noop!(Registry::deregister(signed(OUTSIDER)), Error::<Test>::NotMember);
	});
}

#[test]
fn a_consumer_reference_blocks_deregistration_without_changing_anything() {
	new_test_ext(|| {
		// Something else (e.g. session keys) holds a consumer reference on the account.
		assert_ok!(System::inc_consumers(&PATIENT));
		assert_noop!(
			Registry::deregister(signed(PATIENT)),
			sp_runtime::DispatchError::ConsumerRemaining
		);
		System::dec_consumers(&PATIENT);
	});
}
