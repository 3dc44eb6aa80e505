// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `apply`, `withdraw_application` and application expiry.

use crate::{mock::*, ApplicantRole, Applications, Error, Event, PowDifficulty};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn applying_records_a_pending_application() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Doctor, HOSPITAL));
		let application = Applications::<Test>::get(OUTSIDER).expect("pending");
		assert_eq!(application.hospital, HOSPITAL);
		assert_eq!(application.expires_at, 1 + APPLICATION_LIFETIME);
		assert_eq!(
			last_event(),
			Event::Applied {
				applicant: OUTSIDER,
				role: ApplicantRole::Doctor,
				hospital: HOSPITAL,
				expires_at: 1 + APPLICATION_LIFETIME
			}
			.into()
		);
		// An applicant holds no provider reference: nothing is stored for it in System.
		assert_eq!(System::providers(&OUTSIDER), 0);
	});
}

#[test]
fn apply_needs_the_applicant_origin() {
	new_test_ext(|| {
		assert_noop!(
			Registry::apply(
				signed(OUTSIDER),
				ApplicantRole::Patient,
				HOSPITAL,
				commitment(OUTSIDER),
				key(OUTSIDER),
				pow_block(),
				0
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn apply_twice_is_refused() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_noop!(
			apply(OUTSIDER, ApplicantRole::Patient, OTHER_HOSPITAL),
			Error::<Test>::ApplicationPending
		);
	});
}

#[test]
fn members_cannot_apply() {
	new_test_ext(|| {
		assert_noop!(apply(PATIENT, ApplicantRole::Doctor, HOSPITAL), Error::<Test>::AlreadyMember);
	});
}

#[test]
fn apply_to_a_non_hospital_is_refused() {
	new_test_ext(|| {
		assert_noop!(apply(OUTSIDER, ApplicantRole::Patient, INSURER), Error::<Test>::NotHospital);
		assert_noop!(apply(OUTSIDER, ApplicantRole::Patient, 77), Error::<Test>::NotHospital);
	});
}

#[test]
fn apply_to_a_suspended_hospital_is_refused() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), HOSPITAL));
		assert_noop!(
			apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL),
			Error::<Test>::HospitalInactive
		);
	});
}

#[test]
fn apply_with_insufficient_work_is_refused() {
	ExtBuilder::default().pow_difficulty(12).build_and_execute(|| {
		let bad = (0u64..)
			.find(|nonce| {
				let ticket = crate::pow::ticket_hash(
					&OUTSIDER,
					ApplicantRole::Patient,
					&HOSPITAL,
					&commitment(OUTSIDER),
					&key(OUTSIDER),
					&System::block_hash(pow_block()),
					*nonce,
				);
				crate::pow::leading_zero_bits(&ticket) < 12
			})
			.unwrap();
		assert_noop!(
			Registry::apply(
				applicant(OUTSIDER),
				ApplicantRole::Patient,
				HOSPITAL,
				commitment(OUTSIDER),
				key(OUTSIDER),
				pow_block(),
				bad
			),
			Error::<Test>::InsufficientProofOfWork
		);
		assert_eq!(PowDifficulty::<Test>::get(), 12);
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
	});
}

#[test]
fn apply_with_invalid_keys_is_refused() {
	new_test_ext(|| {
		assert_noop!(
			Registry::apply(
				applicant(OUTSIDER),
				ApplicantRole::Patient,
				HOSPITAL,
				commitment(OUTSIDER),
				[0u8; 32],
				pow_block(),
				0
			),
			Error::<Test>::InvalidEncryptionKey
		);
		assert_noop!(
			Registry::apply(
				applicant(OUTSIDER),
				ApplicantRole::Patient,
				HOSPITAL,
				Default::default(),
				key(OUTSIDER),
				pow_block(),
				0
			),
			Error::<Test>::InvalidProfileCommitment
		);
	});
}

#[test]
fn applications_per_block_are_bounded() {
	new_test_ext(|| {
		for who in 0..MAX_APPLICATIONS_PER_BLOCK as u64 {
			assert_ok!(apply(100 + who, ApplicantRole::Patient, HOSPITAL));
		}
		assert_noop!(
			apply(200, ApplicantRole::Patient, HOSPITAL),
			Error::<Test>::TooManyApplications
		);
		run_to_block(2);
		assert_ok!(apply(200, ApplicantRole::Patient, HOSPITAL));
	});
}

#[test]
fn withdrawing_removes_the_application() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_ok!(Registry::withdraw_application(applicant(OUTSIDER)));
		assert!(!Applications::<Test>::contains_key(OUTSIDER));
		assert_eq!(last_event(), Event::ApplicationWithdrawn { applicant: OUTSIDER }.into());
		// And the account may apply again.
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, OTHER_HOSPITAL));
	});
}

#[test]
fn withdrawing_without_application_is_refused() {
	new_test_ext(|| {
		assert_noop!(
			Registry::withdraw_application(applicant(OUTSIDER)),
			Error::<Test>::NoApplication
		);
		assert_noop!(Registry::withdraw_application(signed(PATIENT)), DispatchError::BadOrigin);
	});
}

#[test]
fn applications_expire_without_anyone_acting() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		run_to_block(APPLICATION_LIFETIME);
		assert!(Applications::<Test>::contains_key(OUTSIDER));
		run_to_block(1 + APPLICATION_LIFETIME);
		assert!(!Applications::<Test>::contains_key(OUTSIDER));
		assert_eq!(last_event(), Event::ApplicationExpired { applicant: OUTSIDER }.into());
		// The expired application no longer blocks a new one.
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
	});
}

#[test]
fn a_withdrawn_then_renewed_application_is_not_expired_early() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert_ok!(Registry::withdraw_application(applicant(OUTSIDER)));
		run_to_block(5);
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		// The first application's queue entry comes due; the new one must survive it.
		run_to_block(1 + APPLICATION_LIFETIME);
		assert!(Applications::<Test>::contains_key(OUTSIDER));
		run_to_block(5 + APPLICATION_LIFETIME);
		assert!(!Applications::<Test>::contains_key(OUTSIDER));
	});
}

/// `who`'s application to HOSPITAL with a ticket worked against block `block`.
fn apply_at(who: u64, block: u64) -> sp_runtime::DispatchResult {
	let nonce = crate::pow::solve(
		&who,
		ApplicantRole::Patient,
		&HOSPITAL,
		&commitment(who),
		&key(who),
		&System::block_hash(block),
		PowDifficulty::<Test>::get(),
	);
	Registry::apply(
		applicant(who),
		ApplicantRole::Patient,
		HOSPITAL,
		commitment(who),
		key(who),
		block,
		nonce,
	)
}

#[test]
fn a_ticket_is_good_only_for_a_while_after_the_block_it_names() {
	ExtBuilder::default().pow_difficulty(4).build_and_execute(|| {
		run_to_block(2 + POW_TICKET_LIFETIME);
		// The current block's hash is not known yet; an old block's ticket is stale.
		assert_noop!(apply_at(OUTSIDER, System::block_number()), Error::<Test>::StaleProofOfWork);
		assert_noop!(apply_at(OUTSIDER, 1), Error::<Test>::StaleProofOfWork);
		assert_ok!(apply_at(OUTSIDER, 2));
	});
}

#[test]
fn a_ticket_worked_against_another_block_is_worthless() {
	ExtBuilder::default().pow_difficulty(12).build_and_execute(|| {
		run_to_block(3);
		let nonce = crate::pow::solve(
			&OUTSIDER,
			ApplicantRole::Patient,
			&HOSPITAL,
			&commitment(OUTSIDER),
			&key(OUTSIDER),
			&System::block_hash(1),
			12,
		);
		let claimed_block = 2;
		let passes = crate::pow::leading_zero_bits(&crate::pow::ticket_hash(
			&OUTSIDER,
			ApplicantRole::Patient,
			&HOSPITAL,
			&commitment(OUTSIDER),
			&key(OUTSIDER),
			&System::block_hash(claimed_block),
			nonce,
		)) >= 12;
		if !passes {
			assert_noop!(
				Registry::apply(
					applicant(OUTSIDER),
					ApplicantRole::Patient,
					HOSPITAL,
					commitment(OUTSIDER),
					key(OUTSIDER),
					claimed_block,
					nonce
				),
				Error::<Test>::InsufficientProofOfWork
			);
		}
	});
}

#[test]
fn withdrawing_frees_the_expiry_slot_and_the_hospitals_count() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		let expires_at = 1 + APPLICATION_LIFETIME;
		assert_eq!(crate::ApplicationExpiries::<Test>::get(expires_at).len(), 1);
		assert_eq!(crate::PendingApplicationCount::<Test>::get(HOSPITAL), 1);
		assert_ok!(Registry::withdraw_application(applicant(OUTSIDER)));
		assert!(crate::ApplicationExpiries::<Test>::get(expires_at).is_empty());
		assert_eq!(crate::PendingApplicationCount::<Test>::get(HOSPITAL), 0);
	});
}

#[test]
fn a_hospital_holds_only_so_many_pending_applications() {
	new_test_ext(|| {
		let applicants: Vec<u64> = (200..200 + u64::from(MAX_PENDING_PER_HOSPITAL)).collect();
		for (i, who) in applicants.iter().enumerate() {
			// Within the per-block cap: a block at a time.
			run_to_block(2 + i as u64);
			assert_ok!(apply(*who, ApplicantRole::Patient, HOSPITAL));
		}
		run_to_block(2 + applicants.len() as u64);
		assert_noop!(
			apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL),
			Error::<Test>::HospitalApplicationsFull
		);
		// Another hospital is still open.
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, OTHER_HOSPITAL));
	});
}
