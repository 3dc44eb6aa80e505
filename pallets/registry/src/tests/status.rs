// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `suspend`, `reinstate` and `revoke`.

use crate::{mock::*, Actor, Error, Event, Inability, Members, Pallet, Role, StaffCount};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn staff_suspend_and_reinstate_their_doctor() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(signed(ADMIN), DOCTOR));
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Err(Inability::Suspended));
		assert_eq!(
			last_event(),
			Event::MemberSuspended { member: DOCTOR, by: Actor::Member(ADMIN) }.into()
		);
		assert_ok!(Registry::reinstate(signed(HOSPITAL), DOCTOR));
		assert_eq!(Pallet::<Test>::acting_role(&DOCTOR), Ok(Role::Doctor));
		assert_eq!(
			last_event(),
			Event::MemberReinstated { member: DOCTOR, by: Actor::Member(HOSPITAL) }.into()
		);
	});
}

#[test]
fn the_consortium_suspends_anyone() {
	new_test_ext(|| {
		for member in [HOSPITAL, INSURER, DOCTOR, PATIENT, ADMIN] {
			assert_ok!(Registry::suspend(RuntimeOrigin::root(), member));
			assert_eq!(
				last_event(),
				Event::MemberSuspended { member, by: Actor::Consortium }.into()
			);
		}
	});
}

#[test]
fn suspension_needs_authority() {
	new_test_ext(|| {
		// Another hospital's admin, a doctor, a patient: no authority over this doctor.
		for caller in [OTHER_ADMIN, DOCTOR, PATIENT, OUTSIDER] {
			assert_noop!(Registry::suspend(signed(caller), DOCTOR), Error::<Test>::NoAuthority);
		}
		// Hospitals and insurers answer to the consortium only.
		assert_noop!(Registry::suspend(signed(ADMIN), HOSPITAL), Error::<Test>::NoAuthority);
		assert_noop!(Registry::suspend(signed(HOSPITAL), INSURER), Error::<Test>::NoAuthority);
		assert_noop!(Registry::suspend(signed(ADMIN), OUTSIDER), Error::<Test>::NotMember);
	});
}

#[test]
fn status_changes_must_change_something() {
	new_test_ext(|| {
		assert_noop!(Registry::reinstate(signed(ADMIN), DOCTOR), Error::<Test>::NotSuspended);
		assert_ok!(Registry::suspend(signed(ADMIN), DOCTOR));
		assert_noop!(Registry::suspend(signed(ADMIN), DOCTOR), Error::<Test>::Suspended);
	});
}

#[test]
fn a_suspended_admin_loses_authority() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(signed(HOSPITAL), ADMIN));
		assert_noop!(Registry::suspend(signed(ADMIN), DOCTOR), Error::<Test>::NoAuthority);
	});
}

#[test]
fn revoking_a_doctor_removes_it_and_its_provider() {
	new_test_ext(|| {
		assert_ok!(Registry::revoke(signed(ADMIN), DOCTOR));
		assert!(!Members::<Test>::contains_key(DOCTOR));
		assert_eq!(System::providers(&DOCTOR), 0);
		assert_eq!(StaffCount::<Test>::get(HOSPITAL), 1);
		assert_eq!(
			last_event(),
			Event::MemberRevoked { member: DOCTOR, role: Role::Doctor, by: Actor::Member(ADMIN) }
				.into()
		);
	});
}

#[test]
fn a_hospital_with_staff_cannot_be_revoked() {
	new_test_ext(|| {
		assert_noop!(
			Registry::revoke(RuntimeOrigin::root(), HOSPITAL),
			Error::<Test>::HospitalHasStaff
		);
		assert_ok!(Registry::revoke(RuntimeOrigin::root(), DOCTOR));
		assert_ok!(Registry::revoke(RuntimeOrigin::root(), ADMIN));
		assert_ok!(Registry::revoke(RuntimeOrigin::root(), HOSPITAL));
		assert!(!StaffCount::<Test>::contains_key(HOSPITAL));
	});
}

#[test]
fn revocation_needs_authority() {
	new_test_ext(|| {
		assert_noop!(Registry::revoke(signed(OTHER_ADMIN), PATIENT), Error::<Test>::NoAuthority);
		assert_noop!(Registry::revoke(signed(HOSPITAL), INSURER), Error::<Test>::NoAuthority);
		assert_noop!(Registry::revoke(RuntimeOrigin::none(), INSURER), DispatchError::BadOrigin);
		assert_noop!(Registry::revoke(RuntimeOrigin::root(), OUTSIDER), Error::<Test>::NotMember);
	});
}
