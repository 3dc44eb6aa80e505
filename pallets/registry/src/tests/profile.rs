// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `update_profile` and `set_pow_difficulty`.

use crate::{mock::*, Error, Event, Members, PowDifficulty};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn a_member_rotates_its_encryption_key() {
	new_test_ext(|| {
		assert_ok!(Registry::update_profile(signed(PATIENT), None, Some(key(500))));
		let info = Members::<Test>::get(PATIENT).expect("member");
		assert_eq!(info.encryption_key, key(500));
		assert_eq!(info.profile_commitment, commitment(PATIENT));
		assert_eq!(last_event(), Event::ProfileUpdated { member: PATIENT }.into());
	});
}

#[test]
fn a_member_replaces_its_profile_commitment() {
	new_test_ext(|| {
		assert_ok!(Registry::update_profile(signed(DOCTOR), Some(commitment(900)), None));
		assert_eq!(
			Members::<Test>::get(DOCTOR).map(|m| m.profile_commitment),
			Some(commitment(900))
		);
	});
}

#[test]
fn profile_updates_are_checked() {
	new_test_ext(|| {
		assert_noop!(
			Registry::update_profile(signed(PATIENT), None, None),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			Registry::update_profile(signed(PATIENT), None, Some([0; 32])),
			Error::<Test>::InvalidEncryptionKey
		);
		assert_noop!(
			Registry::update_profile(signed(PATIENT), Some(Default::default()), None),
			Error::<Test>::InvalidProfileCommitment
		);
		assert_noop!(
			Registry::update_profile(signed(OUTSIDER), None, Some(key(1))),
			Error::<Test>::NotMember
		);
	});
}

#[test]
fn the_consortium_sets_the_difficulty() {
	new_test_ext(|| {
		assert_ok!(Registry::set_pow_difficulty(RuntimeOrigin::root(), 20));
		assert_eq!(PowDifficulty::<Test>::get(), 20);
		assert_eq!(last_event(), Event::PowDifficultySet { bits: 20 }.into());
		assert_noop!(
			Registry::set_pow_difficulty(RuntimeOrigin::root(), 25),
			Error::<Test>::DifficultyTooHigh
		);
		assert_noop!(Registry::set_pow_difficulty(signed(HOSPITAL), 1), DispatchError::BadOrigin);
	});
}
