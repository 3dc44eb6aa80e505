// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Key custody on a real 4-hospital consortium on 127.0.0.1 (`docs/keys.md`): once a doctor
//! wrote a record and the patient confirmed it, the patient's client never runs again —
//! the patient's part is done with bare transactions, as Polkadot.js apps does it — and
//! every reader the chain allows still gets the key from the nodes and decrypts:
//!
//! - a grant to a hospital (its doctor reads), a doctor of another hospital breaking the
//!   glass, then granted as a person, an insurer's request approved, a guardian;
//! - with the custodian's node stopped, from escrow shares of two other hospitals;
//! - after a revocation, no node releases anything to the former grantee;
//! - every release is in the patient's audit trail, with reader, basis and hospital;
//! - a patient who lost the phrase is recovered (`pallet-recovery`) into a new account,
//!   which reads the records; the old account gets nothing.

use ehr_client::{
	chain::{account_arg, Chain, Progress},
	consent::{self, ScopeArg},
	fhir::{self, SeedRecord},
	keys::Identity,
	records::{self, Recipient},
	recovery, registry, Error,
};
use ehr_primitives::{
	records::{AuditAction, Category, EmergencyReason, Purpose, RecordId, RequestReason},
	registry::{ApplicantRole, ProfileCommitment, Role},
	AccountId,
};
use ehr_rpc_api::error::*;
use ehr_testnet::{node_binary, Network};
use std::time::Duration;
use subxt::dynamic;

const FINALITY: Duration = Duration::from_secs(90);

fn quiet(_: Progress) {}

fn seed() -> SeedRecord {
	serde_json::from_value(serde_json::json!({
		"patientId": "P-0077",
		"gender": "male",
		"age": 63,
		"disease": "Atrial fibrillation",
		"diagnosis": "ECG: irregularly irregular rhythm, no P waves",
		"location": "Cardiology ward, Alice General Hospital",
		"medication": "Apixaban 5 mg twice daily",
		"suggestion": "Avoid NSAIDs; report any bleeding",
		"nextReview": "2027-03-01",
		"notes": "Patient carries an anticoagulation card.",
		"date": "2026-12-01",
		"doctor": "Eve",
		"hospitalId": "H-ALICE"
	}))
	.expect("the seed's fields")
}

fn who(suri: &str) -> Identity {
	Identity::from_suri(suri).expect("a development key")
}

fn commitment(label: &str) -> ProfileCommitment {
	ProfileCommitment::from(ehr_client::crypto::sha256(label.as_bytes()))
}

/// Reads `record` as `reader` through `chain` and checks it decrypts to the seed; returns
/// the key release's basis (or that the reader held the key already).
async fn reads(chain: &Chain, reader: &Identity, record: RecordId, purpose: Purpose) {
	let read = records::read(chain, reader, record, purpose)
		.await
		.unwrap_or_else(|e| panic!("{} reads record {record}: {e}", reader.ss58()));
	let bundle: fhir::Bundle = serde_json::from_value(read.bundle).expect("a FHIR Bundle");
	assert_eq!(fhir::seed_fields(&bundle).expect("fields"), seed());
}

/// The basis a node gives when releasing `record`'s key to `reader` (to a session key).
async fn released(
	chain: &Chain,
	reader: &Identity,
	record: RecordId,
	purpose: Purpose,
) -> records::Released {
	records::release_key(chain, reader, record, purpose, Recipient::Session)
		.await
		.unwrap_or_else(|e| panic!("release to {}: {e}", reader.ss58()))
}

/// A doctor with no standing applies to `hospital` (solving the proof of work) and the
/// hospital activates them.
async fn new_doctor(chain: &Chain, doctor: &Identity, hospital: &Identity) {
	registry::apply(
		chain,
		doctor,
		ApplicantRole::Doctor,
		&hospital.account_id(),
		commitment("dana"),
		&mut |_, _| {},
		&mut quiet,
	)
	.await
	.expect("applied");
	let far = ehr_client::keys::now_ms() + 365 * 24 * 3600 * 1000;
	let activate = dynamic::tx(
		"Registry",
		"activate_doctor",
		(account_arg(&doctor.account_id()), b"licence 0042".to_vec(), far),
	);
	chain.submit(hospital, activate, &mut quiet).await.expect("activated");
}

/// Registers `patient` at `hospital`'s desk, with the patient's own registration proof.
async fn new_patient(chain: &Chain, patient: &Identity, hospital: &Identity, label: &str) {
	let profile = commitment(label);
	let proof = registry::registration_proof(
		chain,
		patient,
		Role::Patient,
		&hospital.account_id(),
		profile,
		patient.encryption_public(),
	)
	.await
	.expect("proof");
	registry::register_patient(
		chain,
		hospital,
		&patient.account_id(),
		profile,
		patient.encryption_public(),
		proof,
		&mut quiet,
	)
	.await
	.expect("registered");
}

/// Waits until `patient`'s audit trail shows a key release to `reader` whose basis
/// starts with `basis`, released by `via`.
async fn audited(chain: &Chain, patient: &AccountId, reader: &AccountId, basis: &str) {
	let deadline = std::time::Instant::now() + FINALITY;
	loop {
		let trail = consent::audit(chain, patient).await.expect("audit trail");
		if trail.iter().any(|entry| {
			entry.event.action == AuditAction::KeyReleased
				&& &entry.event.actor == reader
				&& format!("{:?}", entry.event.basis).contains(basis)
				&& entry.event.via.is_some()
		}) {
			return;
		}
		assert!(
			std::time::Instant::now() < deadline,
			"no key release to {reader} on basis {basis} in {trail:?}"
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_access_the_chain_grants_yields_a_key_with_the_patient_offline() {
	let binary = node_binary().expect("node binary");
	let mut network = Network::start_local(&binary, "key-custody").expect("network starts");
	network.wait_all_finalized(1, FINALITY).expect("the consortium finalizes");
	std::env::set_var("EHR_PINS", network.dir.path().join("pins.json"));
	let mut chains = Vec::new();
	for node in &network.nodes {
		chains.push(Chain::connect(&node.ws_url()).await.expect("client connects"));
	}
	let (alice_node, bob_node, charlie_node, dave_node) =
		(&chains[0], &chains[1], &chains[2], &chains[3]);
	let alice = who("//Alice"); // hospital accounts: staff, friends in recovery
	let bob = who("//Bob");
	let charlie = who("//Charlie");
	let eve = who("//Eve"); // doctor at Alice's hospital: the author
	let ferdie = who("//Ferdie"); // the patient
	let one = who("//One"); // an insurer
	let two = who("//Two"); // a doctor at Bob's hospital
	let dana = who("//Dana"); // a doctor at Charlie's hospital, registered here
	let gina = who("//Gina"); // the patient's guardian, a patient registered here
	for member in [&eve, &ferdie, &one, &two] {
		registry::register_encryption_key(alice_node, member, &mut quiet).await.expect("key");
	}
	new_doctor(charlie_node, &dana, &charlie).await;
	new_patient(alice_node, &gina, &alice, "gina").await;

	// The patient's setup, then the record, written and confirmed.
	consent::submit_grant(
		alice_node,
		&ferdie,
		&alice.account_id(),
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("treatment grant to the hospital");
	consent::appoint_guardian(alice_node, &ferdie, &gina.account_id(), &mut quiet)
		.await
		.expect("guardian");
	recovery::set_friend_group(
		alice_node,
		&ferdie,
		vec![gina.account_id(), alice.account_id()],
		2,
		&gina.account_id(),
		3,
		&mut quiet,
	)
	.await
	.expect("friends");
	let written = records::write(
		alice_node,
		&eve,
		&ferdie.account_id(),
		Category::Condition,
		&seed(),
		&mut quiet,
	)
	.await
	.expect("record written");
	let record = written.record;
	let custody: Option<ehr_primitives::records::CustodyView<AccountId>> = alice_node
		.runtime_call("RecordsApi_custody", record, ehr_client::chain::At::Best)
		.await
		.expect("custody");
	let custody = custody.expect("the record has custody");
	assert_eq!(custody.custodian, alice.account_id());
	assert_eq!((custody.threshold, custody.holders.len()), (2, 3), "{custody:?}");
	records::confirm(bob_node, &ferdie, record, &mut quiet).await.expect("confirmed");

	// --- From here on the patient's client does not run. ---

	// A grant to a hospital: its doctor reads, through a third hospital's node.
	consent::submit_grant(
		bob_node,
		&ferdie,
		&bob.account_id(),
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("grant to Bob's hospital");
	reads(charlie_node, &two, record, Purpose::Treatment).await;
	let release = released(dave_node, &two, record, Purpose::Treatment).await;
	assert!(release.basis.starts_with("Grant"), "{}", release.basis);
	assert!(!release.from_escrow);

	// Break-glass by a doctor of another hospital, then a grant to that doctor as a person.
	consent::break_glass(
		charlie_node,
		&dana,
		&ferdie.account_id(),
		EmergencyReason::PatientUnableToConsent,
		"unconscious on arrival, anticoagulation status needed",
		&mut quiet,
	)
	.await
	.expect("break-glass");
	reads(dave_node, &dana, record, Purpose::Treatment).await;
	audited(dave_node, &ferdie.account_id(), &dana.account_id(), "BreakGlass").await;
	consent::submit_grant(
		dave_node,
		&ferdie,
		&dana.account_id(),
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("grant to the doctor");
	let release = released(bob_node, &dana, record, Purpose::Treatment).await;
	assert!(release.basis.starts_with("Grant"), "{}", release.basis);

	// An insurer's request, approved by the patient.
	consent::request(
		bob_node,
		&one,
		&ferdie.account_id(),
		&ScopeArg::AllRecords,
		Purpose::Payment,
		RequestReason::Claim,
		&mut quiet,
	)
	.await
	.expect("request");
	let pending = consent::requests(bob_node, &ferdie.account_id()).await.expect("requests");
	let request = pending.iter().find(|r| r.requester == one.account_id()).expect("pending").id;
	consent::submit_approval(bob_node, &ferdie, request, None, &mut quiet).await.expect("approved");
	reads(bob_node, &one, record, Purpose::Payment).await;

	// The guardian.
	reads(alice_node, &gina, record, Purpose::Treatment).await;

	// Each release is in the patient's audit trail: who, on what basis, through which
	// hospital's node.
	for (reader, basis) in [
		(&two, "Grant"),
		(&dana, "BreakGlass"),
		(&dana, "Grant"),
		(&one, "Grant"),
		(&gina, "Guardian"),
	] {
		audited(bob_node, &ferdie.account_id(), &reader.account_id(), basis).await;
	}

	// The custodian's node goes down: two of the other three hospitals' escrow shares
	// rebuild the key.
	network.nodes[0].stop();
	let release = released(bob_node, &one, record, Purpose::Payment).await;
	assert!(release.from_escrow, "the custodian is down: escrow shares must have answered");
	reads(charlie_node, &one, record, Purpose::Payment).await;

	// Revocation: no running node releases anything to the insurer any more.
	let grants = consent::grants(bob_node, &ferdie.account_id()).await.expect("grants");
	let insurer_grant = grants.iter().find(|g| g.grantee == one.account_id()).expect("grant").id;
	let revoke =
		dynamic::tx("Consent", "revoke", (account_arg(&ferdie.account_id()), insurer_grant));
	bob_node.submit(&ferdie, revoke, &mut quiet).await.expect("revoked");
	for chain in [bob_node, charlie_node, dave_node] {
		let refused =
			records::release_key(chain, &one, record, Purpose::Payment, Recipient::Session).await;
		assert!(
			matches!(refused, Err(Error::Node { code: ACCESS_DENIED, .. })),
			"{:?}",
			refused.err()
		);
	}

	// The patient loses the phrase: the hospital suspends the account, the guardian and the
	// hospital recover it, and the guardian hands it over to the patient's new account.
	let suspend = dynamic::tx("Registry", "suspend", (account_arg(&ferdie.account_id()),));
	bob_node.submit(&alice, suspend, &mut quiet).await.expect("suspended");
	let renewed = who("//Ferdie//2026");
	new_patient(bob_node, &renewed, &alice, "ferdie again").await;
	recovery::initiate(bob_node, &gina, &ferdie.account_id(), &mut quiet)
		.await
		.expect("recovery started");
	recovery::approve(bob_node, &alice, &ferdie.account_id(), &mut quiet)
		.await
		.expect("recovery approved");
	let deadline = std::time::Instant::now() + FINALITY;
	loop {
		match recovery::finish(bob_node, &gina, &ferdie.account_id(), &mut quiet).await {
			Ok(()) => break,
			Err(e) => {
				assert!(std::time::Instant::now() < deadline, "recovery never finished: {e}");
				tokio::time::sleep(Duration::from_secs(2)).await;
			}
		}
	}
	recovery::hand_over(bob_node, &gina, &ferdie.account_id(), &renewed.account_id(), &mut quiet)
		.await
		.expect("handed over");
	reads(charlie_node, &renewed, record, Purpose::Treatment).await;
	let release = released(dave_node, &renewed, record, Purpose::Treatment).await;
	assert_eq!(release.basis, "Owner");
	let lost =
		records::release_key(charlie_node, &ferdie, record, Purpose::Treatment, Recipient::Session)
			.await;
	assert!(matches!(lost, Err(Error::Node { code: ACCESS_DENIED, .. })), "{:?}", lost.err());
}
