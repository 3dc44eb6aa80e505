// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `activate_doctor`, `renew_credential`, and credentials expiring by themselves.

use crate::{mock::*, ApplicantRole, Error, Event, Inability, Members, Pallet, Role};
use frame_support::{assert_noop, assert_ok};

const LICENCE: &[u8] = b"GMC-7651234";

#[test]
fn staff_activate_a_doctor_who_applied() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_ok!(Registry::activate_doctor(
			signed(ADMIN),
			OUTSIDER,
			LICENCE.to_vec(),
			NOW + YEAR_MS
		));
		let info = Members::<Test>::get(OUTSIDER).expect("member");
		assert_eq!((info.role, info.hospital), (Role::Doctor, Some(HOSPITAL)));
		assert_eq!(info.credential.expect("credential").reference.to_vec(), LICENCE.to_vec());
		// The key and commitment come from the application.
		assert_eq!(info.encryption_key, key(OUTSIDER));
		assert_eq!(System::providers(&OUTSIDER), 1);
		assert_eq!(Pallet::<Test>::acting_role(&OUTSIDER), Ok(Role::Doctor));
		assert_eq!(
			last_event(),
			Event::DoctorActivated {
				doctor: OUTSIDER,
				hospital: HOSPITAL,
				by: ADMIN,
				credential_expires_at: NOW + YEAR_MS
			}
			.into()
		);
	});
}

#[test]
fn the_hospital_itself_may_activate() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_ok!(Registry::activate_doctor(
			signed(HOSPITAL),
			OUTSIDER,
			LICENCE.to_vec(),
			NOW + 1
		));
	});
}

#[test]
fn a_foreign_hospitals_admin_cannot_activate() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_noop!(
			Registry::activate_doctor(
				signed(OTHER_ADMIN),
				OUTSIDER,
				LICENCE.to_vec(),
				NOW + YEAR_MS
			),
			Error::<Test>::WrongHospital
		);
	});
}

#[test]
fn non_staff_cannot_activate() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		for caller in [DOCTOR, PATIENT, INSURER, 77] {
			assert_noop!(
				Registry::activate_doctor(
					signed(caller),
					OUTSIDER,
					LICENCE.to_vec(),
					NOW + YEAR_MS
				),
				Error::<Test>::NotHospitalStaff
			);
		}
	});
}

#[test]
fn activation_needs_a_doctor_application() {
	new_test_ext(|| {
		assert_noop!(
			Registry::activate_doctor(signed(ADMIN), OUTSIDER, LICENCE.to_vec(), NOW + YEAR_MS),
			Error::<Test>::NoApplication
		);
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_noop!(
			Registry::activate_doctor(signed(ADMIN), OUTSIDER, LICENCE.to_vec(), NOW + YEAR_MS),
			Error::<Test>::WrongApplicationRole
		);
	});
}

#[test]
fn credential_reference_and_expiry_are_checked() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		assert_noop!(
			Registry::activate_doctor(signed(ADMIN), OUTSIDER, vec![], NOW + YEAR_MS),
			Error::<Test>::EmptyCredentialReference
		);
		assert_noop!(
			Registry::activate_doctor(
				signed(ADMIN),
				OUTSIDER,
				vec![b'x'; MAX_CREDENTIAL_LEN as usize + 1],
				NOW + YEAR_MS
			),
			Error::<Test>::CredentialReferenceTooLong
		);
		assert_noop!(
			Registry::activate_doctor(signed(ADMIN), OUTSIDER, LICENCE.to_vec(), NOW),
			Error::<Test>::CredentialExpiryInPast
		);
		assert_ok!(Registry::activate_doctor(
			signed(ADMIN),
			OUTSIDER,
			vec![b'x'; MAX_CREDENTIAL_LEN as usize],
			NOW + 1
		));
	});
}

#[test]
fn an_expired_credential_stops_working_by_itself() {
	new_test_ext(|| {
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Ok(Role::Doctor));
		set_time(NOW + YEAR_MS);
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Err(Inability::CredentialExpired));
		assert_eq!(
			Pallet::<Test>::standing(&DOCTOR).and_then(|s| s.inability),
			Some(Inability::CredentialExpired)
		);
	});
}

#[test]
fn renewing_a_credential_restores_the_doctor() {
	new_test_ext(|| {
		set_time(NOW + YEAR_MS);
		assert_ok!(Registry::renew_credential(
			signed(HOSPITAL),
			DOCTOR,
			LICENCE.to_vec(),
			NOW + 2 * YEAR_MS
		));
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Ok(Role::Doctor));
		assert_eq!(
			last_event(),
			Event::CredentialRenewed {
				doctor: DOCTOR,
				by: HOSPITAL,
				expires_at: NOW + 2 * YEAR_MS
			}
			.into()
		);
	});
}

#[test]
fn renewal_is_for_own_doctors_only() {
	new_test_ext(|| {
		assert_noop!(
			Registry::renew_credential(
				signed(OTHER_ADMIN),
				DOCTOR,
				LICENCE.to_vec(),
				NOW + YEAR_MS
			),
			Error::<Test>::NotHospitalStaff
		);
		assert_noop!(
			Registry::renew_credential(signed(ADMIN), PATIENT, LICENCE.to_vec(), NOW + YEAR_MS),
			Error::<Test>::NotDoctor
		);
		assert_noop!(
			Registry::renew_credential(signed(ADMIN), OUTSIDER, LICENCE.to_vec(), NOW + YEAR_MS),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Registry::renew_credential(signed(ADMIN), DOCTOR, vec![b'x'; 17], NOW + YEAR_MS),
			Error::<Test>::CredentialReferenceTooLong
		);
	});
}

#[test]
fn a_doctor_of_a_suspended_hospital_may_not_act() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), HOSPITAL));
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Err(Inability::HospitalInactive));
		assert_eq!(Pallet::<Test>::acting_role(&ADMIN), Err(Inability::HospitalInactive));
		assert_ok!(Registry::reinstate(RuntimeOrigin::root(), HOSPITAL));
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Ok(Role::Doctor));
	});
}
