// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Synthetic anchors at genesis, for benchmarks of a chain holding many records.

use crate::{
	mock::*, Anchors, ConfirmBy, ContentId, GenesisConfig, NextRecordId, PatientRecordCount,
	RecordStatus, SyntheticAnchors, WrappedKeys,
};

#[test]
fn synthetic_anchors_are_confirmed_records_of_their_writers() {
	let synthetic = SyntheticAnchors {
		count: 5,
		writers: vec![(PATIENT, DOCTOR, HOSPITAL), (OTHER_PATIENT, OTHER_DOCTOR, OTHER_HOSPITAL)],
	};
	ExtBuilder::default()
		.records(GenesisConfig { synthetic_anchors: Some(synthetic), escrow_threshold: 0 })
		.build()
		.execute_with(|| {
			assert_eq!(NextRecordId::<Test>::get(), 5);
			assert_eq!(PatientRecordCount::<Test>::get(PATIENT), 3);
			assert_eq!(PatientRecordCount::<Test>::get(OTHER_PATIENT), 2);
			for id in 0..5u64 {
				let anchor = Anchors::<Test>::get(id).expect("anchored");
				let (patient, author) =
					if id % 2 == 0 { (PATIENT, DOCTOR) } else { (OTHER_PATIENT, OTHER_DOCTOR) };
				assert_eq!((anchor.patient, anchor.author), (patient, author));
				assert_eq!(anchor.status, RecordStatus::Confirmed);
				assert_eq!(anchor.cid, Some(ContentId::from_sha256(anchor.ciphertext_sha256)));
				assert!(ConfirmBy::<Test>::get(id).is_none());
				assert!(WrappedKeys::<Test>::contains_key(id, patient));
				assert!(WrappedKeys::<Test>::contains_key(id, author));
				assert!(WrappedKeys::<Test>::contains_key(id, anchor.hospital));
			}
			assert_ne!(
				Anchors::<Test>::get(0).map(|a| a.cid),
				Anchors::<Test>::get(1).map(|a| a.cid),
				"every anchor has its own content id"
			);
			// A record written on top gets the next id.
			let next = create_confirmed();
			assert_eq!(next, 5);
			Records::do_try_state().expect("records invariants hold");
		});
}

#[test]
fn no_synthetic_anchors_by_default() {
	new_test_ext(|| assert_eq!(NextRecordId::<Test>::get(), 0));
}
