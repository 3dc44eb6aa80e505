// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The audit trail, and `record_access` by nodes.

use super::*;
use crate::{AuditAction, AuditLength, Error, Event};
use ehr_primitives::records::{AccessBasis, RequestReason};
use frame_support::{assert_noop, assert_ok};

fn actions() -> Vec<AuditAction> {
	Consent::audit_of(&PATIENT, 0, u32::MAX).into_iter().map(|e| e.event.action).collect()
}

#[test]
fn consent_decisions_are_all_in_the_trail() {
	new_test_ext(|| {
		let id = grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, id));
		assert_ok!(Consent::request_access(
			signed(INSURER),
			PATIENT,
			ScopeRequest::AllRecords,
			Purpose::Payment,
			RequestReason::Claim
		));
		assert_ok!(Consent::deny_request(signed(PATIENT), PATIENT, 0));
		assert_ok!(Consent::appoint_guardian(signed(PATIENT), RELATIVE));
		assert_eq!(
			actions(),
			vec![
				AuditAction::AccessGranted,
				AuditAction::AccessRevoked,
				AuditAction::AccessRequested,
				AuditAction::RequestDenied,
				AuditAction::GuardianAppointed,
			]
		);
		let first = &Consent::audit_of(&PATIENT, 0, 1)[0];
		assert_eq!((first.event.actor, first.at, first.block), (PATIENT, NOW, 1));
		assert_eq!(first.event.basis, Some(AccessBasis::Grant(id)));
	});
}

#[test]
fn a_node_records_a_read_under_its_basis() {
	new_test_ext(|| {
		let id = grant(HOSPITAL, ScopeRequest::AllRecords, Purpose::Treatment);
		assert_ok!(Consent::record_access(
			signed(NODE),
			COLLEAGUE,
			PATIENT,
			AccessTarget::Record(PRESCRIPTION),
			Purpose::Treatment
		));
		let entry = Consent::audit_of(&PATIENT, 1, 1).pop().expect("entry");
		assert_eq!(entry.event.action, AuditAction::RecordRead);
		assert_eq!(entry.event.actor, COLLEAGUE);
		assert_eq!(entry.event.record, Some(PRESCRIPTION));
		assert_eq!(entry.event.basis, Some(AccessBasis::Grant(id)));
		assert_eq!(entry.event.via, Some(HOSPITAL), "the serving hospital is named");
		assert_eq!(
			last_event(),
			Event::AccessRecorded {
				patient: PATIENT,
				reader: COLLEAGUE,
				target: AccessTarget::Record(PRESCRIPTION),
				basis: AccessBasis::Grant(id)
			}
			.into()
		);
		assert_ok!(Consent::record_access(
			signed(NODE),
			COLLEAGUE,
			PATIENT,
			AccessTarget::History,
			Purpose::Treatment
		));
		assert_eq!(actions().last(), Some(&AuditAction::HistoryViewed));
	});
}

#[test]
fn a_node_cannot_record_a_read_the_chain_would_refuse() {
	new_test_ext(|| {
		assert_noop!(
			Consent::record_access(
				signed(NODE),
				COLLEAGUE,
				PATIENT,
				AccessTarget::Record(PRESCRIPTION),
				Purpose::Treatment
			),
			Error::<Test>::AccessDenied
		);
		// Only node service accounts record reads: not the hospital's own account, not its
		// staff, not a doctor.
		for who in [HOSPITAL, ADMIN, DOCTOR] {
			assert_noop!(
				Consent::record_access(
					signed(who),
					DOCTOR,
					PATIENT,
					AccessTarget::Record(PRESCRIPTION),
					Purpose::Treatment
				),
				Error::<Test>::NotNodeAccount
			);
		}
		assert_noop!(
			Consent::record_access(
				signed(NODE),
				PATIENT,
				PATIENT,
				AccessTarget::Category(Category::Condition),
				Purpose::Treatment
			),
			Error::<Test>::InvalidTarget
		);
	});
}

#[test]
fn the_trail_is_paged() {
	new_test_ext(|| {
		// Alternating purposes: each read is an entry of its own (a repeat would be counted
		// in the one before).
		for i in 0..(MAX_PAGE + 5) {
			let purpose = if i % 2 == 0 { Purpose::Treatment } else { Purpose::Operations };
			assert_ok!(Consent::record_access(
				signed(NODE),
				PATIENT,
				PATIENT,
				AccessTarget::History,
				purpose
			));
		}
		assert_eq!(AuditLength::<Test>::get(PATIENT), MAX_PAGE + 5);
		assert_eq!(Consent::audit_of(&PATIENT, 0, 100).len(), MAX_PAGE as usize);
		assert_eq!(Consent::audit_of(&PATIENT, MAX_PAGE, 100).len(), 5);
		assert!(Consent::audit_of(&PATIENT, MAX_PAGE + 5, 100).is_empty());
	});
}

#[test]
fn repeated_reads_within_the_window_are_one_entry_with_a_count() {
	new_test_ext(|| {
		grant(HOSPITAL, ScopeRequest::AllRecords, Purpose::Treatment);
		let read = |reader| {
			Consent::record_access(
				signed(NODE),
				reader,
				PATIENT,
				AccessTarget::Record(PRESCRIPTION),
				Purpose::Treatment,
			)
		};
		for _ in 0..5 {
			assert_ok!(read(COLLEAGUE));
		}
		let length = AuditLength::<Test>::get(PATIENT);
		let entry = Consent::audit_of(&PATIENT, length - 1, 1).pop().expect("entry");
		assert_eq!((entry.event.action, entry.repeats), (AuditAction::RecordRead, 4));
		// Another reader is an entry of its own; so is the same read after the window.
		assert_ok!(read(DOCTOR));
		assert_eq!(AuditLength::<Test>::get(PATIENT), length + 1);
		assert_ok!(read(DOCTOR));
		set_time(NOW + READ_WINDOW_MS);
		assert_ok!(read(DOCTOR));
		assert_eq!(AuditLength::<Test>::get(PATIENT), length + 2);
	});
}
