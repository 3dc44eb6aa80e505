// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Keys only their owner can change: registration proofs bound to the tenure, node
//! service accounts, patients removed only by the consortium, and recovered accounts
//! handed over to a successor.

use crate::{
	mock::*, Actor, Error, Event, MemberStatus, Members, Predecessors, Successors, Tenures,
};
use ehr_primitives::registry::{Inability, MemberRegistry, Role};
use frame_support::{assert_noop, assert_ok};

#[test]
fn a_proof_registers_an_account_once_and_never_after_it_left() {
	new_test_ext(|| {
		let old_proof = proof(OUTSIDER, Role::Patient, HOSPITAL);
		assert_eq!(Tenures::<Test>::get(OUTSIDER), 0);
		assert_ok!(Registry::register_patient(
			signed(ADMIN),
			OUTSIDER,
			commitment(OUTSIDER),
			key(OUTSIDER),
			old_proof.clone()
		));
		assert_eq!(Tenures::<Test>::get(OUTSIDER), 1);
		assert_ok!(Registry::deregister(signed(OUTSIDER)));
		// The clerk kept the proof: it is worthless for the account's next tenure.
		assert_noop!(
			Registry::register_patient(
				signed(ADMIN),
				OUTSIDER,
				commitment(OUTSIDER),
				key(OUTSIDER),
				old_proof
			),
			Error::<Test>::InvalidRegistrationProof
		);
		// The patient signs again to come back.
		assert_ok!(Registry::register_patient(
			signed(ADMIN),
			OUTSIDER,
			commitment(OUTSIDER),
			key(OUTSIDER),
			proof(OUTSIDER, Role::Patient, HOSPITAL)
		));
		assert_eq!(<Registry as MemberRegistry<u64>>::tenure(&OUTSIDER), 2);
	});
}

#[test]
fn only_the_member_changes_its_encryption_key() {
	new_test_ext(|| {
		// Staff have no call that sets another member's key; re-registering an existing
		// member is refused before any key is looked at.
		assert_noop!(
			Registry::register_patient(
				signed(ADMIN),
				PATIENT,
				commitment(PATIENT),
				key(ADMIN),
				proof_with(PATIENT, Role::Patient, HOSPITAL, commitment(PATIENT), key(ADMIN))
			),
			Error::<Test>::AlreadyMember
		);
		assert_ok!(Registry::update_profile(signed(PATIENT), None, Some(key(77))));
		assert_eq!(Members::<Test>::get(PATIENT).map(|m| m.encryption_key), Some(key(77)));
	});
}

#[test]
fn staff_suspend_a_patient_but_only_the_consortium_removes_one() {
	new_test_ext(|| {
		assert_noop!(Registry::revoke(signed(HOSPITAL), PATIENT), Error::<Test>::NoAuthority);
		assert_ok!(Registry::suspend(signed(ADMIN), PATIENT));
		assert_ok!(Registry::reinstate(signed(ADMIN), PATIENT));
		assert_ok!(Registry::revoke(RuntimeOrigin::root(), PATIENT));
		assert_eq!(
			last_event(),
			Event::MemberRevoked { member: PATIENT, role: Role::Patient, by: Actor::Consortium }
				.into()
		);
	});
}

#[test]
fn a_hospital_appoints_its_node_account_which_acts_only_while_the_hospital_does() {
	new_test_ext(|| {
		assert_ok!(Registry::appoint_node(signed(HOSPITAL), 50, proof_node(50, HOSPITAL)));
		assert_eq!(last_event(), Event::NodeAppointed { node: 50, hospital: HOSPITAL }.into());
		let info = Members::<Test>::get(50).expect("node member");
		assert_eq!((info.role, info.hospital), (Role::Node, Some(HOSPITAL)));
		assert_eq!(Registry::acting_role(&50), Ok(Role::Node));
		// A node account is no staff: it cannot act for its hospital.
		assert!(!Registry::is_staff_of(&50, &HOSPITAL));
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), HOSPITAL));
		assert_eq!(Registry::acting_role(&50), Err(Inability::HospitalInactive));
	});
}

#[test]
fn a_recovered_patient_is_handed_over_and_barred_for_good() {
	new_test_ext(|| {
		register_second_patient(21);
		assert_noop!(Registry::hand_over(signed(PATIENT), 21), Error::<Test>::NotRecovered);
		recovered(PATIENT, 21);
		assert_ok!(Registry::hand_over(signed(PATIENT), 21));
		assert_eq!(last_event(), Event::AccountHandedOver { lost: PATIENT, successor: 21 }.into());
		assert_eq!(Members::<Test>::get(PATIENT).map(|m| m.status), Some(MemberStatus::Recovered));
		assert_eq!(Registry::acting_role(&PATIENT), Err(Inability::Recovered));
		assert_eq!(<Registry as MemberRegistry<u64>>::successor(&PATIENT), Some(21));
		assert_eq!(Registry::predecessors_of(&21), vec![PATIENT]);
		assert_noop!(Registry::hand_over(signed(PATIENT), 21), Error::<Test>::AccountRecovered);
		assert_noop!(Registry::suspend(signed(ADMIN), PATIENT), Error::<Test>::AccountRecovered);
	});
}

#[test]
fn a_successor_recovered_in_turn_passes_on_what_it_acts_for() {
	new_test_ext(|| {
		register_second_patient(21);
		register_second_patient(22);
		register_second_patient(23);
		recovered(PATIENT, 21);
		assert_ok!(Registry::hand_over(signed(PATIENT), 21));
		recovered(21, 22);
		assert_ok!(Registry::hand_over(signed(21), 22));
		assert_eq!(Successors::<Test>::get(PATIENT), Some(22));
		assert_eq!(Successors::<Test>::get(21), Some(22));
		assert_eq!(Registry::predecessors_of(&22), vec![PATIENT, 21]);
		assert!(!Predecessors::<Test>::contains_key(21));
		// MaxPredecessors is 2 in the mock.
		recovered(22, 23);
		assert_noop!(Registry::hand_over(signed(22), 23), Error::<Test>::TooManyPredecessors);
	});
}
