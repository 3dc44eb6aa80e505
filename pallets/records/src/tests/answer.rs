// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `confirm` and `reject`, and pending records expiring.

use crate::{mock::*, Anchors, Error, Event, RecordStatus};
use ehr_primitives::records::RecordRejection;
use frame_support::{assert_noop, assert_ok};

#[test]
fn the_patient_confirms_a_record() {
	new_test_ext(|| {
		let id = create();
		assert_ok!(Records::confirm(signed(PATIENT), id));
		assert_eq!(Anchors::<Test>::get(id).map(|a| a.status), Some(RecordStatus::Confirmed));
		assert_eq!(
			last_event(),
			Event::RecordConfirmed { record: id, patient: PATIENT, by: PATIENT }.into()
		);
		assert_noop!(Records::confirm(signed(PATIENT), id), Error::<Test>::NotPending);
	});
}

#[test]
fn the_patient_rejects_a_record_with_a_reason() {
	new_test_ext(|| {
		let id = create();
		assert_ok!(Records::reject(signed(PATIENT), id, RecordRejection::WrongPatient));
		assert_eq!(
			Anchors::<Test>::get(id).map(|a| a.status),
			Some(RecordStatus::Rejected(RecordRejection::WrongPatient))
		);
		assert_eq!(
			last_event(),
			Event::RecordRejected {
				record: id,
				patient: PATIENT,
				by: PATIENT,
				reason: RecordRejection::WrongPatient
			}
			.into()
		);
	});
}

#[test]
fn a_guardian_answers_for_the_patient() {
	new_test_ext(|| {
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		let id = create();
		assert_ok!(Records::confirm(signed(RELATIVE), id));
	});
}

#[test]
fn only_the_patient_side_answers() {
	new_test_ext(|| {
		let id = create();
		for who in [DOCTOR, HOSPITAL, OTHER_PATIENT, RELATIVE] {
			assert_noop!(Records::confirm(signed(who), id), Error::<Test>::NotPatientOrGuardian);
			assert_noop!(
				Records::reject(signed(who), id, RecordRejection::Other),
				Error::<Test>::NotPatientOrGuardian
			);
		}
		assert_noop!(Records::confirm(signed(PATIENT), 77), Error::<Test>::UnknownRecord);
	});
}

#[test]
fn pending_records_expire() {
	new_test_ext(|| {
		let id = create();
		run_to_block(PENDING_LIFETIME);
		assert_eq!(Records::record_view(id).map(|r| r.status), Some(RecordStatus::Pending));
		run_to_block(1 + PENDING_LIFETIME);
		assert_eq!(Records::record_view(id).map(|r| r.status), Some(RecordStatus::Expired));
		assert_noop!(Records::confirm(signed(PATIENT), id), Error::<Test>::RecordExpired);
	});
}
