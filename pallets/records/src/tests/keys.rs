// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `add_reader_key` and `remove_reader_key`.

use crate::{mock::*, Anchors, Error, Event, WrappedKeys};
use ehr_primitives::records::{AccessBasis, AuditAction, Category, Purpose};
use frame_support::{assert_noop, assert_ok};
use pallet_ehr_consent::ScopeRequest;

fn grant_other_doctor(scope: ScopeRequest) -> u64 {
	let id = pallet_ehr_consent::NextGrantId::<Test>::get();
	assert_ok!(Consent::grant(
		signed(PATIENT),
		PATIENT,
		OTHER_DOCTOR,
		scope,
		Purpose::Treatment,
		None
	));
	id
}

#[test]
fn the_patient_hands_the_key_to_a_grantee_and_the_release_is_audited() {
	new_test_ext(|| {
		let record = create_confirmed();
		let grant = grant_other_doctor(ScopeRequest::Records(vec![record]));
		assert_ok!(Records::add_reader_key(
			signed(PATIENT),
			record,
			OTHER_DOCTOR,
			wrapped(OTHER_DOCTOR)
		));
		assert_eq!(
			Records::wrapped_key(record, &OTHER_DOCTOR).map(|k| k.key),
			Some(wrapped(OTHER_DOCTOR))
		);
		// The patient, the author, the custodian and now the grantee.
		assert_eq!(Anchors::<Test>::get(record).map(|a| a.readers), Some(4));
		assert_eq!(
			last_event(),
			Event::ReaderKeyAdded { record, reader: OTHER_DOCTOR, by: PATIENT }.into()
		);
		let entry = Consent::audit_of(&PATIENT, 0, 50).pop().expect("audited");
		assert_eq!(entry.event.action, AuditAction::KeyReleased);
		assert_eq!(entry.event.actor, OTHER_DOCTOR);
		assert_eq!(entry.event.record, Some(record));
		assert_eq!(entry.event.basis, Some(AccessBasis::Grant(grant)));
	});
}

#[test]
fn the_author_may_hand_the_key_on_too() {
	new_test_ext(|| {
		let record = create_confirmed();
		grant_other_doctor(ScopeRequest::Categories(vec![Category::Condition]));
		assert_ok!(Records::add_reader_key(
			signed(DOCTOR),
			record,
			OTHER_DOCTOR,
			wrapped(OTHER_DOCTOR)
		));
		assert_noop!(
			Records::add_reader_key(signed(COLLEAGUE), record, OTHER_DOCTOR, wrapped(OTHER_DOCTOR)),
			Error::<Test>::NotKeyHolder
		);
	});
}

#[test]
fn keys_go_only_to_readers_with_access_now() {
	new_test_ext(|| {
		let record = create_confirmed();
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), record, OTHER_DOCTOR, wrapped(OTHER_DOCTOR)),
			Error::<Test>::ReaderHasNoAccess
		);
		let grant = grant_other_doctor(ScopeRequest::Categories(vec![Category::MedicationRequest]));
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), record, OTHER_DOCTOR, wrapped(OTHER_DOCTOR)),
			Error::<Test>::ReaderHasNoAccess
		);
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, grant));
		let grant = grant_other_doctor(ScopeRequest::AllRecords);
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, grant));
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), record, OTHER_DOCTOR, wrapped(OTHER_DOCTOR)),
			Error::<Test>::ReaderHasNoAccess
		);
	});
}

#[test]
fn only_confirmed_records_are_shared() {
	new_test_ext(|| {
		let pending = create();
		grant_other_doctor(ScopeRequest::AllRecords);
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), pending, OTHER_DOCTOR, wrapped(OTHER_DOCTOR)),
			Error::<Test>::NotConfirmed
		);
	});
}

#[test]
fn readers_per_record_are_bounded() {
	new_test_ext(|| {
		let record = create_confirmed();
		// HOSPITAL's grant covers its doctors: COLLEAGUE; plus OTHER_DOCTOR and an insurer.
		grant_other_doctor(ScopeRequest::AllRecords);
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			INSURER,
			ScopeRequest::AllRecords,
			Purpose::Payment,
			None
		));
		assert_ok!(Records::add_reader_key(signed(PATIENT), record, COLLEAGUE, wrapped(COLLEAGUE)));
		assert_ok!(Records::add_reader_key(
			signed(PATIENT),
			record,
			OTHER_DOCTOR,
			wrapped(OTHER_DOCTOR)
		));
		// A held key is never replaced.
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), record, OTHER_DOCTOR, wrapped(77)),
			Error::<Test>::KeyAlreadyHeld
		);
		assert_noop!(
			Records::add_reader_key(signed(PATIENT), record, INSURER, wrapped(INSURER)),
			Error::<Test>::TooManyReaders
		);
	});
}

#[test]
fn the_patient_removes_a_readers_key_but_not_their_own() {
	new_test_ext(|| {
		let record = create_confirmed();
		grant_other_doctor(ScopeRequest::AllRecords);
		assert_ok!(Records::add_reader_key(
			signed(PATIENT),
			record,
			OTHER_DOCTOR,
			wrapped(OTHER_DOCTOR)
		));
		assert_noop!(
			Records::remove_reader_key(signed(OTHER_DOCTOR), record, OTHER_DOCTOR),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_ok!(Records::remove_reader_key(signed(PATIENT), record, OTHER_DOCTOR));
		assert!(!WrappedKeys::<Test>::contains_key(record, OTHER_DOCTOR));
		assert_eq!(
			last_event(),
			Event::ReaderKeyRemoved { record, reader: OTHER_DOCTOR, by: PATIENT }.into()
		);
		assert_noop!(
			Records::remove_reader_key(signed(PATIENT), record, OTHER_DOCTOR),
			Error::<Test>::NoReaderKey
		);
		assert_noop!(
			Records::remove_reader_key(signed(PATIENT), record, PATIENT),
			Error::<Test>::ProtectedKey
		);
	});
}
