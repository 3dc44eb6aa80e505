// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `register_hospital`, `register_insurer` and `appoint_admin`.

use crate::{mock::*, Error, Event, MemberStatus, Members, Role, StaffCount};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn admin_origin_registers_a_hospital() {
	new_test_ext(|| {
		assert_ok!(Registry::register_hospital(RuntimeOrigin::root(), 50, commitment(50), key(50)));
		let info = Members::<Test>::get(50).expect("member");
		assert_eq!(
			(info.role, info.status, info.hospital),
			(Role::Hospital, MemberStatus::Active, None)
		);
		assert_eq!(System::providers(&50), 1);
		assert_eq!(last_event(), Event::HospitalRegistered { hospital: 50 }.into());
	});
}

#[test]
fn only_the_admin_origin_registers_organisations() {
	new_test_ext(|| {
		assert_noop!(
			Registry::register_hospital(signed(HOSPITAL), 50, commitment(50), key(50)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Registry::register_insurer(signed(ADMIN), 50, commitment(50), key(50)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn registering_an_existing_member_is_refused() {
	new_test_ext(|| {
		assert_noop!(
			Registry::register_hospital(RuntimeOrigin::root(), DOCTOR, commitment(1), key(1)),
			Error::<Test>::AlreadyMember
		);
	});
}

#[test]
fn registering_an_applicant_is_refused() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, crate::ApplicantRole::Patient, HOSPITAL));
		assert_noop!(
			Registry::register_insurer(RuntimeOrigin::root(), OUTSIDER, commitment(1), key(1)),
			Error::<Test>::ApplicationPending
		);
	});
}

#[test]
fn admin_origin_registers_an_insurer() {
	new_test_ext(|| {
		assert_ok!(Registry::register_insurer(RuntimeOrigin::root(), 51, commitment(51), key(51)));
		assert_eq!(Members::<Test>::get(51).map(|m| m.role), Some(Role::Insurer));
		assert_eq!(last_event(), Event::InsurerRegistered { insurer: 51 }.into());
	});
}

#[test]
fn registration_with_invalid_keys_is_refused() {
	new_test_ext(|| {
		assert_noop!(
			Registry::register_insurer(RuntimeOrigin::root(), 51, commitment(51), [0; 32]),
			Error::<Test>::InvalidEncryptionKey
		);
		assert_noop!(
			Registry::register_hospital(RuntimeOrigin::root(), 51, Default::default(), key(51)),
			Error::<Test>::InvalidProfileCommitment
		);
	});
}

#[test]
fn a_hospital_appoints_an_admin() {
	new_test_ext(|| {
		assert_ok!(Registry::appoint_admin(
			signed(HOSPITAL),
			60,
			commitment(60),
			key(60),
			proof_with(60, Role::Admin, HOSPITAL, commitment(60), key(60))
		));
		let info = Members::<Test>::get(60).expect("member");
		assert_eq!((info.role, info.hospital), (Role::Admin, Some(HOSPITAL)));
		assert_eq!(StaffCount::<Test>::get(HOSPITAL), 3);
		assert_eq!(last_event(), Event::AdminAppointed { admin: 60, hospital: HOSPITAL }.into());
	});
}

#[test]
fn only_an_active_hospital_appoints_admins() {
	new_test_ext(|| {
		assert_noop!(
			Registry::appoint_admin(
				signed(ADMIN),
				60,
				commitment(60),
				key(60),
				proof_with(60, Role::Admin, HOSPITAL, commitment(60), key(60))
			),
			Error::<Test>::NotHospital
		);
		assert_noop!(
			Registry::appoint_admin(
				signed(OUTSIDER),
				60,
				commitment(60),
				key(60),
				proof_with(60, Role::Admin, HOSPITAL, commitment(60), key(60))
			),
			Error::<Test>::NotHospital
		);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), HOSPITAL));
		assert_noop!(
			Registry::appoint_admin(
				signed(HOSPITAL),
				60,
				commitment(60),
				key(60),
				proof_with(60, Role::Admin, HOSPITAL, commitment(60), key(60))
			),
			Error::<Test>::Suspended
		);
	});
}

#[test]
fn appointing_a_member_as_admin_is_refused() {
	new_test_ext(|| {
		assert_noop!(
			Registry::appoint_admin(
				signed(HOSPITAL),
				PATIENT,
				commitment(60),
				key(60),
				proof_with(PATIENT, Role::Admin, HOSPITAL, commitment(60), key(60))
			),
			Error::<Test>::AlreadyMember
		);
	});
}

#[test]
fn staff_per_hospital_is_bounded() {
	new_test_ext(|| {
		// HOSPITAL has an admin and a doctor; MAX_STAFF is 4.
		assert_ok!(Registry::appoint_admin(
			signed(HOSPITAL),
			60,
			commitment(60),
			key(60),
			proof_with(60, Role::Admin, HOSPITAL, commitment(60), key(60))
		));
		assert_ok!(Registry::appoint_admin(
			signed(HOSPITAL),
			61,
			commitment(61),
			key(61),
			proof_with(61, Role::Admin, HOSPITAL, commitment(61), key(61))
		));
		assert_noop!(
			Registry::appoint_admin(
				signed(HOSPITAL),
				62,
				commitment(62),
				key(62),
				proof_with(62, Role::Admin, HOSPITAL, commitment(62), key(62))
			),
			Error::<Test>::TooManyStaff
		);
	});
}
