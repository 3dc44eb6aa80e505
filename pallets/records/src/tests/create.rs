// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `create` and `amend`.

use crate::{mock::*, Anchors, Error, Event, LatestVersion, RecordStatus, WrappedKeys};
use ehr_primitives::records::{AccessBasis, AuditAction, Category, EmergencyReason, Purpose};
use frame_support::{assert_noop, assert_ok};
use pallet_ehr_consent::ScopeRequest;
use sp_core::H256;

#[test]
fn a_doctor_with_a_treating_relationship_anchors_a_record() {
	new_test_ext(|| {
		let (cid, hash) = address(&seal(b"hypertension", 1));
		assert_ok!(Records::create(
			signed(DOCTOR),
			PATIENT,
			Category::Condition,
			cid,
			hash,
			keys_of(wrapped(PATIENT), wrapped(DOCTOR)),
		));
		let anchor = Anchors::<Test>::get(0).expect("anchored");
		assert_eq!((anchor.patient, anchor.author, anchor.hospital), (PATIENT, DOCTOR, HOSPITAL));
		assert_eq!((anchor.version, anchor.root, anchor.previous), (1, 0, None));
		assert_eq!((anchor.cid, anchor.ciphertext_sha256), (Some(cid), hash));
		assert_eq!(
			(anchor.status, anchor.created_at, anchor.readers),
			(RecordStatus::Pending, NOW, 3)
		);
		assert_eq!(
			WrappedKeys::<Test>::get(0, PATIENT).map(|k| k.to_vec()),
			Some(wrapped(PATIENT))
		);
		assert_eq!(WrappedKeys::<Test>::get(0, DOCTOR).map(|k| k.to_vec()), Some(wrapped(DOCTOR)));
		assert_eq!(
			WrappedKeys::<Test>::get(0, HOSPITAL).map(|k| k.to_vec()),
			Some(wrapped(HOSPITAL))
		);
		// A first version is its record's latest without a `LatestVersion` entry.
		assert_eq!(LatestVersion::<Test>::get(0), None);
		assert_eq!(Records::latest_version(0), 0);
		assert_eq!(
			last_event(),
			Event::RecordCreated {
				record: 0,
				patient: PATIENT,
				author: DOCTOR,
				hospital: HOSPITAL,
				category: Category::Condition
			}
			.into()
		);
		let entry = Consent::audit_of(&PATIENT, 0, 10).pop().expect("audited");
		assert_eq!(entry.event.action, AuditAction::RecordDocumented);
		assert_eq!(entry.event.basis, Some(AccessBasis::Grant(0)));
		assert_eq!(Records::records_of(&PATIENT, 0, 10).len(), 1);
	});
}

#[test]
fn without_a_treating_relationship_there_is_no_record() {
	new_test_ext(|| {
		let (cid, hash) = address(b"x");
		assert_noop!(
			Records::create(
				signed(OTHER_DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::NoTreatingRelationship
		);
		// A research grant is not a treating relationship.
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			OTHER_DOCTOR,
			ScopeRequest::AllRecords,
			Purpose::Research,
			None
		));
		assert_noop!(
			Records::create(
				signed(OTHER_DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::NoTreatingRelationship
		);
	});
}

#[test]
fn emergency_access_is_a_treating_relationship() {
	new_test_ext(|| {
		assert_ok!(Consent::open_break_glass(
			signed(OTHER_DOCTOR),
			PATIENT,
			EmergencyReason::PatientUnableToConsent,
			H256::repeat_byte(3)
		));
		let id =
			create_with(OTHER_DOCTOR, PATIENT, Category::Observation, b"unconscious on arrival");
		assert_eq!(Anchors::<Test>::get(id).map(|a| a.hospital), Some(OTHER_HOSPITAL));
	});
}

#[test]
fn the_content_id_must_be_a_raw_sha256_cid_of_the_ciphertext() {
	new_test_ext(|| {
		let (cid, hash) = address(b"ciphertext");
		let mut malformed = cid;
		malformed.0[1] = 0x70; // dag-pb, not raw
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				malformed,
				hash,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				[0; 32],
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::CidHashMismatch
		);
	});
}

#[test]
fn wrapped_keys_are_bounded() {
	new_test_ext(|| {
		let (cid, hash) = address(b"ciphertext");
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				keys_of(vec![], wrapped(2))
			),
			Error::<Test>::EmptyWrappedKey
		);
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				keys_of(wrapped(1), vec![1; MAX_KEY_LEN as usize + 1])
			),
			Error::<Test>::WrappedKeyTooLong
		);
	});
}

#[test]
fn only_active_doctors_write_for_active_patients() {
	new_test_ext(|| {
		let (cid, hash) = address(b"ciphertext");
		for who in [HOSPITAL, ADMIN, INSURER, PATIENT, OUTSIDER] {
			assert_noop!(
				Records::create(
					signed(who),
					PATIENT,
					Category::Condition,
					cid,
					hash,
					keys_of(wrapped(1), wrapped(2)),
				),
				Error::<Test>::NotActiveDoctor
			);
		}
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				INSURER,
				Category::Condition,
				cid,
				hash,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::NotActivePatient
		);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), PATIENT));
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				keys_of(wrapped(1), wrapped(2)),
			),
			Error::<Test>::NotActivePatient
		);
	});
}

#[test]
fn the_author_amends_a_confirmed_record_with_a_linked_version() {
	new_test_ext(|| {
		let first = create_confirmed();
		let (cid, hash) = address(&seal(b"hypertension, stage 2", 2));
		assert_ok!(Records::amend(
			signed(DOCTOR),
			first,
			cid,
			hash,
			keys_of(wrapped(PATIENT), wrapped(DOCTOR)),
		));
		let second = Anchors::<Test>::get(first + 1).expect("new version");
		assert_eq!((second.version, second.root, second.previous), (2, first, Some(first)));
		assert_eq!(second.status, RecordStatus::Pending);
		assert_eq!(second.category, Category::Condition);
		// The first version is untouched.
		assert_eq!(Anchors::<Test>::get(first).map(|a| a.status), Some(RecordStatus::Confirmed));
		assert_eq!(LatestVersion::<Test>::get(first), Some(first + 1));
		assert_eq!(Records::latest_version(first), first + 1);
		assert_eq!(
			last_event(),
			Event::RecordAmended {
				record: first + 1,
				previous: first,
				patient: PATIENT,
				author: DOCTOR,
				version: 2
			}
			.into()
		);
	});
}

#[test]
fn amendments_are_checked() {
	new_test_ext(|| {
		let (cid, hash) = address(b"v2");
		let pending = create();
		assert_noop!(
			Records::amend(signed(DOCTOR), pending, cid, hash, keys_of(wrapped(1), wrapped(2))),
			Error::<Test>::NotConfirmed
		);
		let first = create_confirmed();
		assert_noop!(
			Records::amend(signed(COLLEAGUE), first, cid, hash, keys_of(wrapped(1), wrapped(2))),
			Error::<Test>::NotAuthor
		);
		assert_ok!(Records::amend(
			signed(DOCTOR),
			first,
			cid,
			hash,
			keys_of(wrapped(1), wrapped(2))
		));
		assert_noop!(
			Records::amend(signed(DOCTOR), first, cid, hash, keys_of(wrapped(1), wrapped(2))),
			Error::<Test>::NotLatestVersion
		);
		assert_noop!(
			Records::amend(signed(DOCTOR), 999, cid, hash, keys_of(wrapped(1), wrapped(2))),
			Error::<Test>::UnknownRecord
		);
	});
}
