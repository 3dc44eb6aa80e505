// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The corruption campaign's blob half (the database half is
//! `node/tests/corruption_campaign.rs`): a node's blob store damaged in ways drawn from a
//! wide family must heal with no operator step.
//!
//! On the 4-hospital consortium on 127.0.0.1, a doctor writes records through the `ehr`
//! client until every node holds their blobs. Each trial stops one node, damages its blob
//! store one way drawn (seeded, reproducibly) — random bytes written into files, a bit
//! flipped, files truncated, emptied, deleted, two files swapped, the whole store deleted —
//! starts it again and times it until every blob file is again the good copy and the node
//! serves the damaged record's blob to its patient. Prints pattern → time to healed, and
//! the p95.
//!
//!   cargo test -p ehr-client --test blob_campaign -- --trials 50 --seed 7
//!
//! (`scripts/test.sh` runs one trial of each pattern.)

use ehr_client::{
	blobs,
	chain::{Chain, Progress},
	consent::{self, ScopeArg},
	fhir::SeedRecord,
	keys::Identity,
	records, registry,
};
use ehr_primitives::records::{Category, Purpose, RecordId};
use ehr_testnet::{
	campaign::{percentile, Rng},
	node_binary, Network, LOCAL_VALIDATORS,
};
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

/// Records (so blobs) on every node.
const RECORDS: usize = 5;
/// Longest a trial may take to heal before it counts as failed.
const HEAL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug)]
enum Pattern {
	/// 64 random bytes written at a random offset of one or two random blob files.
	RandomBytes,
	/// One bit flipped in a random blob file.
	FlippedBit,
	/// A random blob file cut at a random length.
	Truncated,
	/// A random blob file emptied.
	Emptied,
	/// One or two random blob files deleted.
	Deleted,
	/// Two blob files' contents swapped (each is a valid blob, under the wrong id).
	Swapped,
	/// The whole blob store deleted.
	StoreDeleted,
}

const PATTERNS: [Pattern; 7] = [
	Pattern::RandomBytes,
	Pattern::FlippedBit,
	Pattern::Truncated,
	Pattern::Emptied,
	Pattern::Deleted,
	Pattern::Swapped,
	Pattern::StoreDeleted,
];

fn seed_record(i: usize) -> SeedRecord {
	serde_json::from_value(serde_json::json!({
		"patientId": format!("P-{i:04}"),
		"gender": "female",
		"age": 40 + i,
		"disease": "Hypertension",
		"diagnosis": format!("Blood pressure 15{i}/95 mmHg"),
		"location": "Outpatient clinic, Alice General Hospital",
		"medication": "Amlodipine 5 mg daily",
		"suggestion": "Less salt, more walking",
		"nextReview": "2027-03-01",
		"notes": format!("Visit {i}. {}", "Blood pressure log. ".repeat(40 * i)),
		"date": "2026-12-07",
		"doctor": "Eve",
		"hospitalId": "H-ALICE"
	}))
	.expect("the seed's fields")
}

fn quiet(_: Progress) {}

/// Damages the blob store under `objects` (holding `cids`); says what it did, and which
/// records' blobs it touched.
fn corrupt(
	pattern: Pattern,
	objects: &Path,
	cids: &[String],
	rng: &mut Rng,
) -> (String, Vec<usize>) {
	let file = |i: usize| objects.join(&cids[i]);
	let pick = |rng: &mut Rng| rng.below(cids.len() as u64) as usize;
	match pattern {
		Pattern::RandomBytes => {
			let mut hit = vec![pick(rng), pick(rng)];
			hit.dedup();
			for &i in &hit {
				let mut bytes = std::fs::read(file(i)).expect("blob file");
				let at = rng.below(bytes.len().saturating_sub(64) as u64) as usize;
				for b in bytes.iter_mut().skip(at).take(64) {
					*b = rng.next_u64() as u8;
				}
				std::fs::write(file(i), bytes).expect("write");
			}
			(format!("64 random bytes into {} file(s)", hit.len()), hit)
		}
		Pattern::FlippedBit => {
			let i = pick(rng);
			let mut bytes = std::fs::read(file(i)).expect("blob file");
			let at = rng.below(bytes.len() as u64) as usize;
			bytes[at] ^= 1 << rng.below(8);
			std::fs::write(file(i), bytes).expect("write");
			(format!("a bit flipped at byte {at}"), vec![i])
		}
		Pattern::Truncated => {
			let i = pick(rng);
			let len = std::fs::metadata(file(i)).expect("blob file").len() as usize;
			let cut = rng.below(len as u64) as usize;
			std::fs::OpenOptions::new()
				.write(true)
				.open(file(i))
				.and_then(|f| f.set_len(cut as u64))
				.expect("truncate");
			(format!("cut from {len} to {cut} bytes"), vec![i])
		}
		Pattern::Emptied => {
			let i = pick(rng);
			std::fs::write(file(i), b"").expect("empty");
			("a file emptied".into(), vec![i])
		}
		Pattern::Deleted => {
			let mut hit = vec![pick(rng), pick(rng)];
			hit.dedup();
			for &i in &hit {
				std::fs::remove_file(file(i)).expect("delete");
			}
			(format!("{} file(s) deleted", hit.len()), hit)
		}
		Pattern::Swapped => {
			let a = pick(rng);
			let b = (a + 1 + rng.below(cids.len() as u64 - 1) as usize) % cids.len();
			let (x, y) =
				(std::fs::read(file(a)).expect("blob"), std::fs::read(file(b)).expect("blob"));
			std::fs::write(file(a), y).expect("write");
			std::fs::write(file(b), x).expect("write");
			("two files swapped".into(), vec![a, b])
		}
		Pattern::StoreDeleted => {
			let store = objects.parent().expect("the store's root");
			std::fs::remove_dir_all(store).expect("delete");
			("the whole store deleted".into(), (0..cids.len()).collect())
		}
	}
}

/// How the node found the damage, from its log since byte `from`: the scrub or a read (a
/// file not matching its id), or the reconciliation (a live record's blob missing).
fn detection(node: &ehr_testnet::Node, from: u64) -> &'static str {
	let log = std::fs::read(node.log_path()).unwrap_or_default();
	let log = String::from_utf8_lossy(&log[(from as usize).min(log.len())..]).into_owned();
	if log.contains("damaged blobs set aside") {
		"scrub: set aside, fetched again"
	} else if log.contains("does not match its id") {
		"read: set aside, fetched again"
	} else {
		"reconciliation: missing, fetched"
	}
}

struct Args {
	trials: usize,
	seed: u64,
}

/// `--trials N` and `--seed S`; the test harness's own flags are ignored.
fn args() -> Args {
	let mut args = Args { trials: PATTERNS.len(), seed: 0xb10b_ca4e };
	let given: Vec<String> = std::env::args().skip(1).collect();
	for pair in given.windows(2) {
		match pair[0].as_str() {
			"--trials" => args.trials = pair[1].parse().expect("--trials takes a number"),
			"--seed" => args.seed = pair[1].parse().expect("--seed takes a number"),
			_ => {}
		}
	}
	args
}

fn main() {
	if std::env::args().any(|a| a == "--list") {
		println!("blob_campaign: test");
		return;
	}
	// A test-name filter that does not name this campaign (`cargo test -p ehr-client
	// some_test`): nothing to run here.
	let given: Vec<String> = std::env::args().skip(1).collect();
	let filtered_out = given.iter().enumerate().any(|(i, a)| {
		let is_value = i > 0 && matches!(given[i - 1].as_str(), "--trials" | "--seed");
		!a.starts_with('-') && !is_value && !"blob_campaign".contains(a.as_str())
	});
	if filtered_out {
		return;
	}
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.expect("a tokio runtime");
	runtime.block_on(campaign(args()));
}

async fn campaign(Args { trials, seed }: Args) {
	eprintln!("blob corruption campaign: {trials} trials, seed {seed}");
	let binary = node_binary().expect("node binary");
	// Scrubs and reconciliations every few seconds (the defaults are an hour and five
	// minutes), and reads not limited: the campaign reads often.
	let node_args = [
		"--blob-scrub-interval=2",
		"--blob-reconcile-interval=5",
		"--max-reads-per-record=100000",
		"--max-reads-per-reader=100000",
	];
	let mut network =
		Network::start(&binary, "blob-campaign", "local", &LOCAL_VALIDATORS, &node_args)
			.expect("network starts");
	network.wait_all_finalized(1, Duration::from_secs(90)).expect("the consortium finalizes");
	std::env::set_var("EHR_PINS", network.dir.path().join("pins.json"));
	let alice = Chain::connect(&network.nodes[0].ws_url()).await.expect("client connects");

	let eve = Identity::from_suri("//Eve").expect("doctor");
	let ferdie = Identity::from_suri("//Ferdie").expect("patient");
	for who in [&eve, &ferdie] {
		registry::register_encryption_key(&alice, who, &mut quiet).await.expect("key registered");
	}
	let hospital = Identity::from_suri("//Alice").expect("hospital").account_id();
	consent::grant(
		&alice,
		&ferdie,
		&hospital,
		&ScopeArg::AllRecords,
		Purpose::Treatment,
		None,
		&mut quiet,
	)
	.await
	.expect("treatment grant");
	let mut written: Vec<(RecordId, String)> = Vec::new();
	for i in 0..RECORDS {
		let record = records::write(
			&alice,
			&eve,
			&ferdie.account_id(),
			Category::Encounter,
			&seed_record(i),
			&mut quiet,
		)
		.await
		.expect("record written");
		written.push((record.record, record.cid));
	}
	let cids: Vec<String> = written.iter().map(|(_, cid)| cid.clone()).collect();
	let objects = |network: &Network, node: usize| -> PathBuf {
		network.nodes[node].base_path().join("chains/ehr_local/blobs/objects")
	};
	let good: Vec<Vec<u8>> = {
		let deadline = Instant::now() + Duration::from_secs(90);
		loop {
			let everywhere = (0..network.nodes.len())
				.all(|n| cids.iter().all(|cid| objects(&network, n).join(cid).is_file()));
			if everywhere {
				break;
			}
			assert!(Instant::now() < deadline, "the blobs did not reach every node");
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
		cids.iter()
			.map(|cid| std::fs::read(objects(&network, 0).join(cid)).expect("blob"))
			.collect()
	};

	let mut rng = Rng(seed.max(1));
	let mut rows = Vec::new();
	let mut failures = Vec::new();
	for trial in 0..trials {
		let pattern = PATTERNS[trial % PATTERNS.len()];
		let n = 1 + trial % 3;
		network.nodes[n].stop();
		let log_from = network.nodes[n].log_path().metadata().map_or(0, |m| m.len());
		let (what, hit) = corrupt(pattern, &objects(&network, n), &cids, &mut rng);
		let started = Instant::now();
		network.nodes[n].restart().expect("the node starts again");
		let deadline = started + HEAL_TIMEOUT;
		let healed = loop {
			let files_good = cids.iter().zip(&good).all(|(cid, blob)| {
				std::fs::read(objects(&network, n).join(cid)).ok().as_ref() == Some(blob)
			});
			if files_good {
				// And the node serves the damaged record's blob to its patient.
				let (record, _) = written[hit[0]];
				let read = async {
					let chain = Chain::connect(&network.nodes[n].ws_url()).await.ok()?;
					blobs::get(&chain, &ferdie, record, Purpose::Treatment).await.ok()
				};
				if let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(10), read).await {
					break true;
				}
			}
			if Instant::now() > deadline {
				break false;
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		};
		let seconds = started.elapsed().as_secs_f64();
		let name = network.nodes[n].name().to_owned();
		let detected = detection(&network.nodes[n], log_from);
		if healed {
			eprintln!("trial {trial:>3} {name:<7} {pattern:?}: {what} → {detected} → healed in {seconds:.1} s");
			rows.push((pattern, what, detected, seconds));
		} else {
			eprintln!(
				"trial {trial:>3} {name:<7} {pattern:?}: {what} → NOT HEALED in {} s",
				HEAL_TIMEOUT.as_secs()
			);
			network.nodes[n].print_log_tail(40);
			failures.push(format!("trial {trial} ({pattern:?}: {what})"));
		}
	}

	let mut times: Vec<f64> = rows.iter().map(|r| r.3).collect();
	times.sort_by(f64::total_cmp);
	println!("\n| pattern | damage | detected how | time to healed |\n|---|---|---|---|");
	for (pattern, what, detected, seconds) in &rows {
		println!("| {pattern:?} | {what} | {detected} | {seconds:.1} s |");
	}
	if !times.is_empty() {
		println!(
			"\n{} of {trials} trials healed; time to healed (restart included) p50 {:.1} s, p95 {:.1} s, max {:.1} s",
			rows.len(),
			percentile(&times, 50.0),
			percentile(&times, 95.0),
			times.last().copied().unwrap_or_default()
		);
	}
	assert!(failures.is_empty(), "trials that did not heal:\n{}", failures.join("\n"));
}
