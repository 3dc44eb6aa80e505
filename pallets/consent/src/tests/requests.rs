// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `request_access`, `approve_request`, `deny_request`, `cancel_request` and expiry.

use super::*;
use crate::{Error, Event, Grants, PatientRequests, RequestReason, Requests};
use ehr_primitives::records::AccessBasis;
use frame_support::{assert_noop, assert_ok};

fn request(who: u64, purpose: Purpose) -> crate::RequestId {
	let id = crate::NextRequestId::<Test>::get();
	assert_ok!(Consent::request_access(
		signed(who),
		PATIENT,
		ScopeRequest::AllRecords,
		purpose,
		RequestReason::Referral
	));
	id
}

#[test]
fn a_hospital_admin_requests_for_the_hospital() {
	new_test_ext(|| {
		let id = request(ADMIN, Purpose::Treatment);
		let pending = Requests::<Test>::get(id).expect("pending");
		assert_eq!(pending.requester, HOSPITAL);
		assert_eq!(pending.expires_at, 1 + REQUEST_LIFETIME);
		assert!(PatientRequests::<Test>::contains_key(PATIENT, id));
		assert_eq!(
			last_event(),
			Event::AccessRequested {
				request: id,
				patient: PATIENT,
				requester: HOSPITAL,
				purpose: Purpose::Treatment,
				reason: RequestReason::Referral
			}
			.into()
		);
		assert_eq!(Consent::requests_of(&PATIENT, 0, 100).len(), 1);
	});
}

#[test]
fn approving_grants_what_was_asked() {
	new_test_ext(|| {
		let id = request(OTHER_HOSPITAL, Purpose::Treatment);
		assert_ok!(Consent::approve_request(signed(PATIENT), PATIENT, id, Some(NOW + HOUR_MS)));
		assert!(Requests::<Test>::get(id).is_none());
		let grant = &Grants::<Test>::get(PATIENT, OTHER_HOSPITAL)[0];
		assert_eq!((grant.purpose, grant.expires_at), (Purpose::Treatment, Some(NOW + HOUR_MS)));
		assert_eq!(
			decide(OTHER_DOCTOR, AccessTarget::History, Some(Purpose::Treatment)),
			Ok(AccessBasis::Grant(grant.id))
		);
		assert_eq!(
			last_event(),
			Event::RequestApproved { request: id, patient: PATIENT, grant: grant.id }.into()
		);
	});
}

#[test]
fn denying_removes_the_request() {
	new_test_ext(|| {
		let id = request(INSURER, Purpose::Payment);
		assert_ok!(Consent::deny_request(signed(PATIENT), PATIENT, id));
		assert!(Requests::<Test>::get(id).is_none());
		assert!(Grants::<Test>::get(PATIENT, INSURER).is_empty());
		assert_eq!(last_event(), Event::RequestDenied { request: id, patient: PATIENT }.into());
		assert_noop!(
			Consent::deny_request(signed(PATIENT), PATIENT, id),
			Error::<Test>::UnknownRequest
		);
	});
}

#[test]
fn only_facilities_request_and_insurers_for_payment() {
	new_test_ext(|| {
		for who in [OTHER_PATIENT, OUTSIDER] {
			assert_noop!(
				Consent::request_access(
					signed(who),
					PATIENT,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					RequestReason::Other
				),
				Error::<Test>::NotFacility
			);
		}
		assert_noop!(
			Consent::request_access(
				signed(INSURER),
				PATIENT,
				ScopeRequest::AllRecords,
				Purpose::Research,
				RequestReason::Claim
			),
			Error::<Test>::PurposeNotAllowed
		);
		assert_noop!(
			Consent::request_access(
				signed(DOCTOR),
				HOSPITAL,
				ScopeRequest::AllRecords,
				Purpose::Treatment,
				RequestReason::Other
			),
			Error::<Test>::NotPatient
		);
	});
}

#[test]
fn answers_come_from_the_patient_side_only() {
	new_test_ext(|| {
		let id = request(DOCTOR, Purpose::Treatment);
		assert_noop!(
			Consent::approve_request(signed(DOCTOR), PATIENT, id, None),
			Error::<Test>::NotPatientOrGuardian
		);
		assert_noop!(
			Consent::approve_request(signed(OTHER_PATIENT), OTHER_PATIENT, id, None),
			Error::<Test>::UnknownRequest
		);
	});
}

#[test]
fn the_requester_may_cancel() {
	new_test_ext(|| {
		let id = request(ADMIN, Purpose::Operations);
		assert_noop!(
			Consent::cancel_request(signed(OTHER_HOSPITAL), id),
			Error::<Test>::NotRequester
		);
		assert_noop!(Consent::cancel_request(signed(PATIENT), id), Error::<Test>::NotRequester);
		// Made by the admin, for the hospital: the hospital itself may cancel.
		assert_ok!(Consent::cancel_request(signed(HOSPITAL), id));
		assert_eq!(last_event(), Event::RequestCancelled { request: id, patient: PATIENT }.into());
	});
}

#[test]
fn unanswered_requests_expire() {
	new_test_ext(|| {
		let id = request(DOCTOR, Purpose::Treatment);
		run_to_block(REQUEST_LIFETIME);
		assert!(Requests::<Test>::contains_key(id));
		run_to_block(1 + REQUEST_LIFETIME);
		assert!(!Requests::<Test>::contains_key(id));
		assert!(!PatientRequests::<Test>::contains_key(PATIENT, id));
		assert_eq!(last_event(), Event::RequestExpired { request: id, patient: PATIENT }.into());
	});
}

#[test]
fn requests_per_block_are_bounded() {
	new_test_ext(|| {
		// Three facilities (one slot each: one open request per facility and patient).
		for who in [DOCTOR, OTHER_DOCTOR, ADMIN] {
			request(who, Purpose::Treatment);
		}
		assert_noop!(
			Consent::request_access(
				signed(INSURER),
				PATIENT,
				ScopeRequest::AllRecords,
				Purpose::Payment,
				RequestReason::Claim
			),
			Error::<Test>::TooManyRequests
		);
	});
}

fn request_to(who: u64, patient: u64) -> sp_runtime::DispatchResult {
	Consent::request_access(
		signed(who),
		patient,
		ScopeRequest::AllRecords,
		Purpose::Payment,
		RequestReason::Claim,
	)
}

#[test]
fn a_facility_has_one_open_request_per_patient_and_a_few_overall() {
	new_test_ext(|| {
		assert_ok!(request_to(INSURER, PATIENT));
		assert_noop!(request_to(INSURER, PATIENT), Error::<Test>::RequestAlreadyOpen);
		run_to_block(2);
		assert_ok!(request_to(INSURER, OTHER_PATIENT));
		run_to_block(3);
		let next = crate::NextRequestId::<Test>::get();
		assert_noop!(request_to(INSURER, RELATIVE), Error::<Test>::TooManyOpenRequests);
		assert_eq!(crate::NextRequestId::<Test>::get(), next);
		// Another facility is not held back; an answered request frees its place.
		assert_ok!(request_to(ADMIN, RELATIVE));
		assert_ok!(Consent::deny_request(signed(PATIENT), PATIENT, 0));
		assert_eq!(crate::OpenRequestCount::<Test>::get(INSURER), 1);
		assert_ok!(request_to(INSURER, RELATIVE));
	});
}
