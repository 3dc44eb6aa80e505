// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `CheckMembership`: who the transaction pool admits.

use crate::{mock::*, ApplicantRole, Call, CheckMembership, Error, RawOrigin};
use frame_support::{assert_ok, dispatch::GetDispatchInfo, pallet_prelude::TransactionSource};
use sp_runtime::{
	traits::DispatchTransaction,
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	DispatchError,
};

type Validated = Result<(ValidTransaction, RuntimeOrigin), TransactionValidityError>;

/// What the pool would say of `call` signed by `who` (with a non-signed origin if `None`).
fn validate(who: Option<u64>, call: RuntimeCall) -> Validated {
	let origin = who.map_or_else(RuntimeOrigin::root, RuntimeOrigin::signed);
	let info = call.get_dispatch_info();
	CheckMembership::<Test>::new()
		.validate_only(origin, &call, &info, 0, TransactionSource::External, 0)
		.map(|(validity, (), origin)| (validity, origin))
}

/// The pool refusal carrying the index of `error`.
fn refused(error: Error<Test>) -> Validated {
	let DispatchError::Module(module) = DispatchError::from(error) else { unreachable!() };
	Err(InvalidTransaction::Custom(module.error[0]).into())
}

fn is_refused_with(result: Validated, error: Error<Test>) -> bool {
	result.err() == refused(error).err()
}

fn remark() -> RuntimeCall {
	frame_system::Call::remark { remark: vec![1] }.into()
}

fn apply_call(who: u64, nonce: u64) -> RuntimeCall {
	Call::apply {
		role: ApplicantRole::Patient,
		hospital: HOSPITAL,
		profile_commitment: commitment(who),
		encryption_key: key(who),
		pow_block: pow_block(),
		pow_nonce: nonce,
	}
	.into()
}

fn caller_is_applicant(origin: &RuntimeOrigin, who: u64) -> bool {
	matches!(origin.caller, OriginCaller::Registry(RawOrigin::Applicant(w)) if w == who)
}

fn caller_is_signed(origin: &RuntimeOrigin, who: u64) -> bool {
	matches!(origin.caller, OriginCaller::system(frame_system::RawOrigin::Signed(w)) if w == who)
}

#[test]
fn active_members_pass_unchanged() {
	new_test_ext(|| {
		for who in [HOSPITAL, ADMIN, DOCTOR, PATIENT, INSURER] {
			let (validity, origin) = validate(Some(who), remark()).expect("member admitted");
			assert_eq!(validity, ValidTransaction::default());
			assert!(caller_is_signed(&origin, who));
		}
	});
}

#[test]
fn origins_other_than_signed_are_not_its_business() {
	new_test_ext(|| {
		assert!(validate(None, remark()).is_ok());
	});
}

#[test]
fn outsiders_are_refused() {
	new_test_ext(|| {
		assert!(is_refused_with(validate(Some(OUTSIDER), remark()), Error::NotMember));
	});
}

#[test]
fn refusal_codes_are_error_indices_in_metadata_order() {
	// `NotMember` is the registry's first error: Polkadot.js shows "Custom error: 0" and
	// the metadata names it.
	assert_eq!(refused(Error::NotMember).err(), Some(InvalidTransaction::Custom(0).into()));
	assert_eq!(refused(Error::Suspended).err(), Some(InvalidTransaction::Custom(2).into()));
}

#[test]
fn an_application_with_valid_work_is_admitted_as_applicant() {
	ExtBuilder::default().pow_difficulty(8).build_and_execute(|| {
		let nonce = pow_nonce(OUTSIDER, ApplicantRole::Patient, HOSPITAL);
		let (validity, origin) =
			validate(Some(OUTSIDER), apply_call(OUTSIDER, nonce)).expect("admitted");
		assert!(caller_is_applicant(&origin, OUTSIDER));
		assert_eq!(validity.provides.len(), 1);
		assert_eq!(validity.longevity, APPLICATION_LIFETIME);
	});
}

#[test]
fn an_application_without_valid_work_is_refused() {
	ExtBuilder::default().pow_difficulty(16).build_and_execute(|| {
		let good = pow_nonce(OUTSIDER, ApplicantRole::Patient, HOSPITAL);
		assert!(is_refused_with(
			validate(Some(OUTSIDER), apply_call(OUTSIDER, good + 1)),
			Error::InsufficientProofOfWork
		));
	});
}

#[test]
fn members_may_not_apply() {
	new_test_ext(|| {
		assert!(is_refused_with(
			validate(Some(PATIENT), apply_call(PATIENT, 0)),
			Error::AlreadyMember
		));
	});
}

#[test]
fn a_pending_applicant_may_only_withdraw() {
	new_test_ext(|| {
		assert_ok!(apply(OUTSIDER, ApplicantRole::Patient, HOSPITAL));
		assert!(is_refused_with(validate(Some(OUTSIDER), remark()), Error::ApplicationPending));
		assert!(is_refused_with(
			validate(Some(OUTSIDER), apply_call(OUTSIDER, 0)),
			Error::ApplicationPending
		));
		let (_, origin) =
			validate(Some(OUTSIDER), Call::withdraw_application {}.into()).expect("withdrawal");
		assert!(caller_is_applicant(&origin, OUTSIDER));
	});
}

#[test]
fn withdrawing_nothing_is_refused() {
	new_test_ext(|| {
		assert!(is_refused_with(
			validate(Some(OUTSIDER), Call::withdraw_application {}.into()),
			Error::NoApplication
		));
	});
}

#[test]
fn suspended_members_are_refused_but_a_patient_may_leave() {
	new_test_ext(|| {
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), PATIENT));
		assert!(is_refused_with(validate(Some(PATIENT), remark()), Error::Suspended));
		assert!(validate(Some(PATIENT), Call::deregister {}.into()).is_ok());

		assert_ok!(Registry::suspend(RuntimeOrigin::root(), DOCTOR));
		assert!(is_refused_with(
			validate(Some(DOCTOR), Call::deregister {}.into()),
			Error::Suspended
		));
	});
}

#[test]
fn expired_doctors_and_doctors_of_inactive_hospitals_are_refused() {
	new_test_ext(|| {
		set_time(NOW + YEAR_MS);
		assert!(is_refused_with(validate(Some(DOCTOR), remark()), Error::CredentialExpired));
		set_time(NOW);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), HOSPITAL));
		assert!(is_refused_with(validate(Some(DOCTOR), remark()), Error::HospitalInactive));
	});
}

#[test]
fn an_applicant_passes_check_nonce_and_its_application_is_dispatched() {
	new_test_ext(|| {
		let call = apply_call(OUTSIDER, 0);
		let info = call.get_dispatch_info();
		let extensions =
			(CheckMembership::<Test>::new(), frame_system::CheckNonce::<Test>::from(0));
		let result =
			extensions.dispatch_transaction(RuntimeOrigin::signed(OUTSIDER), call, &info, 0, 0);
		assert_ok!(result.expect("valid transaction"));
		assert!(crate::Applications::<Test>::contains_key(OUTSIDER));
		// No nonce was consumed, nothing is stored for the account in System.
		assert!(!frame_system::Account::<Test>::contains_key(OUTSIDER));
	});
}

#[test]
fn without_the_membership_check_an_outsider_fails_check_nonce() {
	new_test_ext(|| {
		let call = remark();
		let info = call.get_dispatch_info();
		let result = frame_system::CheckNonce::<Test>::from(0).validate_only(
			RuntimeOrigin::signed(OUTSIDER),
			&call,
			&info,
			0,
			TransactionSource::External,
			0,
		);
		assert!(result.is_err());
	});
}
