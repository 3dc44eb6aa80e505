// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `create_batch`: each record as by `create`, each on its own.

use crate::{mock::*, Anchors, ContentUses, Error, Event, NewRecord, NextRecordId, WrappedKeys};
use ehr_primitives::records::{AuditAction, Category, RecordKeys};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_runtime::DispatchError;

/// A record of `patient` by `DOCTOR` whose sealed content is `text`.
fn new_record(patient: u64, text: &[u8]) -> NewRecord<u64> {
	let (cid, ciphertext_sha256) = address(&seal(text, 0x5a));
	NewRecord {
		patient,
		category: Category::Observation,
		cid,
		ciphertext_sha256,
		keys: keys(patient, DOCTOR, HOSPITAL),
	}
}

fn batch(records: Vec<NewRecord<u64>>) -> BoundedVec<NewRecord<u64>, ConstBatch> {
	records.try_into().expect("within the mock's bound")
}

type ConstBatch = frame_support::traits::ConstU32<MAX_BATCH>;

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Records(event) => Some(event),
			_ => None,
		})
		.collect()
}

#[test]
fn a_batch_anchors_each_record_as_create_would() {
	new_test_ext(|| {
		let records: Vec<_> =
			(0..MAX_BATCH).map(|i| new_record(PATIENT, format!("obs {i}").as_bytes())).collect();
		assert_ok!(Records::create_batch(signed(DOCTOR), batch(records.clone())));
		assert_eq!(NextRecordId::<Test>::get(), u64::from(MAX_BATCH));
		for (id, record) in (0..).zip(&records) {
			let anchor = Anchors::<Test>::get(id).expect("anchored");
			assert_eq!(
				(anchor.patient, anchor.author, anchor.hospital),
				(PATIENT, DOCTOR, HOSPITAL)
			);
			assert_eq!(anchor.ciphertext_sha256, record.ciphertext_sha256);
			assert_eq!(
				WrappedKeys::<Test>::get(id, PATIENT).map(|k| k.to_vec()),
				Some(wrapped(PATIENT))
			);
		}
		let created: Vec<u64> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::RecordCreated { record, .. } => Some(record),
				_ => None,
			})
			.collect();
		assert_eq!(created, (0..u64::from(MAX_BATCH)).collect::<Vec<_>>(), "in batch order");
		assert_eq!(
			last_event(),
			Event::BatchCreated { author: DOCTOR, created: MAX_BATCH, refused: 0 }.into()
		);
		let audit = Consent::audit_of(&PATIENT, 0, 100);
		assert_eq!(
			audit.iter().filter(|e| e.event.action == AuditAction::RecordDocumented).count(),
			MAX_BATCH as usize,
			"every record in the patient's audit trail"
		);
		assert_eq!(Records::records_of(&PATIENT, 0, 100).len(), MAX_BATCH as usize);
	});
}

#[test]
fn a_refused_record_is_reported_and_the_others_stand() {
	new_test_ext(|| {
		let good = new_record(PATIENT, b"good");
		// A content id that is not the ciphertext's.
		let mut mismatched = new_record(PATIENT, b"mismatched");
		mismatched.ciphertext_sha256 = [7; 32];
		// A patient who granted nothing to this doctor's hospital.
		let ungranted = new_record(RELATIVE, b"no grant");
		// Content another patient's record (the good one, above) anchors.
		let taken = NewRecord { patient: OTHER_PATIENT, ..good.clone() };
		let later = new_record(OTHER_PATIENT, b"later");
		assert_ok!(Records::create_batch(
			signed(DOCTOR),
			batch(vec![good.clone(), mismatched, ungranted, taken, later.clone()])
		));

		let refusals: Vec<(u32, DispatchError)> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::BatchRecordRefused { index, author, error } => {
					assert_eq!(author, DOCTOR);
					Some((index, error))
				}
				_ => None,
			})
			.collect();
		assert_eq!(
			refusals,
			vec![
				(1, Error::<Test>::CidHashMismatch.into()),
				(2, Error::<Test>::NoTreatingRelationship.into()),
				(3, Error::<Test>::ContentOfAnotherPatient.into()),
			]
		);
		assert_eq!(
			last_event(),
			Event::BatchCreated { author: DOCTOR, created: 2, refused: 3 }.into()
		);
		// The two good ones, with consecutive ids: a refused record used none.
		assert_eq!(NextRecordId::<Test>::get(), 2);
		assert_eq!(Anchors::<Test>::get(0).map(|a| a.patient), Some(PATIENT));
		assert_eq!(
			Anchors::<Test>::get(1).map(|a| a.ciphertext_sha256),
			Some(later.ciphertext_sha256)
		);
		assert_eq!(
			ContentUses::<Test>::get(good.ciphertext_sha256).map(|u| u.patient),
			Some(PATIENT)
		);
		assert!(Records::records_of(&RELATIVE, 0, 10).is_empty());
	});
}

#[test]
fn a_batch_nobody_could_write_fails_as_a_whole() {
	new_test_ext(|| {
		assert_noop!(
			Records::create_batch(signed(DOCTOR), batch(Vec::new())),
			Error::<Test>::EmptyBatch
		);
		for outsider in [PATIENT, NODE, HOSPITAL, INSURER, OUTSIDER] {
			assert_noop!(
				Records::create_batch(signed(outsider), batch(vec![new_record(PATIENT, b"x")])),
				Error::<Test>::NotActiveDoctor
			);
		}
		assert_noop!(
			Records::create_batch(
				frame_system::RawOrigin::None.into(),
				batch(vec![new_record(PATIENT, b"x")])
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_same_content_twice_in_one_batch_is_one_patients() {
	new_test_ext(|| {
		let record = new_record(PATIENT, b"twice");
		assert_ok!(Records::create_batch(signed(DOCTOR), batch(vec![record.clone(), record])));
		// As two `create`s of one content for one patient would: both anchored, counted.
		assert_eq!(NextRecordId::<Test>::get(), 2);
		assert_eq!(
			last_event(),
			Event::BatchCreated { author: DOCTOR, created: 2, refused: 0 }.into()
		);
	});
}

#[test]
fn the_batch_is_bounded() {
	let too_many: Vec<NewRecord<u64>> =
		(0..=MAX_BATCH).map(|i| new_record_unchecked(i as u8)).collect();
	let bounded: Result<BoundedVec<_, ConstBatch>, _> = too_many.try_into();
	assert!(bounded.is_err(), "more than MaxBatchRecords does not even decode into the call");
}

/// A record for the bound check, outside any externalities.
fn new_record_unchecked(seed: u8) -> NewRecord<u64> {
	let (cid, ciphertext_sha256) = address(&[seed]);
	NewRecord {
		patient: PATIENT,
		category: Category::Observation,
		cid,
		ciphertext_sha256,
		keys: RecordKeys {
			patient: wrapped(PATIENT),
			author: wrapped(DOCTOR),
			custodian: wrapped(HOSPITAL),
			escrow: Vec::new(),
		},
	}
}

#[test]
fn a_patients_later_records_in_a_batch_are_refunded_the_counts_they_share() {
	use crate::WeightInfo;
	use frame_support::traits::Get;
	use frame_support::weights::{RuntimeDbWeight, Weight};
	new_test_ext(|| {
		let per_repeat = <<Test as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get()
			.reads_writes(2, 2);
		assert!(per_repeat.ref_time() > 0);
		// Three records of one patient: two of them share the first one's counts.
		let same: Vec<_> =
			(0..3).map(|i| new_record(PATIENT, format!("same {i}").as_bytes())).collect();
		let charged = <() as WeightInfo>::create_batch(3, 0);
		let post = Records::create_batch(signed(DOCTOR), batch(same)).expect("created");
		assert_eq!(post.actual_weight, Some(charged.saturating_sub(per_repeat.saturating_mul(2))));
		// One record each of two patients: the worst case, nothing refunded.
		let two = vec![new_record(PATIENT, b"first"), new_record(OTHER_PATIENT, b"second")];
		let charged: Weight = <() as WeightInfo>::create_batch(2, 0);
		let post = Records::create_batch(signed(DOCTOR), batch(two)).expect("dispatched");
		assert_eq!(post.actual_weight, Some(charged));
	});
}
