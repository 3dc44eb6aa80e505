// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-release-bench`: key release latency on a local ehr-chain consortium.
//!
//! Starts the four hospital validators of the local consortium on 127.0.0.1 (real
//! `ehr-node` processes), has a doctor write a record, the patient confirm it and grant an
//! insurer payment access, then times `ehr_releaseKey` — from signing the request to the
//! record key in hand (audit entry included in a block, key unwrapped or rebuilt from
//! escrow shares) — for `--releases` requests spread over the four nodes (one of which is
//! the custodian; the others forward to it), `--concurrency` at a time. With
//! `--escrow-releases N` it then stops the custodian's node and times N releases served
//! from escrow shares. Prints p50/p95/p99 and the runtime weight of one release.

use clap::Parser;
use ehr_client::{
	chain::{Chain, Progress},
	consent::{self, ScopeArg},
	fhir::SeedRecord,
	keys::Identity,
	records::{self, Recipient},
	registry,
};
use ehr_primitives::records::{Category, Purpose, RecordId};
use ehr_testnet::Network;
use frame_support::weights::Weight;
use std::{
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

#[derive(Debug, Parser)]
#[command(about = "Key release latency on a local ehr-chain consortium")]
struct Args {
	/// The `ehr-node` binary to run.
	#[arg(long)]
	node: PathBuf,
	/// Releases to time with every node up.
	#[arg(long, default_value_t = 200)]
	releases: usize,
	/// Releases to time with the custodian's node stopped (escrow).
	#[arg(long, default_value_t = 0)]
	escrow_releases: usize,
	/// Releases in flight at once.
	#[arg(long, default_value_t = 8)]
	concurrency: usize,
	/// Write the figures as JSON here.
	#[arg(long)]
	output: Option<PathBuf>,
}

#[derive(serde::Serialize)]
struct Figures {
	releases: usize,
	concurrency: usize,
	failed: usize,
	wall_s: f64,
	per_second: f64,
	p50_ms: f64,
	p95_ms: f64,
	p99_ms: f64,
	max_ms: f64,
}

#[derive(serde::Serialize)]
struct Results {
	all_nodes_up: Figures,
	custodian_down: Option<Figures>,
	/// `records.release_key`'s weight: reference time (ps) and proof size (bytes).
	weight_ref_time_ps: u64,
	weight_proof_size: u64,
	/// Share of a block's normal-class weight one release takes.
	block_share: f64,
}

fn quiet(_: Progress) {}

fn seed() -> SeedRecord {
	serde_json::from_value(serde_json::json!({
		"patientId": "P-BENCH", "gender": "other", "age": 50, "disease": "Hypertension",
		"diagnosis": "BP 152/95 mmHg", "location": "Alice General Hospital",
		"medication": "Amlodipine 5 mg daily", "suggestion": "Less salt",
		"nextReview": "2027-02-01", "notes": "Home readings requested.",
		"date": "2026-12-06", "doctor": "Eve", "hospitalId": "H-ALICE"
	}))
	.expect("seed fields")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
	if sorted.is_empty() {
		return 0.0;
	}
	let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
	sorted[rank.min(sorted.len() - 1)]
}

/// Times `count` releases of `record` to `reader`, round-robin over `chains`.
async fn time_releases(
	chains: Arc<Vec<Chain>>,
	reader: Arc<Identity>,
	record: RecordId,
	count: usize,
	concurrency: usize,
) -> Figures {
	let started = Instant::now();
	let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
	let mut tasks = Vec::new();
	for i in 0..count {
		let (chains, reader, semaphore) = (chains.clone(), reader.clone(), semaphore.clone());
		tasks.push(tokio::spawn(async move {
			let _permit = semaphore.acquire().await.expect("semaphore");
			let chain = &chains[i % chains.len()];
			let start = Instant::now();
			let outcome =
				records::release_key(chain, &reader, record, Purpose::Payment, Recipient::Session)
					.await;
			outcome.map(|_| start.elapsed()).map_err(|e| e.to_string())
		}));
	}
	let mut latencies = Vec::new();
	let mut failed = 0;
	for task in tasks {
		match task.await.expect("task") {
			Ok(elapsed) => latencies.push(elapsed.as_secs_f64() * 1000.0),
			Err(e) => {
				failed += 1;
				eprintln!("release failed: {e}");
			}
		}
	}
	let wall = started.elapsed().as_secs_f64();
	latencies.sort_by(|a, b| a.total_cmp(b));
	Figures {
		releases: count,
		concurrency,
		failed,
		wall_s: wall,
		per_second: latencies.len() as f64 / wall,
		p50_ms: percentile(&latencies, 50.0),
		p95_ms: percentile(&latencies, 95.0),
		p99_ms: percentile(&latencies, 99.0),
		max_ms: latencies.last().copied().unwrap_or(0.0),
	}
}

fn print(label: &str, f: &Figures) {
	println!(
		"{label:<22} {:>5} releases  {:>3} in flight  {:>6.1}/s  p50 {:>7.0} ms  p95 {:>7.0} ms  p99 {:>7.0} ms  max {:>7.0} ms  failed {}",
		f.releases, f.concurrency, f.per_second, f.p50_ms, f.p95_ms, f.p99_ms, f.max_ms, f.failed
	);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
	let args = Args::parse();
	// One reader asks for one record's key again and again: lift the nodes' per-reader
	// read limits, which would otherwise (rightly) stop it.
	let unlimited = ["--max-reads-per-reader", "1000000", "--max-reads-per-record", "1000000"];
	let mut network = Network::start(
		&args.node,
		"release-bench",
		"local",
		&ehr_testnet::LOCAL_VALIDATORS,
		&unlimited,
	)?;
	network.wait_all_finalized(1, Duration::from_secs(120))?;
	std::env::set_var("EHR_PINS", network.dir.path().join("pins.json"));
	let mut chains = Vec::new();
	for node in &network.nodes {
		chains.push(Chain::connect(&node.ws_url()).await.map_err(|e| e.to_string())?);
	}
	let id = |suri: &str| Identity::from_suri(suri).map_err(|e| e.to_string());
	let (eve, ferdie, insurer) = (id("//Eve")?, id("//Ferdie")?, id("//One")?);
	let alice = id("//Alice")?.account_id();
	let chain = &chains[0];
	let fail = |e: ehr_client::Error| e.to_string();
	for who in [&eve, &ferdie, &insurer] {
		registry::register_encryption_key(chain, who, &mut quiet).await.map_err(fail)?;
	}
	for (grantee, purpose) in
		[(alice, Purpose::Treatment), (insurer.account_id(), Purpose::Payment)]
	{
		consent::submit_grant(
			chain,
			&ferdie,
			&grantee,
			&ScopeArg::AllRecords,
			purpose,
			None,
			&mut quiet,
		)
		.await
		.map_err(fail)?;
	}
	let written =
		records::write(chain, &eve, &ferdie.account_id(), Category::Condition, &seed(), &mut quiet)
			.await
			.map_err(fail)?;
	records::confirm(chain, &ferdie, written.record, &mut quiet).await.map_err(fail)?;
	eprintln!("record {} written and confirmed; timing releases", written.record);

	let chains = Arc::new(chains);
	let insurer = Arc::new(insurer);
	let all_up = time_releases(
		chains.clone(),
		insurer.clone(),
		written.record,
		args.releases,
		args.concurrency,
	)
	.await;
	print("all nodes up", &all_up);
	let custodian_down = if args.escrow_releases > 0 {
		network.nodes[0].stop();
		let others =
			Arc::new(running_nodes(&network).await.map_err(|e| format!("reconnecting: {e}"))?);
		let figures =
			time_releases(others, insurer, written.record, args.escrow_releases, args.concurrency)
				.await;
		print("custodian down (escrow)", &figures);
		Some(figures)
	} else {
		None
	};

	let weight: Weight = <pallet_ehr_records::weights::SubstrateWeight<ehr_runtime::Runtime> as pallet_ehr_records::WeightInfo>::release_key();
	let normal = ehr_runtime::configs::RuntimeBlockWeights::get()
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_total
		.unwrap_or(Weight::MAX);
	let block_share = weight.ref_time() as f64 / normal.ref_time() as f64;
	println!(
		"records.release_key weight: {:.1} µs ref time, {} bytes proof: {:.3} % of a block ({:.0} releases per block)",
		weight.ref_time() as f64 / 1e6,
		weight.proof_size(),
		block_share * 100.0,
		1.0 / block_share
	);
	let results = Results {
		all_nodes_up: all_up,
		custodian_down,
		weight_ref_time_ps: weight.ref_time(),
		weight_proof_size: weight.proof_size(),
		block_share,
	};
	if let Some(path) = args.output {
		let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
		std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
	}
	Ok(())
}

/// Connections to the nodes still running.
async fn running_nodes(network: &Network) -> Result<Vec<Chain>, ehr_client::Error> {
	let mut chains = Vec::new();
	for node in network.nodes.iter().filter(|n| n.is_running()) {
		chains.push(Chain::connect(&node.ws_url()).await?);
	}
	Ok(chains)
}
