// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! No plaintext on chain: after a full scenario with records full of recognisable
//! personal and medical data, nothing of it is anywhere in chain state (keys, values,
//! events included).

use crate::mock::*;
use ehr_primitives::{
	records::{AccessTarget, Category, EmergencyReason, Purpose, RequestReason, ReviewVerdict},
	registry::{ApplicantRole, ProfileCommitment},
};
use frame_support::assert_ok;
use pallet_ehr_consent::ScopeRequest;
use sp_core::H256;
use sp_io::hashing::blake2_256;

/// Distinctive strings of the test records; none may reach chain state.
const MARKERS: [&str; 8] = [
	"ZXQ-Jane-Roe",
	"ZXQ-1984-03-07",
	"ZXQ-078-05-1120",
	"ZXQ-Essential-hypertension",
	"ZXQ-Lisinopril-10mg",
	"ZXQ-Ward-7B",
	"ZXQ-reduce-salt",
	"ZXQ-review-in-3-months",
];

fn fhir_bundle(version: u32) -> Vec<u8> {
	format!(
		r#"{{"resourceType":"Bundle","type":"collection","entry":[
		{{"resource":{{"resourceType":"Patient","name":[{{"text":"{}"}}],"gender":"female","birthDate":"{}","identifier":[{{"value":"{}"}}]}}}},
		{{"resource":{{"resourceType":"Condition","code":{{"text":"{}"}},"note":[{{"text":"v{version}"}}]}}}},
		{{"resource":{{"resourceType":"MedicationRequest","medicationCodeableConcept":{{"text":"{}"}}}}}},
		{{"resource":{{"resourceType":"Encounter","location":[{{"location":{{"display":"{}"}}}}]}}}},
		{{"resource":{{"resourceType":"CarePlan","description":"{}"}}}},
		{{"resource":{{"resourceType":"Appointment","description":"{}"}}}}]}}"#,
		MARKERS[0], MARKERS[1], MARKERS[2], MARKERS[3], MARKERS[4], MARKERS[5], MARKERS[6], MARKERS[7]
	)
	.into_bytes()
}

fn anchor(author: u64, patient: u64, bundle: &[u8]) -> u64 {
	let id = crate::NextRecordId::<Test>::get();
	let (cid, hash) = address(&seal(bundle, 0x33));
	assert_ok!(Records::create(
		signed(author),
		patient,
		Category::Condition,
		cid,
		hash,
		keys_of(wrapped(patient), wrapped(author)),
	));
	id
}

/// Every key and value in storage, concatenated.
fn all_state() -> Vec<u8> {
	let mut state = Vec::new();
	let mut key = Vec::new();
	while let Some(next) = sp_io::storage::next_key(&key) {
		state.extend_from_slice(&next);
		state.extend(sp_io::storage::get(&next).map(|v| v.to_vec()).unwrap_or_default());
		key = next;
	}
	state
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
	haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_plaintext_reaches_chain_state() {
	new_test_ext(|| {
		// A new patient applies with a salted commitment of the profile, never the profile.
		let newcomer = 60u64;
		let profile = format!("{}|{}|{}", MARKERS[0], MARKERS[1], MARKERS[2]);
		let commitment = ProfileCommitment::from(blake2_256(
			&[b"salt-9f2c".as_slice(), profile.as_bytes()].concat(),
		));
		assert_ok!(Registry::apply(
			pallet_ehr_registry::RawOrigin::Applicant(newcomer).into(),
			ApplicantRole::Patient,
			HOSPITAL,
			commitment,
			[9; 32],
			System::block_number() - 1,
			0
		));
		assert_ok!(Registry::activate_patient(signed(ADMIN), newcomer));
		assert_ok!(Consent::grant(
			signed(newcomer),
			newcomer,
			HOSPITAL,
			ScopeRequest::AllRecords,
			Purpose::Treatment,
			None
		));

		// Records written, confirmed, amended, shared, read and erased.
		let first = anchor(DOCTOR, newcomer, &fhir_bundle(1));
		assert_ok!(Records::confirm(signed(newcomer), first));
		let (cid, hash) = address(&seal(&fhir_bundle(2), 0x44));
		assert_ok!(Records::amend(
			signed(DOCTOR),
			first,
			cid,
			hash,
			keys_of(wrapped(newcomer), wrapped(DOCTOR)),
		));
		assert_ok!(Records::confirm(signed(newcomer), first + 1));
		assert_ok!(Consent::request_access(
			signed(OTHER_HOSPITAL),
			newcomer,
			ScopeRequest::Categories(vec![Category::Condition]),
			Purpose::Treatment,
			RequestReason::Referral
		));
		assert_ok!(Consent::approve_request(signed(newcomer), newcomer, 0, Some(NOW + HOUR_MS)));
		assert_ok!(Records::add_reader_key(
			signed(newcomer),
			first + 1,
			OTHER_DOCTOR,
			wrapped(OTHER_DOCTOR)
		));
		assert_ok!(Consent::record_access(
			signed(OTHER_NODE),
			OTHER_DOCTOR,
			newcomer,
			AccessTarget::Record(first + 1),
			Purpose::Treatment
		));
		let request = key_request(OTHER_DOCTOR, first + 1, Purpose::Treatment);
		let signature = signed_by(OTHER_DOCTOR, &request);
		assert_ok!(Records::release_key(signed(OTHER_NODE), request, signature));
		let justification = H256::from(blake2_256(b"ZXQ-found-unconscious-in-Ward-7B"));
		assert_ok!(Consent::open_break_glass(
			signed(OTHER_DOCTOR),
			newcomer,
			EmergencyReason::PatientUnableToConsent,
			justification
		));
		assert_ok!(Consent::close_review(signed(OTHER_HOSPITAL), 0, ReviewVerdict::Justified));
		let other = anchor(COLLEAGUE, newcomer, &fhir_bundle(3));
		assert_ok!(Records::erase(signed(newcomer), other));

		let state = all_state();
		assert!(state.len() > 5_000, "the scenario left state to scan ({} bytes)", state.len());
		for marker in MARKERS {
			assert!(!contains(&state, marker.as_bytes()), "`{marker}` found in chain state");
		}
		// The scan does see plaintext where there is some.
		sp_io::storage::set(b":control", MARKERS[3].as_bytes());
		assert!(contains(&all_state(), MARKERS[3].as_bytes()));
	});
}
