// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The genesis configuration.

use crate::{mock::*, GenesisMember, Members, PowDifficulty, Role, StaffCount};

#[test]
fn genesis_registers_members_with_providers() {
	new_test_ext(|| {
		for (who, role) in [
			(HOSPITAL, Role::Hospital),
			(OTHER_HOSPITAL, Role::Hospital),
			(ADMIN, Role::Admin),
			(DOCTOR, Role::Doctor),
			(PATIENT, Role::Patient),
			(INSURER, Role::Insurer),
		] {
			assert_eq!(Members::<Test>::get(who).map(|m| m.role), Some(role));
			assert_eq!(System::providers(&who), 1);
		}
		assert_eq!(StaffCount::<Test>::get(HOSPITAL), 2);
		assert_eq!(StaffCount::<Test>::get(OTHER_HOSPITAL), 1);
		assert_eq!(PowDifficulty::<Test>::get(), 0);
	});
}

#[test]
fn genesis_sets_the_difficulty() {
	ExtBuilder::default().pow_difficulty(9).build_and_execute(|| {
		assert_eq!(PowDifficulty::<Test>::get(), 9);
	});
}

#[test]
#[should_panic(expected = "invalid genesis member")]
fn genesis_refuses_a_doctor_of_an_unknown_hospital() {
	ExtBuilder::default()
		.members(vec![GenesisMember {
			account: DOCTOR,
			role: Role::Doctor,
			hospital: Some(HOSPITAL),
			profile_commitment: commitment(DOCTOR),
			encryption_key: key(DOCTOR),
			credential_expires_at: Some(NOW + YEAR_MS),
		}])
		.build();
}

#[test]
#[should_panic(expected = "difficulty exceeds")]
fn genesis_refuses_a_difficulty_above_the_maximum() {
	ExtBuilder::default().pow_difficulty(99).build();
}
