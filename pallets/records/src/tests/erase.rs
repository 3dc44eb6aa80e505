// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `erase`.

use crate::{mock::*, Anchors, Error, Event, RecordStatus, WrappedKeys};
use ehr_primitives::records::{AccessDenial, AccessTarget, AuditAction};
use frame_support::{assert_noop, assert_ok};

#[test]
fn erasing_leaves_a_tombstone_with_only_the_hash() {
	new_test_ext(|| {
		let record = create_confirmed();
		let hash = Anchors::<Test>::get(record).map(|a| a.ciphertext_sha256);
		assert_ok!(Records::erase(signed(PATIENT), record));
		let tombstone = Anchors::<Test>::get(record).expect("tombstone");
		assert_eq!(tombstone.status, RecordStatus::Erased);
		assert_eq!(tombstone.cid, None);
		assert_eq!(Some(tombstone.ciphertext_sha256), hash);
		assert_eq!(WrappedKeys::<Test>::iter_prefix(record).count(), 0);
		assert_eq!(
			last_event(),
			Event::RecordErased { record, patient: PATIENT, by: PATIENT }.into()
		);
		assert_eq!(
			Consent::audit_of(&PATIENT, 0, 50).pop().map(|e| e.event.action),
			Some(AuditAction::RecordErased)
		);
		// Nobody, not even the patient or the author, has access any more.
		for who in [PATIENT, DOCTOR, COLLEAGUE] {
			assert_eq!(
				Consent::decide(&who, &PATIENT, AccessTarget::Record(record), None),
				Err(AccessDenial::Erased)
			);
		}
	});
}

#[test]
fn a_pending_record_can_be_erased_too() {
	new_test_ext(|| {
		let record = create();
		assert_ok!(Records::erase(signed(PATIENT), record));
		assert_noop!(Records::confirm(signed(PATIENT), record), Error::<Test>::NotPending);
	});
}

#[test]
fn only_the_patient_side_erases_and_only_once() {
	new_test_ext(|| {
		let record = create_confirmed();
		assert_noop!(Records::erase(signed(DOCTOR), record), Error::<Test>::NotPatientOrGuardian);
		assert_ok!(Records::erase(signed(PATIENT), record));
		assert_noop!(Records::erase(signed(PATIENT), record), Error::<Test>::RecordErased);
		assert_noop!(
			Records::amend(
				signed(DOCTOR),
				record,
				address(b"x").0,
				address(b"x").1,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::RecordErased
		);
	});
}

/// `author`'s attempt to anchor, for `patient`, the content sealed from `text`.
fn anchor_again(author: u64, patient: u64, text: &[u8]) -> sp_runtime::DispatchResult {
	let (cid, hash) = address(&seal(text, 0x5a));
	Records::create(
		signed(author),
		patient,
		ehr_primitives::records::Category::Condition,
		cid,
		hash,
		keys(patient, author, HOSPITAL),
	)
}

#[test]
fn another_patients_content_cannot_be_anchored() {
	new_test_ext(|| {
		create();
		let next = crate::NextRecordId::<Test>::get();
		assert_noop!(
			anchor_again(DOCTOR, OTHER_PATIENT, b"a condition"),
			Error::<Test>::ContentOfAnotherPatient
		);
		assert_eq!(crate::NextRecordId::<Test>::get(), next);
		// The same patient may anchor it again (e.g. a copy under another category).
		assert_ok!(anchor_again(DOCTOR, PATIENT, b"a condition"));
	});
}

#[test]
fn erased_content_can_never_be_anchored_again() {
	new_test_ext(|| {
		let record = create_confirmed();
		assert_ok!(Records::erase(signed(PATIENT), record));
		for patient in [PATIENT, OTHER_PATIENT] {
			assert_noop!(
				anchor_again(DOCTOR, patient, b"a condition"),
				Error::<Test>::ContentErased
			);
		}
	});
}
