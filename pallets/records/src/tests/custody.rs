// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Custody: the custodian's key and the escrow a record is written with, keys only their
//! owners change, and key releases recorded by nodes — with every refusal.

use crate::{
	mock::*, Error, Escrow, EscrowThreshold, Event, RecordKeys, ReleasedRequests, WrappedKeys,
};
use ehr_primitives::records::{AccessBasis, AuditAction, Category, Purpose, RecordRejection};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use pallet_ehr_consent::ScopeRequest;

fn confirmed() -> u64 {
	let record = create();
	assert_ok!(Records::confirm(signed(PATIENT), record));
	record
}

fn grant(grantee: u64, purpose: Purpose) -> u64 {
	let id = pallet_ehr_consent::NextGrantId::<Test>::get();
	assert_ok!(Consent::grant(
		signed(PATIENT),
		PATIENT,
		grantee,
		ScopeRequest::AllRecords,
		purpose,
		None
	));
	id
}

#[test]
fn a_record_is_written_with_its_custodian_key_and_escrow() {
	new_test_ext(|| {
		// Without a threshold, no escrow.
		let record = create();
		assert_eq!(
			WrappedKeys::<Test>::get(record, HOSPITAL).map(|k| k.to_vec()),
			Some(wrapped(HOSPITAL))
		);
		assert!(!Escrow::<Test>::contains_key(record));
		assert_eq!(Records::custody(record).map(|c| c.custodian), Some(HOSPITAL));

		assert_ok!(Records::set_escrow_threshold(RuntimeOrigin::root(), 2));
		let policy = Records::escrow_policy(&HOSPITAL);
		assert_eq!(policy.threshold, 2);
		let holders: Vec<u64> = policy.holders.iter().map(|(h, _)| *h).collect();
		assert_eq!(holders, vec![OTHER_HOSPITAL, THIRD_HOSPITAL]);
		let record = create();
		let custody = Records::custody(record).expect("custody");
		assert_eq!((custody.threshold, custody.holders), (2, holders));
		assert_eq!(Records::escrow_share(record, &THIRD_HOSPITAL), Some(wrapped(THIRD_HOSPITAL)));
		assert_eq!(Records::escrow_share(record, &HOSPITAL), None);

		// Erasing the record drops its escrow with its keys.
		assert_ok!(Records::confirm(signed(PATIENT), record));
		assert_ok!(Records::erase(signed(PATIENT), record));
		assert!(!Escrow::<Test>::contains_key(record));
	});
}

#[test]
fn escrow_must_match_the_policy() {
	new_test_ext(|| {
		let (cid, hash) = address(b"sealed");
		let with_shares = |n: usize| RecordKeys {
			escrow: vec![wrapped(9); n],
			..keys(PATIENT, DOCTOR, HOSPITAL)
		};
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				with_shares(1)
			),
			Error::<Test>::EscrowMismatch
		);
		assert_ok!(Records::set_escrow_threshold(RuntimeOrigin::root(), 2));
		for n in [0, 1, 3] {
			assert_noop!(
				Records::create(
					signed(DOCTOR),
					PATIENT,
					Category::Condition,
					cid,
					hash,
					with_shares(n)
				),
				Error::<Test>::EscrowMismatch
			);
		}
		assert_noop!(
			Records::create(
				signed(DOCTOR),
				PATIENT,
				Category::Condition,
				cid,
				hash,
				RecordKeys { custodian: vec![], ..keys(PATIENT, DOCTOR, HOSPITAL) }
			),
			Error::<Test>::EmptyWrappedKey
		);
		// Two other hospitals cannot escrow 3 of them: escrow is off for now.
		assert_ok!(Records::set_escrow_threshold(RuntimeOrigin::root(), 3));
		assert_eq!(Records::escrow_policy(&HOSPITAL).threshold, 0);
		assert_ok!(Records::create(
			signed(DOCTOR),
			PATIENT,
			Category::Condition,
			cid,
			hash,
			with_shares(0)
		));
	});
}

#[test]
fn only_the_consortium_sets_the_threshold_and_never_to_one() {
	new_test_ext(|| {
		assert_noop!(
			Records::set_escrow_threshold(signed(HOSPITAL), 2),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			Records::set_escrow_threshold(RuntimeOrigin::root(), 1),
			Error::<Test>::ThresholdTooLow
		);
		assert_ok!(Records::set_escrow_threshold(RuntimeOrigin::root(), 0));
		assert_eq!(last_event(), Event::EscrowThresholdSet { threshold: 0 }.into());
		assert_eq!(EscrowThreshold::<Test>::get(), 0);
	});
}

#[test]
fn nobody_overwrites_or_removes_the_patients_or_the_custodians_key() {
	new_test_ext(|| {
		let record = confirmed();
		for (who, reader) in [(DOCTOR, PATIENT), (PATIENT, PATIENT), (DOCTOR, HOSPITAL)] {
			assert_noop!(
				Records::add_reader_key(signed(who), record, reader, wrapped(77)),
				Error::<Test>::ProtectedKey
			);
		}
		for reader in [PATIENT, HOSPITAL] {
			assert_noop!(
				Records::remove_reader_key(signed(PATIENT), record, reader),
				Error::<Test>::ProtectedKey
			);
		}
		// A key once handed over is not replaced by anyone, its giver included.
		grant(OTHER_DOCTOR, Purpose::Treatment);
		assert_ok!(Records::add_reader_key(signed(PATIENT), record, OTHER_DOCTOR, wrapped(1)));
		assert_noop!(
			Records::add_reader_key(signed(DOCTOR), record, OTHER_DOCTOR, wrapped(2)),
			Error::<Test>::KeyAlreadyHeld
		);
		assert_eq!(
			WrappedKeys::<Test>::get(record, OTHER_DOCTOR).map(|k| k.to_vec()),
			Some(wrapped(1))
		);
	});
}

#[test]
fn a_node_records_a_release_in_the_patients_audit_trail() {
	new_test_ext(|| {
		let record = confirmed();
		let grant_id = grant(INSURER, Purpose::Payment);
		let request = key_request(INSURER, record, Purpose::Payment);
		assert_ok!(Records::release_key(
			signed(OTHER_NODE),
			request.clone(),
			signed_by(INSURER, &request)
		));
		assert_eq!(
			last_event(),
			Event::KeyReleaseRecorded {
				request: request.hash(),
				record,
				reader: INSURER,
				basis: AccessBasis::Grant(grant_id),
				hospital: OTHER_HOSPITAL,
			}
			.into()
		);
		let trail = Consent::audit_of(&PATIENT, 0, 50);
		let entry = trail.last().expect("audited");
		assert_eq!(entry.event.action, AuditAction::KeyReleased);
		assert_eq!(entry.event.actor, INSURER);
		assert_eq!(entry.event.record, Some(record));
		assert_eq!(entry.event.purpose, Some(Purpose::Payment));
		assert_eq!(entry.event.basis, Some(AccessBasis::Grant(grant_id)));
		assert_eq!(entry.event.via, Some(OTHER_HOSPITAL));

		// Forgotten after `ReleaseMemory` blocks, when it is long stale anyway.
		assert!(ReleasedRequests::<Test>::contains_key(request.hash()));
		Records::on_initialize(1 + RELEASE_MEMORY);
		assert!(!ReleasedRequests::<Test>::contains_key(request.hash()));
	});
}

#[test]
fn emergency_and_guardian_releases_rest_on_their_basis() {
	new_test_ext(|| {
		let record = confirmed();
		assert_ok!(Consent::open_break_glass(
			signed(OTHER_DOCTOR),
			PATIENT,
			ehr_primitives::records::EmergencyReason::LifeThreatening,
			sp_core::H256::repeat_byte(1)
		));
		let request = key_request(OTHER_DOCTOR, record, Purpose::Treatment);
		assert_ok!(Records::release_key(
			signed(NODE),
			request.clone(),
			signed_by(OTHER_DOCTOR, &request)
		));
		assert!(matches!(
			last_event(),
			RuntimeEvent::Records(Event::KeyReleaseRecorded {
				basis: AccessBasis::BreakGlass(_),
				..
			})
		));
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		// A guardian reads even a pending record: it decides on it for the patient.
		let pending = create();
		let request = key_request(RELATIVE, pending, Purpose::Treatment);
		assert_ok!(Records::release_key(
			signed(NODE),
			request.clone(),
			signed_by(RELATIVE, &request)
		));
	});
}

/// A release refused with `error`, recording nothing.
fn refused(
	node: u64,
	request: ehr_primitives::blobs::KeyRequest<u64>,
	signer: u64,
	error: Error<Test>,
) {
	let signature = signed_by(signer, &request);
	assert_noop!(Records::release_key(signed(node), request, signature), error);
}

#[test]
fn releases_that_must_not_happen_are_refused() {
	new_test_ext(|| {
		let record = confirmed();
		let revoked = grant(INSURER, Purpose::Payment);
		let ok = key_request(INSURER, record, Purpose::Payment);

		// Only a node account of an active hospital records releases.
		for who in [HOSPITAL, ADMIN, DOCTOR, INSURER, OUTSIDER] {
			refused(who, ok.clone(), INSURER, Error::NotNodeAccount);
		}
		// Not signed by the reader (a node cannot make a reader up).
		refused(NODE, ok.clone(), OTHER_NODE, Error::InvalidRequestSignature);
		refused(NODE, ok.clone(), PATIENT, Error::InvalidRequestSignature);
		// Another chain; too old; from the future.
		let mut other_chain = ok.clone();
		other_chain.genesis = sp_core::H256::repeat_byte(9);
		refused(NODE, other_chain, INSURER, Error::WrongChain);
		let mut stale = ok.clone();
		stale.issued_at = NOW - MAX_REQUEST_AGE - 1;
		refused(NODE, stale, INSURER, Error::StaleRequest);
		let mut early = ok.clone();
		early.issued_at = NOW + MAX_REQUEST_AGE + 1;
		refused(NODE, early, INSURER, Error::StaleRequest);
		// Wrong purpose: the grant is for payment.
		refused(
			NODE,
			key_request(INSURER, record, Purpose::Research),
			INSURER,
			Error::ReaderHasNoAccess,
		);
		// Unknown record; no grant at all.
		refused(NODE, key_request(INSURER, 999, Purpose::Payment), INSURER, Error::UnknownRecord);
		refused(
			NODE,
			key_request(OTHER_DOCTOR, record, Purpose::Treatment),
			OTHER_DOCTOR,
			Error::ReaderHasNoAccess,
		);

		// Replayed: the same request once more, through any node.
		let signature = signed_by(INSURER, &ok);
		assert_ok!(Records::release_key(signed(NODE), ok.clone(), signature.clone()));
		assert_noop!(
			Records::release_key(signed(OTHER_NODE), ok.clone(), signature),
			Error::<Test>::RequestReplayed
		);

		// Revoked.
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, revoked));
		set_time(NOW + 1);
		refused(
			NODE,
			key_request(INSURER, record, Purpose::Payment),
			INSURER,
			Error::ReaderHasNoAccess,
		);
	});
}

#[test]
fn expired_suspended_unconfirmed_and_erased_are_refused() {
	new_test_ext(|| {
		let record = confirmed();
		assert_ok!(Consent::grant(
			signed(PATIENT),
			PATIENT,
			INSURER,
			ScopeRequest::AllRecords,
			Purpose::Payment,
			Some(NOW + HOUR_MS)
		));
		set_time(NOW + HOUR_MS);
		refused(
			NODE,
			key_request(INSURER, record, Purpose::Payment),
			INSURER,
			Error::ReaderHasNoAccess,
		);
		set_time(NOW);

		// A suspended reader; a node of a suspended hospital.
		grant(OTHER_DOCTOR, Purpose::Treatment);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), OTHER_DOCTOR));
		refused(
			NODE,
			key_request(OTHER_DOCTOR, record, Purpose::Treatment),
			OTHER_DOCTOR,
			Error::ReaderHasNoAccess,
		);
		assert_ok!(Registry::reinstate(RuntimeOrigin::root(), OTHER_DOCTOR));
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), OTHER_HOSPITAL));
		refused(
			OTHER_NODE,
			key_request(OTHER_DOCTOR, record, Purpose::Treatment),
			OTHER_DOCTOR,
			Error::NotNodeAccount,
		);

		// A grantee gets no key of a record its patient has not confirmed; nobody gets the
		// key of a rejected one.
		grant(INSURER, Purpose::Payment);
		let pending = create();
		refused(
			NODE,
			key_request(INSURER, pending, Purpose::Payment),
			INSURER,
			Error::NotReleasable,
		);
		let rejected = create();
		assert_ok!(Records::reject(signed(PATIENT), rejected, RecordRejection::Inaccurate));
		refused(
			NODE,
			key_request(PATIENT, rejected, Purpose::Treatment),
			PATIENT,
			Error::NotReleasable,
		);

		// Erased.
		assert_ok!(Records::erase(signed(PATIENT), record));
		refused(
			NODE,
			key_request(PATIENT, record, Purpose::Treatment),
			PATIENT,
			Error::RecordErased,
		);
	});
}

#[test]
fn a_block_records_a_bounded_number_of_releases() {
	new_test_ext(|| {
		let record = confirmed();
		for i in 0..MAX_RELEASES {
			let mut request = key_request(PATIENT, record, Purpose::Treatment);
			request.issued_at += u64::from(i);
			let signature = signed_by(PATIENT, &request);
			assert_ok!(Records::release_key(signed(NODE), request, signature));
		}
		let mut one_more = key_request(PATIENT, record, Purpose::Treatment);
		one_more.issued_at += 100;
		refused(NODE, one_more, PATIENT, Error::TooManyReleases);
	});
}
