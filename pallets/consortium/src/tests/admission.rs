// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `admit_hospital`, `remove_hospital` and the session manager.

use crate::{mock::*, Departing, Error, Event, Hospitals, NodeOwners, Nodes};
use ehr_primitives::registry::{Inability, ProfileCommitment, Role};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

fn admit(hospital: u64, node: Vec<u8>) -> sp_runtime::DispatchResult {
	Consortium::admit_hospital(
		RuntimeOrigin::root(),
		hospital,
		ProfileCommitment::repeat_byte(hospital as u8),
		[hospital as u8; 32],
		node,
	)
}

#[test]
fn genesis_founds_the_consortium() {
	new_test_ext(|| {
		assert_eq!(Consortium::hospitals(), FOUNDERS.to_vec());
		assert_eq!(council(), FOUNDERS.to_vec());
		assert_eq!(Consortium::authorized_peers().len(), 4);
		assert_eq!(Consortium::new_session(1), Some(FOUNDERS.to_vec()));
	});
}

#[test]
fn one_call_admits_a_hospital_everywhere() {
	new_test_ext(|| {
		assert_ok!(admit(NEWCOMER, peer(5)));
		assert_eq!(Registry::acting_role(&NEWCOMER), Ok(Role::Hospital));
		assert_eq!(Consortium::hospitals(), vec![1, 2, 3, 4, NEWCOMER]);
		assert_eq!(council(), vec![1, 2, 3, 4, NEWCOMER]);
		assert_eq!(Consortium::new_session(2), Some(vec![1, 2, 3, 4, NEWCOMER]));
		assert!(Consortium::authorized_peers().contains(&peer(5)));
		assert_eq!(
			last_event(),
			Event::HospitalAdmitted { hospital: NEWCOMER, node: peer(5) }.into()
		);
	});
}

#[test]
fn admission_is_checked() {
	new_test_ext(|| {
		assert_noop!(
			Consortium::admit_hospital(
				RuntimeOrigin::signed(1),
				NEWCOMER,
				Default::default(),
				[1; 32],
				peer(5)
			),
			DispatchError::BadOrigin
		);
		assert_noop!(admit(1, peer(9)), Error::<Test>::AlreadyInConsortium);
		assert_noop!(admit(NEWCOMER, vec![0x00, 0x05, 1]), Error::<Test>::InvalidPeerId);
		assert_noop!(admit(NEWCOMER, vec![0x42; 38]), Error::<Test>::InvalidPeerId);
		assert_noop!(admit(NEWCOMER, peer(1)), Error::<Test>::NodeAlreadyAuthorized);
		// A doctor's account cannot become a hospital: the registry refuses.
		assert_noop!(admit(DOCTOR, peer(10)), pallet_ehr_registry::Error::<Test>::AlreadyMember);
		assert_ok!(admit(NEWCOMER, peer(5)));
		assert_ok!(admit(6, peer(6)));
		assert_noop!(admit(7, peer(7)), Error::<Test>::TooManyHospitals);
	});
}

#[test]
fn removal_suspends_and_leaves_at_the_next_session() {
	new_test_ext(|| {
		assert_ok!(admit(NEWCOMER, peer(5)));
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), 2));
		assert_eq!(last_event(), Event::HospitalRemoved { hospital: 2 }.into());
		assert_eq!(Registry::acting_role(&2), Err(Inability::Suspended));
		assert_eq!(council(), vec![1, 3, 4, NEWCOMER]);
		assert!(Departing::<Test>::get().iter().any(|(h, _)| *h == 2));
		// Planned out of the next validator set at once...
		assert_eq!(Consortium::new_session(2), Some(vec![1, 3, 4, NEWCOMER]));
		// ...but its node stays authorized until it stops validating.
		assert!(Consortium::authorized_peers().contains(&peer(2)));
		assert!(purged_keys().is_empty());
		assert_eq!(Consortium::new_session(3), Some(vec![1, 3, 4, NEWCOMER]));
		// Gone: its session keys too, so that coming back it must set fresh ones.
		assert_eq!(purged_keys(), vec![2]);
		assert!(!Consortium::authorized_peers().contains(&peer(2)));
		assert!(!Nodes::<Test>::contains_key(2));
		assert!(!NodeOwners::<Test>::contains_key(crate::PeerIdOf::<Test>::truncate_from(peer(2))));
	});
}

#[test]
fn removal_keeps_the_validator_floor() {
	new_test_ext(|| {
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::root(), 2),
			Error::<Test>::BelowValidatorFloor
		);
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::root(), NEWCOMER),
			Error::<Test>::NotInConsortium
		);
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_removed_hospital_can_be_admitted_again() {
	new_test_ext(|| {
		assert_ok!(admit(NEWCOMER, peer(5)));
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), NEWCOMER));
		assert_ok!(admit(NEWCOMER, peer(5)));
		assert_eq!(Registry::acting_role(&NEWCOMER), Ok(Role::Hospital));
		assert!(Departing::<Test>::get().is_empty());
		assert_eq!(Hospitals::<Test>::get().len(), 5);
	});
}

#[test]
fn an_empty_consortium_leaves_the_session_genesis_validators() {
	new_test_ext(|| {
		Hospitals::<Test>::kill();
		assert_eq!(Consortium::new_session(1), None);
		Hospitals::<Test>::put(frame_support::BoundedVec::truncate_from(FOUNDERS.to_vec()));
	});
}
