// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The refusals of the records and consent pallets as one table. Each case runs on a fresh
//! default state (two patients granting `HOSPITAL` treatment access), must fail with
//! exactly the stated error, and must leave storage untouched.

use crate::{mock::*, Error};
use ehr_primitives::records::{
	AccessTarget, Category, EmergencyReason, Purpose, RecordRejection, RequestReason,
	ReviewVerdict, MAX_SCOPE_RECORDS,
};
use frame_support::assert_ok;
use pallet_ehr_consent::{Error as ConsentError, ScopeRequest};
use sp_core::H256;
use sp_runtime::{DispatchError, DispatchResult, StateVersion};

type Consented = ConsentError<Test>;
type Recorded = Error<Test>;

struct Case {
	name: &'static str,
	setup: fn(),
	refused: fn() -> DispatchResult,
	expected: DispatchError,
}

fn case(
	name: &'static str,
	setup: fn(),
	refused: fn() -> DispatchResult,
	expected: impl Into<DispatchError>,
) -> Case {
	Case { name, setup, refused, expected: expected.into() }
}

fn nothing() {}

/// The first record `DOCTOR` writes for `PATIENT` (id 0), confirmed.
fn confirmed() {
	create_confirmed();
}

/// The id the next grant gets (the default state holds grants 0 and 1).
const NEXT_GRANT: u64 = 2;

fn grant(
	grantee: u64,
	scope: ScopeRequest,
	purpose: Purpose,
	expires_at: Option<u64>,
) -> DispatchResult {
	Consent::grant(signed(PATIENT), PATIENT, grantee, scope, purpose, expires_at)
}

fn release_to(reader: u64) -> DispatchResult {
	Records::add_reader_key(signed(PATIENT), 0, reader, wrapped(reader))
}

fn write(author: u64, patient: u64) -> DispatchResult {
	let (cid, hash) = address(b"sealed");
	Records::create(
		signed(author),
		patient,
		Category::Condition,
		cid,
		hash,
		keys_of(wrapped(1), wrapped(2)),
	)
}

fn break_glass(doctor: u64, justification: H256) -> DispatchResult {
	Consent::open_break_glass(
		signed(doctor),
		PATIENT,
		EmergencyReason::LifeThreatening,
		justification,
	)
}

fn cases() -> Vec<Case> {
	vec![
		case(
			"reading without a grant",
			confirmed,
			|| release_to(OTHER_DOCTOR),
			Recorded::ReaderHasNoAccess,
		),
		case(
			"reading after revoke",
			|| {
				confirmed();
				assert_ok!(grant(OTHER_DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment, None));
				assert_ok!(Consent::revoke(signed(PATIENT), PATIENT, NEXT_GRANT));
			},
			|| release_to(OTHER_DOCTOR),
			Recorded::ReaderHasNoAccess,
		),
		case(
			"reading after the grant expired",
			|| {
				confirmed();
				assert_ok!(grant(
					OTHER_DOCTOR,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					Some(NOW + HOUR_MS)
				));
				set_time(NOW + HOUR_MS);
			},
			|| release_to(OTHER_DOCTOR),
			Recorded::ReaderHasNoAccess,
		),
		case(
			"reading outside the granted categories",
			|| {
				confirmed();
				assert_ok!(grant(
					OTHER_DOCTOR,
					ScopeRequest::Categories(vec![Category::Immunization]),
					Purpose::Treatment,
					None
				));
			},
			|| release_to(OTHER_DOCTOR),
			Recorded::ReaderHasNoAccess,
		),
		case(
			"insurer granted outside payment",
			nothing,
			|| grant(INSURER, ScopeRequest::AllRecords, Purpose::Treatment, None),
			Consented::PurposeNotAllowed,
		),
		case(
			"insurer requesting for research",
			nothing,
			|| {
				Consent::request_access(
					signed(INSURER),
					PATIENT,
					ScopeRequest::AllRecords,
					Purpose::Research,
					RequestReason::Study,
				)
			},
			Consented::PurposeNotAllowed,
		),
		case(
			"foreign hospital's doctor writing",
			nothing,
			|| write(OTHER_DOCTOR, PATIENT),
			Recorded::NoTreatingRelationship,
		),
		case(
			"amending someone else's record",
			confirmed,
			|| {
				let (cid, hash) = address(b"v2");
				Records::amend(signed(COLLEAGUE), 0, cid, hash, keys_of(wrapped(1), wrapped(2)))
			},
			Recorded::NotAuthor,
		),
		case(
			"confirming as non-patient",
			|| {
				create();
			},
			|| Records::confirm(signed(DOCTOR), 0),
			Recorded::NotPatientOrGuardian,
		),
		case(
			"rejecting another patient's record",
			|| {
				create();
			},
			|| Records::reject(signed(OTHER_PATIENT), 0, RecordRejection::WrongPatient),
			Recorded::NotPatientOrGuardian,
		),
		case(
			"break-glass by a suspended doctor",
			|| {
				assert_ok!(Registry::suspend(RuntimeOrigin::root(), OTHER_DOCTOR));
			},
			|| break_glass(OTHER_DOCTOR, H256::repeat_byte(1)),
			Consented::NotActiveDoctor,
		),
		case(
			"break-glass without a justification",
			nothing,
			|| break_glass(OTHER_DOCTOR, H256::zero()),
			Consented::MissingJustification,
		),
		case(
			"oversize scope list",
			nothing,
			|| {
				grant(
					OTHER_DOCTOR,
					ScopeRequest::Records(vec![0; MAX_SCOPE_RECORDS as usize + 1]),
					Purpose::Treatment,
					None,
				)
			},
			Consented::ScopeTooLarge,
		),
		case(
			"empty scope list",
			nothing,
			|| grant(OTHER_DOCTOR, ScopeRequest::Categories(vec![]), Purpose::Treatment, None),
			Consented::EmptyScope,
		),
		case(
			"scope naming another patient's record",
			|| {
				create_with(DOCTOR, OTHER_PATIENT, Category::Condition, b"theirs");
			},
			|| grant(OTHER_DOCTOR, ScopeRequest::Records(vec![0]), Purpose::Treatment, None),
			Consented::UnknownRecord,
		),
		case(
			"oversize wrapped key",
			confirmed,
			|| {
				Records::add_reader_key(
					signed(PATIENT),
					0,
					COLLEAGUE,
					vec![0; MAX_KEY_LEN as usize + 1],
				)
			},
			Recorded::WrappedKeyTooLong,
		),
		case(
			"malformed content id",
			nothing,
			|| {
				let (mut cid, hash) = address(b"sealed");
				cid.0[0] = 0;
				Records::create(
					signed(DOCTOR),
					PATIENT,
					Category::Condition,
					cid,
					hash,
					keys_of(wrapped(1), wrapped(2)),
				)
			},
			Recorded::InvalidCid,
		),
		case(
			"content id of other bytes",
			nothing,
			|| {
				let (cid, _) = address(b"sealed");
				let (_, other) = address(b"other");
				Records::create(
					signed(DOCTOR),
					PATIENT,
					Category::Condition,
					cid,
					other,
					keys_of(wrapped(1), wrapped(2)),
				)
			},
			Recorded::CidHashMismatch,
		),
		case(
			"writing for an insurer",
			nothing,
			|| write(DOCTOR, INSURER),
			Recorded::NotActivePatient,
		),
		case("writing as an admin", nothing, || write(ADMIN, PATIENT), Recorded::NotActiveDoctor),
		case(
			"writing with an expired credential",
			|| set_time(NOW + YEAR_MS),
			|| write(DOCTOR, PATIENT),
			Recorded::NotActiveDoctor,
		),
		case(
			"confirming twice",
			confirmed,
			|| Records::confirm(signed(PATIENT), 0),
			Recorded::NotPending,
		),
		case(
			"confirming too late",
			|| {
				create();
				run_to_block(1 + PENDING_LIFETIME);
			},
			|| Records::confirm(signed(PATIENT), 0),
			Recorded::RecordExpired,
		),
		case(
			"amending a pending record",
			|| {
				create();
			},
			|| {
				let (cid, hash) = address(b"v2");
				Records::amend(signed(DOCTOR), 0, cid, hash, keys_of(wrapped(1), wrapped(2)))
			},
			Recorded::NotConfirmed,
		),
		case(
			"amending an older version",
			|| {
				confirmed();
				let (cid, hash) = address(b"v2");
				assert_ok!(Records::amend(
					signed(DOCTOR),
					0,
					cid,
					hash,
					keys_of(wrapped(1), wrapped(2))
				));
			},
			|| {
				let (cid, hash) = address(b"v3");
				Records::amend(signed(DOCTOR), 0, cid, hash, keys_of(wrapped(1), wrapped(2)))
			},
			Recorded::NotLatestVersion,
		),
		case(
			"sharing a pending record",
			|| {
				create();
			},
			|| release_to(COLLEAGUE),
			Recorded::NotConfirmed,
		),
		case(
			"sharing an erased record",
			|| {
				confirmed();
				assert_ok!(Records::erase(signed(PATIENT), 0));
			},
			|| release_to(COLLEAGUE),
			Recorded::RecordErased,
		),
		case(
			"erasing twice",
			|| {
				confirmed();
				assert_ok!(Records::erase(signed(PATIENT), 0));
			},
			|| Records::erase(signed(PATIENT), 0).map(|_| ()).map_err(|e| e.error),
			Recorded::RecordErased,
		),
		case(
			"erasing as the author",
			confirmed,
			|| Records::erase(signed(DOCTOR), 0).map(|_| ()).map_err(|e| e.error),
			Recorded::NotPatientOrGuardian,
		),
		case(
			"removing the patient's own key",
			confirmed,
			|| Records::remove_reader_key(signed(PATIENT), 0, PATIENT),
			Recorded::ProtectedKey,
		),
		case(
			"a colleague handing out the key",
			confirmed,
			|| Records::add_reader_key(signed(COLLEAGUE), 0, COLLEAGUE, wrapped(COLLEAGUE)),
			Recorded::NotKeyHolder,
		),
		case(
			"a doctor granting on the patient's behalf",
			nothing,
			|| {
				Consent::grant(
					signed(DOCTOR),
					PATIENT,
					DOCTOR,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					None,
				)
			},
			Consented::NotPatientOrGuardian,
		),
		case(
			"granting to an admin",
			nothing,
			|| grant(ADMIN, ScopeRequest::AllRecords, Purpose::Operations, None),
			Consented::InvalidGrantee,
		),
		case(
			"granting to oneself",
			nothing,
			|| grant(PATIENT, ScopeRequest::AllRecords, Purpose::Treatment, None),
			Consented::InvalidGrantee,
		),
		case(
			"a grant expiring in the past",
			nothing,
			|| grant(DOCTOR, ScopeRequest::AllRecords, Purpose::Treatment, Some(NOW - 1)),
			Consented::ExpiryInPast,
		),
		case(
			"revoking another patient's grant",
			nothing,
			|| Consent::revoke(signed(PATIENT), PATIENT, 1),
			Consented::UnknownGrant,
		),
		case(
			"a patient requesting access",
			nothing,
			|| {
				Consent::request_access(
					signed(OTHER_PATIENT),
					PATIENT,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					RequestReason::Other,
				)
			},
			Consented::NotFacility,
		),
		case(
			"the requester approving its own request",
			|| {
				assert_ok!(Consent::request_access(
					signed(OTHER_HOSPITAL),
					PATIENT,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					RequestReason::Referral
				));
			},
			|| Consent::approve_request(signed(OTHER_HOSPITAL), PATIENT, 0, None),
			Consented::NotPatientOrGuardian,
		),
		case(
			"another facility cancelling a request",
			|| {
				assert_ok!(Consent::request_access(
					signed(OTHER_HOSPITAL),
					PATIENT,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					RequestReason::Referral
				));
			},
			|| Consent::cancel_request(signed(HOSPITAL), 0),
			Consented::NotRequester,
		),
		case(
			"a foreign hospital reviewing an emergency access",
			|| {
				assert_ok!(break_glass(OTHER_DOCTOR, H256::repeat_byte(1)));
			},
			|| Consent::close_review(signed(HOSPITAL), 0, ReviewVerdict::Justified),
			Consented::NotHospitalStaff,
		),
		case(
			"reviewing an emergency access twice",
			|| {
				assert_ok!(break_glass(OTHER_DOCTOR, H256::repeat_byte(1)));
				assert_ok!(Consent::close_review(
					signed(OTHER_HOSPITAL),
					0,
					ReviewVerdict::Justified
				));
			},
			|| Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Unjustified),
			Consented::AlreadyReviewed,
		),
		case(
			"an insurer as guardian",
			nothing,
			|| Consent::appoint_guardian(signed(PATIENT), INSURER),
			Consented::InvalidGuardian,
		),
		case(
			"a node recording a read the chain refuses",
			confirmed,
			|| {
				Consent::record_access(
					signed(OTHER_NODE),
					OTHER_DOCTOR,
					PATIENT,
					AccessTarget::Record(0),
					Purpose::Treatment,
				)
			},
			Consented::AccessDenied,
		),
	]
}

#[test]
fn every_refusal_is_specific_and_changes_nothing() {
	let cases = cases();
	assert!(cases.len() >= 30, "the table holds {} cases", cases.len());
	for case in cases {
		ExtBuilder::default().build().execute_with(|| {
			(case.setup)();
			let before = sp_io::storage::root(StateVersion::V1);
			let outcome = (case.refused)();
			assert_eq!(outcome, Err(case.expected), "case `{}`", case.name);
			assert_eq!(
				sp_io::storage::root(StateVersion::V1),
				before,
				"case `{}` changed storage",
				case.name
			);
			Records::do_try_state().expect("invariants hold");
		});
	}
}
