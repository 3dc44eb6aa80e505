// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A record's whole life through the `ehr` client against a real 4-hospital consortium on
//! 127.0.0.1: a doctor writes, the patient reads it through another hospital's node and
//! confirms, every node replicates the blob, the patient grants an insurer who reads and
//! decrypts (the patient's client hands the key over), a new version reaches the insurer
//! through key release, the patient revokes and the insurer is cut off (no blob, no key,
//! not even of the next version), an erased version's blob leaves every node, and a node's
//! blobs export for IPFS. A blob file altered or deleted on a node's disk comes back from
//! its peers before anyone reads it (the scrub and the reconciliation). (Every grant path with the patient offline, escrow and recovery:
//! `key_custody.rs`.)

use ehr_client::{
	blobs,
	chain::{Chain, Progress},
	consent::{self, ScopeArg},
	fhir::{self, SeedRecord},
	keys::Identity,
	records, registry, Error,
};
use ehr_primitives::records::{AuditAction, Category, ContentId, Purpose, RecordStatus};
use ehr_rpc_api::error::*;
use ehr_testnet::{node_binary, Network, LOCAL_VALIDATORS};
use std::time::Duration;

const FINALITY: Duration = Duration::from_secs(90);

fn seed() -> SeedRecord {
	serde_json::from_value(serde_json::json!({
		"patientId": "P-0042",
		"gender": "female",
		"age": 47,
		"disease": "Type 2 diabetes mellitus",
		"diagnosis": "HbA1c 8.1 %, fasting glucose 9.2 mmol/L",
		"location": "Outpatient clinic, Alice General Hospital",
		"medication": "Metformin 500 mg twice daily",
		"suggestion": "Low-carbohydrate diet, 30 minutes of walking daily",
		"nextReview": "2027-02-24",
		"notes": "Patient reports occasional dizziness in the morning.",
		"date": "2026-11-25",
		"doctor": "Eve",
		"hospitalId": "H-ALICE"
	}))
	.expect("the seed's fields")
}

fn quiet(_: Progress) {}

async fn blob_status(chain: &Chain, cid: &str) -> String {
	chain
		.rpc::<String>("ehr_blobStatus", serde_json::json!(cid))
		.await
		.unwrap_or_else(|e| format!("{e}"))
}

/// Waits until every node reports `status` for the blob `cid`.
async fn wait_blob_everywhere(chains: &[Chain], cid: &str, status: &str) {
	let deadline = std::time::Instant::now() + FINALITY;
	loop {
		let mut seen = Vec::new();
		for chain in chains {
			seen.push(blob_status(chain, cid).await);
		}
		if seen.iter().all(|s| s == status) {
			return;
		}
		assert!(
			std::time::Instant::now() < deadline,
			"blob {cid}: wanted {status} everywhere, saw {seen:?}"
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_from_writing_to_revocation_and_erasure() {
	let binary = node_binary().expect("node binary");
	// Scrubs and reconciliations every few seconds, to see a damaged blob healed.
	let blob_checks = ["--blob-scrub-interval=2", "--blob-reconcile-interval=5"];
	let network = Network::start(&binary, "client-e2e", "local", &LOCAL_VALIDATORS, &blob_checks)
		.expect("network starts");
	network.wait_all_finalized(1, FINALITY).expect("the consortium finalizes");
	// This test's clients pin encryption keys in its own directory.
	std::env::set_var("EHR_PINS", network.dir.path().join("pins.json"));
	let mut chains = Vec::new();
	for node in &network.nodes {
		chains.push(Chain::connect(&node.ws_url()).await.expect("client connects"));
	}
	let (alice_node, bob_node, dave_node) = (&chains[0], &chains[1], &chains[3]);

	let eve = Identity::from_suri("//Eve").expect("doctor"); // a doctor of Alice's hospital
	let ferdie = Identity::from_suri("//Ferdie").expect("patient");
	let insurer = Identity::from_suri("//One").expect("insurer");
	let alice_hospital = Identity::from_suri("//Alice").expect("hospital").account_id();

	for who in [&eve, &ferdie, &insurer] {
		registry::register_encryption_key(alice_node, who, &mut quiet)
			.await
			.expect("key registered");
	}
	consent::grant(
		alice_node,
		&ferdie,
		&alice_hospital,
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("treatment grant to the hospital");

	// The doctor writes through Alice's node, with progress reported to the end.
	let mut steps = Vec::new();
	let written = records::write(
		alice_node,
		&eve,
		&ferdie.account_id(),
		Category::Encounter,
		&seed(),
		&mut |p| steps.push(format!("{p:?}")),
	)
	.await
	.expect("record written");
	assert!(steps.first().is_some_and(|s| s.starts_with("Submitted")), "{steps:?}");
	assert!(steps.last().is_some_and(|s| s.starts_with("Finalized")), "{steps:?}");

	// The patient reads the pending record through Dave's node and confirms it.
	let read = records::read(dave_node, &ferdie, written.record, Purpose::Treatment)
		.await
		.expect("patient reads");
	assert_eq!(read.view.status, RecordStatus::Pending);
	let bundle: fhir::Bundle = serde_json::from_value(read.bundle.clone()).expect("a FHIR Bundle");
	assert_eq!(fhir::seed_fields(&bundle).expect("fields"), seed(), "the record round-trips");
	records::confirm(dave_node, &ferdie, written.record, &mut quiet).await.expect("confirmed");

	// Every hospital node holds the blob once its anchor is final.
	wait_blob_everywhere(&chains, &written.cid, "stored").await;

	// Altered on Charlie's disk, deleted from Dave's: both nodes hold the good copy again
	// (the scrub sets the altered file aside in corrupt/, the reconciliation misses the
	// other), with nobody asking for it.
	let blob_file = |node: usize, area: &str| {
		network.nodes[node].base_path().join("chains/ehr_local/blobs").join(area).join(&written.cid)
	};
	let good = std::fs::read(blob_file(0, "objects")).expect("Alice's copy");
	let mut altered = good.clone();
	altered[good.len() / 2] ^= 0x40;
	std::fs::write(blob_file(2, "objects"), &altered).expect("altered on Charlie's disk");
	std::fs::remove_file(blob_file(3, "objects")).expect("deleted from Dave's disk");
	let deadline = std::time::Instant::now() + FINALITY;
	while [2, 3]
		.iter()
		.any(|&n| std::fs::read(blob_file(n, "objects")).ok().as_ref() != Some(&good))
	{
		assert!(std::time::Instant::now() < deadline, "the damaged copies were not replaced");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	assert_eq!(std::fs::read(blob_file(2, "corrupt")).expect("set aside"), altered);

	// A blob that does not match the anchor is refused before decryption.
	let served =
		blobs::get(bob_node, &ferdie, written.record, Purpose::Treatment).await.expect("served");
	let mut tampered = served.bytes().expect("hex");
	tampered[40] ^= 1;
	assert!(matches!(
		records::check_against_anchor(&read.view, &tampered),
		Err(Error::TamperedBlob { what: "SHA-256", .. })
	));

	// The insurer is refused before a grant, then reads through Bob's node after one.
	let refused = records::read(bob_node, &insurer, written.record, Purpose::Payment).await;
	assert!(matches!(refused, Err(Error::Node { code: ACCESS_DENIED, .. })), "{refused:?}");
	let (grant, shared) = consent::grant(
		bob_node,
		&ferdie,
		&insurer.account_id(),
		&ScopeArg::AllRecords,
		Purpose::Payment,
		None,
		&mut quiet,
	)
	.await
	.expect("insurer granted");
	assert_eq!(shared, 1, "the confirmed record's key is handed over");
	let insurer_read = records::read(bob_node, &insurer, written.record, Purpose::Payment)
		.await
		.expect("insurer reads");
	assert_eq!(insurer_read.bundle, read.bundle);
	assert!(insurer_read.basis.starts_with("Grant"), "{}", insurer_read.basis);

	// Every read lands in the patient's audit trail (the serving node submitted it before
	// answering; it is in one of the next blocks), with who, what and why.
	let deadline = std::time::Instant::now() + FINALITY;
	loop {
		let trail = consent::audit(alice_node, &ferdie.account_id()).await.expect("audit trail");
		let insurer_read = trail.iter().find(|e| {
			e.event.action == AuditAction::RecordRead && e.event.actor == insurer.account_id()
		});
		if let Some(entry) = insurer_read {
			assert_eq!(entry.event.purpose, Some(Purpose::Payment));
			assert_eq!(entry.event.record, Some(written.record));
			break;
		}
		assert!(
			std::time::Instant::now() < deadline,
			"the insurer's read is not audited: {trail:?}"
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}

	// The doctor amends while the insurer's grant holds: a node releases the new version's
	// key to the insurer (a grant of all records covers later ones).
	let mut updated = seed();
	updated.notes = Some("Dizziness resolved after the dose was taken with breakfast.".into());
	let amended = records::amend(alice_node, &eve, written.record, &updated, &mut quiet)
		.await
		.expect("amended");
	assert_eq!(amended.version, 2);
	records::confirm(alice_node, &ferdie, amended.record, &mut quiet).await.expect("confirmed");
	let insurer_v2 = records::read(bob_node, &insurer, amended.record, Purpose::Payment)
		.await
		.expect("insurer reads v2");
	let insurer_v2: fhir::Bundle = serde_json::from_value(insurer_v2.bundle).expect("bundle");
	assert_eq!(fhir::seed_fields(&insurer_v2).expect("fields"), updated);
	let insurer_old_key = records::release_key(
		alice_node,
		&insurer,
		amended.record,
		Purpose::Payment,
		records::Recipient::Session,
	)
	.await
	.expect("insurer's key")
	.key;

	// The patient revokes the insurer: the key its client handed over is taken back.
	let taken_back =
		consent::revoke(alice_node, &ferdie, grant, &mut quiet).await.expect("revoked");
	assert_eq!(taken_back, 1, "the insurer's key of version 1 is deleted");

	// The next version is sealed under a fresh key that never reaches the insurer.
	let mut third = updated.clone();
	third.medication = Some("Metformin 1000 mg twice daily".into());
	let latest = records::amend(alice_node, &eve, amended.record, &third, &mut quiet)
		.await
		.expect("amended again");
	assert_eq!(latest.version, 3);
	records::confirm(alice_node, &ferdie, latest.record, &mut quiet).await.expect("confirmed");

	// Cut off: no blob and no key release from any node, no key to any version on chain,
	// and the key it once held does not open the new version.
	for chain in &chains {
		for record in [written.record, amended.record, latest.record] {
			let denied = blobs::get(chain, &insurer, record, Purpose::Payment).await;
			assert!(matches!(denied, Err(Error::Node { code: ACCESS_DENIED, .. })), "{denied:?}");
			let released = records::release_key(
				chain,
				&insurer,
				record,
				Purpose::Payment,
				records::Recipient::Registered,
			)
			.await;
			assert!(
				matches!(released, Err(Error::Node { code: ACCESS_DENIED, .. })),
				"{:?}",
				released.err()
			);
		}
	}
	for record in [written.record, amended.record, latest.record] {
		let no_key = records::held_key(alice_node, &insurer, record).await;
		assert!(matches!(no_key, Err(Error::NoKey { .. })), "{no_key:?}");
	}
	let v3_blob = blobs::get(alice_node, &ferdie, latest.record, Purpose::Treatment)
		.await
		.expect("patient fetches v3")
		.bytes()
		.expect("hex");
	assert!(
		ehr_client::crypto::open_record(&insurer_old_key, &v3_blob).is_err(),
		"an old key opens the new version"
	);
	// The patient still reads the new version, through any node.
	let again = records::read(dave_node, &ferdie, latest.record, Purpose::Treatment)
		.await
		.expect("patient reads v3");
	let again: fhir::Bundle = serde_json::from_value(again.bundle).expect("bundle");
	assert_eq!(fhir::seed_fields(&again).expect("fields"), third);

	// Erasing version 2 drops its blob from every node.
	wait_blob_everywhere(&chains, &amended.cid, "stored").await;
	records::erase(alice_node, &ferdie, amended.record, &mut quiet).await.expect("erased");
	wait_blob_everywhere(&chains, &amended.cid, "absent").await;
	let gone = blobs::get(alice_node, &ferdie, amended.record, Purpose::Treatment).await;
	assert!(matches!(gone, Err(Error::Node { code: ERASED, .. })), "{gone:?}");

	// The `ehr` command reads the record too.
	let output = std::process::Command::new(env!("CARGO_BIN_EXE_ehr"))
		.args(["--node", &network.nodes[2].ws_url(), "--suri", "//Ferdie", "record", "read"])
		.arg(written.record.to_string())
		.output()
		.expect("ehr runs");
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let printed: serde_json::Value =
		serde_json::from_slice(&output.stdout).expect("JSON on stdout");
	assert_eq!(printed, read.bundle);

	// Charlie's blobs export as files named by content id, and as a CAR.
	let export = network.dir.path().join("export");
	let charlie = &network.nodes[2];
	let status = std::process::Command::new(&binary)
		.args(["export-blobs", "--chain", "local", "--base-path"])
		.arg(charlie.base_path())
		.arg("--files")
		.arg(export.join("files"))
		.arg("--car")
		.arg(export.join("blobs.car"))
		.status()
		.expect("export runs");
	assert!(status.success());
	let file = std::fs::read(export.join("files").join(&written.cid)).expect("exported blob");
	assert_eq!(
		ContentId::from_sha256(ehr_client::crypto::sha256(&file)).to_multibase(),
		written.cid
	);
	assert!(!export.join("files").join(&amended.cid).exists(), "erased blobs are not exported");
	let car = std::fs::read(export.join("blobs.car")).expect("car");
	assert!(car.windows(file.len()).any(|w| w == file), "the CAR carries the blob");
}
