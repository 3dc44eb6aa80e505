// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The corruption campaign: self-healing must hold for corruption nobody thought of, not
//! only for the patterns of `fault_database.rs`.
//!
//! On the four-validator local network, under a load of record writes, each trial stops
//! one validator, applies one corruption drawn (seeded, reproducibly) from a wide family
//! to its database, starts it again and requires that it reaches the others' finalized
//! head, agrees with them on that block's hash and state root and on the records in its
//! finalized state — with no step but what a process supervisor does (start the node
//! again if it exits). Prints, per trial: pattern → how it was detected → time to healed,
//! then the p95.
//!
//!   cargo test -p ehr-node --test corruption_campaign -- --trials 100 --seed 7
//!   cargo test -p ehr-node --test corruption_campaign -- --trials 3 --pattern EveryFileMiddle
//!
//! (`scripts/test.sh` runs a CI-sized campaign: one trial of each pattern.)

mod common;

use common::{finalized_records, grant_treatment, RecordLoad};
use ehr_testnet::{
	campaign::{percentile, Rng},
	wait_until, Network, Node, RpcClient,
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Eve, Ferdie};
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

/// Trials of a CI run: each pattern once.
const CI_TRIALS: u32 = PATTERNS.len() as u32;
/// Longest a trial may take to heal before it counts as failed.
const HEAL_TIMEOUT: Duration = Duration::from_secs(240);
/// Starts a supervisor gives a node within one trial.
const SUPERVISOR_STARTS: u32 = 5;

/// One way a stopped node's database gets damaged.
#[derive(Clone, Copy, Debug)]
enum Pattern {
	/// 64 KiB of random bytes at a random offset of each of several random files.
	RandomBytes,
	/// 64 KiB of random bytes into the middle of every data file, the metadata left
	/// intact so that the database opens (how ParityDB was first seen to panic in the
	/// check).
	EveryFileMiddle,
	/// Random single bytes flipped across random files.
	FlippedBytes,
	/// A random file cut at a random length.
	Truncated,
	/// Random 4 KiB pages of random files zeroed.
	ZeroedPages,
	/// A random file deleted.
	DeletedFile,
	/// Two files' contents swapped.
	SwappedFiles,
	/// Every file of one column deleted.
	ColumnRemoved,
	/// The metadata file overwritten with noise.
	MetadataGarbled,
	/// The whole database directory deleted.
	DatabaseDeleted,
}

const PATTERNS: [Pattern; 10] = [
	Pattern::RandomBytes,
	Pattern::EveryFileMiddle,
	Pattern::FlippedBytes,
	Pattern::Truncated,
	Pattern::ZeroedPages,
	Pattern::DeletedFile,
	Pattern::SwappedFiles,
	Pattern::ColumnRemoved,
	Pattern::MetadataGarbled,
	Pattern::DatabaseDeleted,
];

fn database_dir(node: &Node) -> PathBuf {
	node.config.base_path.join("chains/ehr_local/paritydb/full")
}

/// The database's data files (not its lock), sorted for reproducibility.
fn data_files(database: &Path) -> Vec<PathBuf> {
	let mut files: Vec<PathBuf> = std::fs::read_dir(database)
		.map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
		.unwrap_or_default();
	files.retain(|p| {
		p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n != "lock")
	});
	files.sort();
	files
}

fn noise(rng: &mut Rng, len: usize) -> Vec<u8> {
	(0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Applies `pattern` to `database`; returns what exactly was done.
fn corrupt(pattern: Pattern, database: &Path, rng: &mut Rng) -> String {
	let files = data_files(database);
	let non_empty: Vec<&PathBuf> =
		files.iter().filter(|p| p.metadata().map_or(0, |m| m.len()) > 0).collect();
	let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
	let pick = |rng: &mut Rng| non_empty[rng.below(non_empty.len() as u64) as usize].clone();
	match pattern {
		Pattern::RandomBytes | Pattern::FlippedBytes | Pattern::ZeroedPages => {
			let mut touched = Vec::new();
			for _ in 0..1 + rng.below(3) {
				let path = pick(rng);
				let mut bytes = std::fs::read(&path).expect("read");
				let len = bytes.len();
				let (what, span) = match pattern {
					Pattern::RandomBytes => ("64 KiB noise", 64 * 1024),
					Pattern::ZeroedPages => ("4 KiB zeroed", 4096),
					_ => ("a byte flipped", 1),
				};
				let count = if span == 1 { 1 + rng.below(16) } else { 1 };
				for _ in 0..count {
					let start = rng.below(len as u64) as usize;
					let end = (start + span).min(len);
					match pattern {
						Pattern::ZeroedPages => bytes[start..end].fill(0),
						Pattern::FlippedBytes => bytes[start] ^= 1 << rng.below(8),
						_ => bytes[start..end].copy_from_slice(&noise(rng, end - start)),
					}
					touched.push(format!("{} @{start} ({what})", name(&path)));
				}
				std::fs::write(&path, bytes).expect("write");
			}
			touched.join(", ")
		}
		Pattern::EveryFileMiddle => {
			let data: Vec<&&PathBuf> = non_empty.iter().filter(|p| name(p) != "metadata").collect();
			for path in &data {
				let mut bytes = std::fs::read(path).expect("read");
				let start = bytes.len() / 2;
				let end = (start + 64 * 1024).min(bytes.len());
				bytes[start..end].copy_from_slice(&noise(rng, end - start));
				std::fs::write(path, bytes).expect("write");
			}
			format!("{} files, 64 KiB noise in the middle of each", data.len())
		}
		Pattern::Truncated => {
			let path = pick(rng);
			let len = path.metadata().expect("metadata").len();
			let cut = rng.below(len);
			std::fs::OpenOptions::new()
				.write(true)
				.open(&path)
				.and_then(|f| f.set_len(cut))
				.expect("truncate");
			format!("{} cut from {len} to {cut} bytes", name(&path))
		}
		Pattern::DeletedFile => {
			let path = pick(rng);
			std::fs::remove_file(&path).expect("delete");
			format!("{} deleted", name(&path))
		}
		Pattern::SwappedFiles => {
			let (a, b) = (pick(rng), pick(rng));
			let (bytes_a, bytes_b) =
				(std::fs::read(&a).expect("read"), std::fs::read(&b).expect("read"));
			std::fs::write(&a, bytes_b).expect("write");
			std::fs::write(&b, bytes_a).expect("write");
			format!("{} and {} swapped", name(&a), name(&b))
		}
		Pattern::ColumnRemoved => {
			// ParityDB names a column's files `index_CC_*` and `table_CC_*`.
			let mut columns: Vec<String> = files
				.iter()
				.filter_map(|p| {
					let n = name(p);
					let rest = n.strip_prefix("index_").or_else(|| n.strip_prefix("table_"))?;
					Some(rest.get(..2)?.to_string())
				})
				.collect();
			columns.sort();
			columns.dedup();
			if columns.is_empty() {
				return corrupt(Pattern::DatabaseDeleted, database, rng);
			}
			let column = columns[rng.below(columns.len() as u64) as usize].clone();
			let mut removed = 0;
			for path in &files {
				let n = name(path);
				if n.starts_with(&format!("index_{column}_"))
					|| n.starts_with(&format!("table_{column}_"))
				{
					std::fs::remove_file(path).expect("delete");
					removed += 1;
				}
			}
			format!("column {column}: {removed} files deleted")
		}
		Pattern::MetadataGarbled => {
			let path = database.join("metadata");
			let len = path.metadata().map_or(256, |m| m.len() as usize);
			std::fs::write(&path, noise(rng, len)).expect("write");
			format!("metadata ({len} bytes) garbled")
		}
		Pattern::DatabaseDeleted => {
			std::fs::remove_dir_all(database).expect("delete");
			"database directory deleted".into()
		}
	}
}

/// The node log written since byte `from`.
fn log_since(node: &Node, from: u64) -> String {
	let text = std::fs::read(node.log_path()).unwrap_or_default();
	String::from_utf8_lossy(&text[(from as usize).min(text.len())..]).into_owned()
}

/// How the damage showed, from the node's log since the trial began.
fn detection(log: &str, database_left: bool) -> String {
	let Some(line) = log.lines().find(|l| l.contains("failed its integrity check: ")) else {
		return if database_left {
			"not detected (nothing the node reads was hit)".into()
		} else {
			"no database: synced from peers".into()
		};
	};
	let reason = line.split("failed its integrity check: ").nth(1).unwrap_or(line);
	let reason = reason.split(". Quarantining").next().unwrap_or(reason);
	reason.chars().take(110).collect()
}

/// Whether `node` is on `reference`'s chain up to `reference`'s finalized head at the
/// time of the call: the same block hash and state root there.
fn agrees(node: &RpcClient, reference: &RpcClient, target: u32) -> Result<Option<()>, String> {
	let (number, _) = node.finalized_head().map_err(|e| e.to_string())?;
	if number < target {
		return Err(format!("at #{number}, target #{target}"));
	}
	let hash = reference.block_hash(target).map_err(|e| e.to_string())?.ok_or("no hash")?;
	let ours = node.block_hash(target).map_err(|e| e.to_string())?.ok_or("no hash")?;
	if ours != hash {
		return Err(format!("#{target} is {ours} here, {hash} at the reference"));
	}
	let root = |rpc: &RpcClient| rpc.header(&hash).map(|h| h["stateRoot"].clone());
	if root(node).map_err(|e| e.to_string())? != root(reference).map_err(|e| e.to_string())? {
		return Err(format!("state roots differ at #{target}"));
	}
	Ok(Some(()))
}

/// Starts `node` and keeps it started, as a supervisor would, until it agrees with
/// `reference`. Returns the starts it took, or why it did not heal.
fn heal(node: &mut Node, reference: &RpcClient) -> Result<u32, String> {
	let target = reference.finalized_head().map_err(|e| e.to_string())?.0;
	let deadline = Instant::now() + HEAL_TIMEOUT;
	let mut starts = 0;
	loop {
		if !node.is_running() {
			if starts == SUPERVISOR_STARTS {
				return Err(format!("still exiting after {starts} starts"));
			}
			starts += 1;
			if let Err(e) = node.restart() {
				eprintln!("  start {starts} failed: {e}");
				node.exited();
				continue;
			}
		}
		let left = deadline.saturating_duration_since(Instant::now());
		if left.is_zero() {
			return Err(format!("not healed within {} s", HEAL_TIMEOUT.as_secs()));
		}
		let rpc = node.rpc();
		let result = wait_until(
			"agreement",
			left.min(Duration::from_secs(5)),
			Duration::from_millis(250),
			|| agrees(&rpc, reference, target),
		);
		if result.is_ok() {
			return Ok(starts);
		}
		if let Some(status) = node.exited() {
			eprintln!("  the node exited ({status}); the supervisor starts it again");
		}
	}
}

struct Args {
	trials: u32,
	seed: u64,
	/// Only this pattern (by name), to reproduce one.
	only: Option<String>,
}

/// `--trials N` and `--seed S`; the test harness's own flags (`--nocapture`, ...) are ignored.
fn args() -> Args {
	let mut args = Args {
		trials: std::env::var("EHR_CAMPAIGN_TRIALS")
			.ok()
			.and_then(|v| v.parse().ok())
			.unwrap_or(CI_TRIALS),
		seed: 0x5eed_ca4e,
		only: None,
	};
	let given: Vec<String> = std::env::args().skip(1).collect();
	for pair in given.windows(2) {
		match pair[0].as_str() {
			"--trials" => args.trials = pair[1].parse().expect("--trials takes a number"),
			"--seed" => args.seed = pair[1].parse().expect("--seed takes a number"),
			"--pattern" => args.only = Some(pair[1].clone()),
			_ => {}
		}
	}
	args
}

fn main() {
	let Args { trials, seed, only } = args();
	let patterns: Vec<Pattern> = PATTERNS
		.into_iter()
		.filter(|p| only.as_ref().is_none_or(|name| format!("{p:?}") == *name))
		.collect();
	assert!(!patterns.is_empty(), "no pattern named {only:?}; the patterns: {PATTERNS:?}");
	// `cargo test --list` and filters that name another test: nothing to run here.
	if std::env::args().any(|a| a == "--list") {
		println!("corruption_campaign: test");
		return;
	}
	eprintln!("corruption campaign: {trials} trials, seed {seed}");
	let mut rng = Rng(seed.max(1));
	let mut network = Network::start_local(Path::new(NODE), "campaign").expect("network starts");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality");
	let reference = network.nodes[0].rpc();
	let genesis = H256(reference.genesis_hash().expect("genesis"));
	grant_treatment(&reference, genesis, &Ferdie.pair(), Alice.to_account_id());
	let mut load =
		RecordLoad::start(reference.clone(), genesis, Eve.pair(), Ferdie.to_account_id(), 3);
	std::thread::sleep(Duration::from_secs(12));

	let mut rows = Vec::new();
	let mut failures = Vec::new();
	for trial in 0..trials {
		// Every pattern in turn, on the three validators that are not the reference; the
		// draw decides which files, where and how much.
		let pattern = patterns[trial as usize % patterns.len()];
		let node = &mut network.nodes[1 + (trial as usize % 3)];
		node.stop();
		let log_from = node.log_path().metadata().map_or(0, |m| m.len());
		let what = corrupt(pattern, &database_dir(node), &mut rng);
		let database_left = database_dir(node).exists();
		let started = Instant::now();
		let outcome = heal(node, &reference);
		let seconds = started.elapsed().as_secs_f64();
		let detected = detection(&log_since(node, log_from), database_left);
		match outcome {
			Ok(starts) => {
				eprintln!(
					"trial {trial:>3} {:<7} {pattern:?}: {what} → {detected} → healed in {seconds:.1} s ({starts} start{})",
					node.name(),
					if starts == 1 { "" } else { "s" }
				);
				rows.push((pattern, detected, seconds, starts));
			}
			Err(why) => {
				eprintln!(
					"trial {trial:>3} {:<7} {pattern:?}: {what} → {detected} → NOT HEALED: {why}",
					node.name()
				);
				node.print_log_tail(40);
				failures.push(format!("trial {trial} ({pattern:?}: {what}): {why}"));
				// Start the next trial from a sound node.
				node.stop();
				let _ = std::fs::remove_dir_all(database_dir(node));
				let _ = heal(node, &reference);
			}
		}
	}
	load.stop();

	// The healed nodes hold the same records as the reference.
	let records = finalized_records(&reference, &Ferdie.to_account_id()).expect("records");
	for node in &network.nodes[1..] {
		let theirs = finalized_records(&node.rpc(), &Ferdie.to_account_id()).expect("records");
		assert_eq!(theirs[..], records[..theirs.len()], "{} holds other records", node.name());
	}

	let mut times: Vec<f64> = rows.iter().map(|r| r.2).collect();
	times.sort_by(f64::total_cmp);
	println!("\n| pattern | detected how | time to healed | starts |\n|---|---|---|---|");
	for (pattern, detected, seconds, starts) in &rows {
		println!("| {pattern:?} | {detected} | {seconds:.1} s | {starts} |");
	}
	if !times.is_empty() {
		println!(
			"\n{} of {trials} trials healed; time to healed p50 {:.1} s, p95 {:.1} s, max {:.1} s",
			rows.len(),
			percentile(&times, 50.0),
			percentile(&times, 95.0),
			times.last().copied().unwrap_or_default()
		);
	}
	assert!(failures.is_empty(), "trials that did not heal:\n{}", failures.join("\n"));
}
