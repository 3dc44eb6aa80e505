// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The brakes of a fee-less chain: calls per role, length caps, budgets per window in the
//! pool and in blocks, priorities.

use crate::{mock::*, CheckMembership, CheckNonceWithinQuota, Error, QuotaUsage};
use frame_support::{dispatch::GetDispatchInfo, pallet_prelude::TransactionSource};
use sp_runtime::{
	traits::DispatchTransaction,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	DispatchError,
};

fn code(error: Error<Test>) -> TransactionValidityError {
	let DispatchError::Module(module) = DispatchError::from(error) else { unreachable!() };
	InvalidTransaction::Custom(module.error[0]).into()
}

fn remark(len: usize) -> RuntimeCall {
	frame_system::Call::remark { remark: vec![7; len] }.into()
}

fn narrowing() -> RuntimeCall {
	frame_system::Call::remark_with_event { remark: vec![1] }.into()
}

/// The membership gate's answer for `call` of `len` bytes signed by `who`.
fn gate(who: u64, call: &RuntimeCall, len: usize) -> Result<(), TransactionValidityError> {
	CheckMembership::<Test>::new()
		.validate_only(
			RuntimeOrigin::signed(who),
			call,
			&call.get_dispatch_info(),
			len,
			TransactionSource::External,
			0,
		)
		.map(|_| ())
}

/// The pool's answer for `who`'s transaction at `nonce`: its priority.
fn pool(who: u64, nonce: u32, len: usize) -> Result<u64, TransactionValidityError> {
	let call = remark(1);
	CheckNonceWithinQuota::<Test>::from(nonce)
		.validate_only(
			RuntimeOrigin::signed(who),
			&call,
			&call.get_dispatch_info(),
			len,
			TransactionSource::External,
			0,
		)
		.map(|(validity, _, _)| validity.priority)
}

/// Includes `who`'s next transaction of `len` bytes in the current block, as a block
/// author would.
fn include(who: u64, len: usize) -> Result<(), TransactionValidityError> {
	let call = remark(1);
	let nonce = System::account_nonce(who);
	CheckNonceWithinQuota::<Test>::from(nonce)
		.validate_and_prepare(RuntimeOrigin::signed(who), &call, &call.get_dispatch_info(), len, 0)
		.map(|_| ())
}

#[test]
fn members_get_only_the_calls_of_their_role() {
	new_test_ext(|| {
		assert_eq!(gate(INSURER, &narrowing(), 10), Err(code(Error::CallNotForRole)));
		assert_eq!(gate(PATIENT, &narrowing(), 10), Ok(()));
	});
}

#[test]
fn transactions_longer_than_the_role_allows_are_refused() {
	new_test_ext(|| {
		let long = MAX_LENGTH as usize + 1;
		assert_eq!(gate(PATIENT, &remark(1), long), Err(code(Error::TransactionTooLong)));
		assert_eq!(gate(DOCTOR, &remark(1), long), Err(code(Error::TransactionTooLong)));
		assert_eq!(gate(PATIENT, &remark(1), MAX_LENGTH as usize), Ok(()));
		// Hospitals carry runtime upgrades through the council.
		assert_eq!(gate(HOSPITAL, &remark(1), 4 << 20), Ok(()));
	});
}

#[test]
fn a_suspended_patient_may_still_narrow_access_and_nothing_else() {
	new_test_ext(|| {
		assert_ok_suspend(PATIENT);
		assert_eq!(gate(PATIENT, &narrowing(), 10), Ok(()));
		assert_eq!(gate(PATIENT, &remark(1), 10), Err(code(Error::Suspended)));
		assert_eq!(
			gate(PATIENT, &narrowing(), MAX_LENGTH as usize + 1),
			Err(code(Error::TransactionTooLong))
		);
	});
}

fn assert_ok_suspend(who: u64) {
	frame_support::assert_ok!(crate::Pallet::<Test>::suspend(signed(HOSPITAL), who));
}

#[test]
fn the_pool_holds_no_more_of_an_account_than_its_budget() {
	new_test_ext(|| {
		let budget = PATIENT_QUOTA.transactions;
		for nonce in 0..budget {
			assert!(pool(PATIENT, nonce, 10).is_ok(), "nonce {nonce} within the budget");
		}
		assert_eq!(pool(PATIENT, budget, 10), Err(code(Error::QuotaExhausted)));
		// Once one is in a block, one fewer may wait in the pool.
		include(PATIENT, 10).unwrap();
		assert_eq!(pool(PATIENT, budget, 10), Err(code(Error::QuotaExhausted)));
		assert!(pool(PATIENT, budget - 1, 10).is_ok());
	});
}

#[test]
fn a_block_includes_nothing_beyond_the_budget_and_the_next_window_restores_it() {
	new_test_ext(|| {
		for _ in 0..PATIENT_QUOTA.transactions {
			include(PATIENT, 10).unwrap();
		}
		let nonce = System::account_nonce(PATIENT);
		assert_eq!(include(PATIENT, 10), Err(code(Error::QuotaExhausted)));
		assert_eq!(pool(PATIENT, nonce, 10), Err(code(Error::QuotaExhausted)));
		// Nothing was written by the refused transaction.
		assert_eq!(System::account_nonce(PATIENT), nonce);
		assert_eq!(QuotaUsage::<Test>::get(PATIENT).unwrap().transactions, 3);

		run_to_block(QUOTA_WINDOW + 1);
		assert!(include(PATIENT, 10).is_ok());
		assert_eq!(QuotaUsage::<Test>::get(PATIENT).unwrap().transactions, 1);
	});
}

#[test]
fn bytes_count_against_the_budget_too() {
	new_test_ext(|| {
		include(PATIENT, 200).unwrap();
		// 100 bytes left of 300.
		assert_eq!(include(PATIENT, 101), Err(code(Error::QuotaExhausted)));
		assert_eq!(
			pool(PATIENT, System::account_nonce(PATIENT), 101),
			Err(code(Error::QuotaExhausted))
		);
		assert!(include(PATIENT, 100).is_ok());
	});
}

#[test]
fn priority_is_the_class_plus_the_budget_left() {
	new_test_ext(|| {
		let fresh = pool(PATIENT, 0, 10).unwrap();
		assert!((PLAIN_PRIORITY..NARROWING_PRIORITY).contains(&fresh), "{fresh}");
		include(PATIENT, 10).unwrap();
		include(PATIENT, 10).unwrap();
		let drained = pool(PATIENT, 2, 10).unwrap();
		assert!(drained < fresh, "a heavy user sinks: {drained} < {fresh}");
		assert!(drained >= PLAIN_PRIORITY);
	});
}

#[test]
fn non_members_are_not_charged() {
	new_test_ext(|| {
		// Unsigned and root transactions pass through to the nonce check unchanged.
		let call = remark(1);
		assert!(CheckNonceWithinQuota::<Test>::from(0)
			.validate_only(
				RuntimeOrigin::root(),
				&call,
				&call.get_dispatch_info(),
				10_000,
				TransactionSource::External,
				0
			)
			.is_ok());
		assert!(QuotaUsage::<Test>::iter().next().is_none());
	});
}

#[test]
fn a_member_that_leaves_keeps_its_nonce() {
	new_test_ext(|| {
		include(PATIENT, 10).unwrap();
		frame_support::assert_ok!(crate::Pallet::<Test>::deregister(signed(PATIENT)));
		assert_eq!(System::account_nonce(PATIENT), 1);
		assert!(QuotaUsage::<Test>::get(PATIENT).is_none());
		register_second_patient(PATIENT);
		// A transaction signed at nonce 0 in the first tenure is stale now.
		let call = remark(1);
		assert_eq!(
			CheckNonceWithinQuota::<Test>::from(0)
				.validate_only(
					RuntimeOrigin::signed(PATIENT),
					&call,
					&call.get_dispatch_info(),
					10,
					TransactionSource::External,
					0
				)
				.map(|_| ())
				.unwrap_err(),
			InvalidTransaction::Stale.into()
		);
	});
}
