// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-bench`: record-write throughput and finality latency of a local ehr-chain
//! consortium.
//!
//! Starts the hospital validators on 127.0.0.1 (real `ehr-node` processes) on a benchmark
//! chain — the local consortium's genesis with bench doctors and patients registered —
//! lets every patient grant treatment access, pre-signs record anchors (`records.create`)
//! for every doctor, submits them over WebSocket at a controlled rate, each doctor to its
//! hospital's node, follows the finalized chain and prints offered load, finalized
//! writes/s, p50/p95/p99 submit→finalized and refusals; then the same with a
//! `system.remark` load of the same encoded size as a baseline, and the ratio. The nodes
//! are stopped when it ends, whatever happens.

// A run and the submitter take the run's parameters one by one, as the command line
// gives them; a struct for each would only be unpacked again.
#![allow(clippy::too_many_arguments)]

mod blobs;
mod chain;
mod cost;
mod flood;
mod follow;
mod load;
mod report;

use chain::{Participants, HOSPITALS};
use clap::Parser;
use codec::Encode;
use ehr_primitives::records::Purpose;
use ehr_runtime::{
	signing::{signed_transaction_for, Lifetime},
	AccountId, Nonce, RuntimeCall,
};
use ehr_testnet::{wait_until, Network, RpcClient};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use load::LoadKind;
use report::RunReport;
use sp_core::{Pair, H256};
use std::{
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

#[derive(Debug, Parser)]
#[command(about = "Record-write throughput and finality latency of a local ehr-chain consortium")]
struct Args {
	/// The `ehr-node` binary to run.
	#[arg(long)]
	node: PathBuf,
	/// Hospital validators to start (1 to 4).
	#[arg(long, default_value_t = 4)]
	validators: usize,
	/// Transactions per second to offer; a list gives each load of `--loads` its own rate,
	/// in order, the last repeated (`--loads records,batch --rate 180,31`).
	#[arg(long, value_delimiter = ',', default_value = "500")]
	rate: Vec<u32>,
	/// Seconds of load per run.
	#[arg(long, default_value_t = 60)]
	duration: u64,
	/// Doctors writing (each for its own patient, each signing its own nonces).
	#[arg(long, default_value_t = 64)]
	senders: usize,
	/// The loads to run, in order.
	#[arg(long, value_enum, value_delimiter = ',', default_value = "records")]
	loads: Vec<LoadKind>,
	/// How each sender's transactions go out: in nonce order, each after the node answered
	/// the previous one, or pipelined.
	#[arg(long, value_enum, default_value = "in-order")]
	submission: load::Submission,
	/// Most submissions awaiting the node's answer at once.
	#[arg(long, default_value_t = 512)]
	in_flight: usize,
	/// Seconds to wait for finality after the last submission.
	#[arg(long, default_value_t = 60)]
	drain: u64,
	/// Write the figures as JSON here.
	#[arg(long)]
	output: Option<PathBuf>,
	/// Record anchors the chain holds from genesis on (confirmed, spread over the
	/// participants), to measure whether writes cost more on a chain holding many records.
	#[arg(long, default_value_t = 0)]
	stored_anchors: u32,
	/// Seconds to let the network settle before the first load: after a genesis of many
	/// stored anchors a node is busy for a while with one-off work (the database indexes
	/// the new state, the blob store's first reconciliations), which is not what a chain
	/// of that size costs from then on.
	#[arg(long, default_value_t = 0)]
	warmup: u64,
	/// Only write the benchmark chain spec (for `--validators` and `--senders`) to this file
	/// and exit: to run `ehr-node benchmark block` on a kept run's database, say.
	#[arg(long, value_name = "FILE")]
	write_spec: Option<PathBuf>,
	/// Run every load twice, each on a consortium started afresh: as it is, then while one
	/// more doctor floods the chain with record writes as fast as the chain lets it (see
	/// `flood.rs`); print both, the ratios, and how much the flooder grew the chain against
	/// its budget.
	#[arg(long)]
	flood: bool,
	/// Put each record's encrypted blob (median 8 KiB, p95 256 KiB) on the doctor's node
	/// before its anchor, and follow a sample until every node holds it (replication lag).
	/// The nodes get staging room for a load many times a real doctor's
	/// (`--blob-staging-mib`, `--blob-staging-per-author-mib` 4096 unless given).
	#[arg(long)]
	blobs: bool,
	/// An extra argument for every node (repeat for more), e.g. `--node-arg=--pool-limit=20000`.
	#[arg(long = "node-arg", allow_hyphen_values = true)]
	node_args: Vec<String>,
}

impl Args {
	/// The rate of `kind`'s load: its place in `--loads` picks it from `--rate`.
	fn rate_of(&self, kind: LoadKind) -> u32 {
		let place = self.loads.iter().position(|k| *k == kind).unwrap_or(0);
		let last = self.rate.last().copied().unwrap_or(500);
		self.rate.get(place).copied().unwrap_or(last)
	}
}

#[derive(serde::Serialize)]
struct Results {
	machine: Machine,
	node_args: Vec<String>,
	submission: load::Submission,
	stored_anchors: u32,
	warmup_s: u64,
	runs: Vec<RunReport>,
	/// The flooded runs, with what the flooder did (`--flood`).
	flooded: Vec<FloodedRun>,
	/// Finalized records/s divided by finalized remarks/s, when both ran.
	records_to_remark_ratio: Option<f64>,
}

/// A run under flood, against the same run without.
#[derive(serde::Serialize)]
struct FloodedRun {
	run: RunReport,
	flood: flood::FloodReport,
	/// Honest finalized writes/s under flood over without.
	throughput_ratio: f64,
	/// Honest p95 latency under flood over without.
	p95_ratio: f64,
}

#[derive(serde::Serialize)]
struct Machine {
	cpu: String,
	cores: usize,
	memory_gib: f64,
}

fn machine() -> Machine {
	let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
	let cpu = cpuinfo
		.lines()
		.find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':'])))
		.unwrap_or("unknown")
		.to_string();
	let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
	let kib: f64 = meminfo
		.lines()
		.find_map(|l| l.strip_prefix("MemTotal:"))
		.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
		.unwrap_or(0.0);
	Machine {
		cpu,
		cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
		memory_gib: kib / 1024.0 / 1024.0,
	}
}

fn nonce_at(rpc: &RpcClient, who: &AccountId, at: Option<&str>) -> Result<Nonce, String> {
	rpc.account_nonce(who.as_ref(), at).map_err(|e| e.to_string())
}

/// Every patient grants its doctor's hospital treatment access; waits until all grants
/// are finalized.
fn grant_treatment(
	network: &Network,
	participants: &Participants,
	genesis: H256,
) -> Result<(), String> {
	let rpc = network.nodes[0].rpc();
	let patients = participants.patients_and_hospitals();
	for &(patient, node) in &patients {
		let me = AccountId::from(patient.public());
		let hospital = participants.hospital_of(node);
		let call: RuntimeCall = pallet_ehr_consent::Call::grant {
			patient: me.clone(),
			grantee: hospital,
			scope: pallet_ehr_consent::ScopeRequest::AllRecords,
			purpose: Purpose::Treatment,
			expires_at: None,
		}
		.into();
		let nonce = nonce_at(&rpc, &me, None)?;
		let xt = signed_transaction_for(patient, call, nonce, genesis, mortal(&rpc)?);
		network.nodes[node].rpc().submit_extrinsic(&xt.encode()).map_err(|e| e.to_string())?;
	}
	wait_until(
		"every grant to be finalized",
		Duration::from_secs(120),
		Duration::from_secs(1),
		|| {
			let (_, head) = rpc.finalized_head().map_err(|e| e.to_string())?;
			let mut waiting = 0;
			for (patient, _) in &patients {
				if nonce_at(&rpc, &AccountId::from(patient.public()), Some(&head))? == 0 {
					waiting += 1;
				}
			}
			if waiting == 0 {
				Ok(Some(()))
			} else {
				Err(format!("{waiting} grants not finalized"))
			}
		},
	)
}

/// A lifetime for transactions signed now and submitted over a run: mortal from the
/// finalized head, valid as long as the chain keeps that block's hash (2,400 blocks, 80
/// minutes at 2 s).
pub(crate) fn mortal(rpc: &RpcClient) -> Result<Lifetime, String> {
	let (number, head) = rpc.finalized_head().map_err(|e| e.to_string())?;
	let hash = sp_core::bytes::from_hex(&head)
		.ok()
		.filter(|raw| raw.len() == 32)
		.map(|raw| H256::from_slice(&raw))
		.ok_or_else(|| format!("a block hash that is not 32 bytes of hex: {head}"))?;
	Ok(Lifetime::Mortal { period: 4_096, number, hash })
}

async fn connect(network: &Network) -> Result<Vec<Arc<WsClient>>, String> {
	let mut clients = Vec::new();
	for node in &network.nodes {
		let url = node.rpc().url().replace("http://", "ws://");
		let client = WsClientBuilder::default()
			.max_concurrent_requests(65_536)
			.max_buffer_capacity_per_subscription(65_536)
			.request_timeout(Duration::from_secs(120))
			.build(&url)
			.await
			.map_err(|e| format!("connecting to {url}: {e}"))?;
		clients.push(Arc::new(client));
	}
	Ok(clients)
}

async fn run(
	args: &Args,
	kind: LoadKind,
	network: &Network,
	clients: &[Arc<WsClient>],
	participants: &Participants,
	genesis: H256,
	nonces: &mut [Nonce],
	flooded: bool,
) -> Result<(RunReport, Option<flood::FloodReport>), String> {
	let rpc = network.nodes[0].rpc();
	let rate = args.rate_of(kind);
	let per_doctor = (u64::from(rate) * args.duration).div_ceil(args.senders as u64) as usize;
	let signing = Instant::now();
	let lifetime = mortal(&rpc)?;
	let queues =
		load::presign(kind, participants, genesis, lifetime, nonces, per_doctor, args.blobs);
	let resigner = Arc::new(load::Resigner::new(kind, participants, genesis, lifetime, args.blobs));
	// The next run goes on from here, whatever this one's fate on chain: reusing a nonce
	// still waiting in a pool would make the two runs' transactions replace each other.
	for nonce in nonces.iter_mut() {
		*nonce += per_doctor as Nonce;
	}
	let offered: u64 = queues.iter().map(|q| q.len() as u64).sum();
	eprintln!(
		"[ehr-bench] {kind:?}: {offered} transactions signed in {:.1} s; submitting at {} tx/s",
		signing.elapsed().as_secs_f64(),
		rate
	);

	let cpu_before = cost::nodes_cpu_seconds(network);
	let timings_before = cost::block_timings(network);
	let reorgs_before = cost::reorgs(network);
	let log = Arc::new(Mutex::new(load::SubmitLog::default()));
	let finality = Arc::new(Mutex::new(follow::Finality::default()));
	let submitted = Arc::new(AtomicBool::new(false));
	let from = rpc.finalized_head().map_err(|e| e.to_string())?.0;
	let start = Instant::now();
	let deadline = start + Duration::from_secs(args.duration * 3 + args.drain);
	let all_sent = submitted.clone();
	let drain = Duration::from_secs(args.drain);
	let follower = tokio::spawn(follow::follow(
		clients[0].clone(),
		from,
		log.clone(),
		finality.clone(),
		start,
		// Done when every accepted transaction is finalized, or `drain` seconds after the
		// last submission: what is not finalized by then is reported as lost.
		move |log, finality| {
			all_sent.load(Ordering::Relaxed)
				&& (finality.latencies.len() >= log.sent_at.len()
					|| log.last_sent.is_some_and(|t| t.elapsed() > drain))
		},
		deadline,
	));
	let replication_done = Arc::new(AtomicBool::new(false));
	let (sampler, replication) = if args.blobs {
		let (sampler, task) = blobs::follow_replication(
			clients.to_vec(),
			replication_done.clone(),
			Duration::from_secs(args.drain),
		);
		(Some(sampler), Some(task))
	} else {
		(None, None)
	};
	let stop_flood = Arc::new(AtomicBool::new(false));
	let flooder = match (&participants.flooder, flooded) {
		(Some((doctor, patient)), true) => {
			let (rpc, doctor, stop) = (rpc.clone(), doctor.clone(), stop_flood.clone());
			let patient = AccountId::from(patient.public());
			Some(std::thread::spawn(move || flood::run(rpc, doctor, patient, genesis, stop)))
		}
		_ => None,
	};
	load::submit(
		clients,
		participants,
		queues,
		resigner,
		load::Schedule {
			rate,
			mode: args.submission,
			in_flight: args.in_flight,
			busy_until: start + Duration::from_secs(args.duration),
			blobs: sampler,
		},
		log.clone(),
	)
	.await;
	submitted.store(true, Ordering::Relaxed);
	stop_flood.store(true, Ordering::Relaxed);
	eprintln!(
		"[ehr-bench] all submitted after {:.1} s; waiting for finality",
		start.elapsed().as_secs_f64()
	);
	follower.await.map_err(|e| e.to_string())??;
	let cpu_seconds = cost::nodes_cpu_seconds(network) - cpu_before;
	let timings = cost::block_timings(network).since(&timings_before);
	replication_done.store(true, Ordering::Relaxed);
	let samples = match replication {
		Some(task) => task.await.map_err(|e| e.to_string())?,
		None => Vec::new(),
	};
	let reorgs = cost::reorgs(network) - reorgs_before;
	let flood = match flooder {
		Some(thread) => Some(thread.join().map_err(|_| "the flooder panicked".to_string())??),
		None => None,
	};

	let log = log.lock().expect("not poisoned");
	// A sender that stopped at a refusal sent none of its later nonces: its next run starts
	// at the first the chain did not take.
	for (doctor, nonce) in &log.stopped_at {
		nonces[*doctor] = *nonce;
	}
	let finality = finality.lock().expect("not poisoned");
	let mut report = report::summarize(
		kind,
		args.validators,
		args.senders,
		rate,
		args.duration,
		offered,
		&log,
		&finality,
	);
	report.node_cpu_s = cpu_seconds;
	report.node_cpu_s_per_1000_records =
		cpu_seconds * 1000.0 / report.records_created.max(1) as f64;
	report.reorgs = reorgs;
	report.mean_block_build_s = timings.mean_build();
	report.mean_block_import_s = timings.mean_import();
	if args.blobs {
		report.blobs = Some(report::blob_figures(&log, &finality, &samples));
	}
	Ok((report, flood))
}

/// The local consortium a run goes to: the nodes, a WebSocket client of each, and the
/// doctors' next nonces.
struct Consortium {
	network: Network,
	clients: Vec<Arc<WsClient>>,
	genesis: H256,
	nonces: Vec<Nonce>,
}

impl Consortium {
	/// Starts the validators on a fresh benchmark chain and lets every patient grant.
	async fn start(args: &Args, participants: &Participants) -> Result<Self, String> {
		let spec = std::env::temp_dir().join(format!("ehr-bench-{}.json", std::process::id()));
		chain::write_spec(&args.node, participants, args.stored_anchors, &spec)?;
		let mut node_args: Vec<&str> = args.node_args.iter().map(String::as_str).collect();
		for flag in ["--blob-staging-mib", "--blob-staging-per-author-mib"] {
			if args.blobs && !args.node_args.iter().any(|arg| arg.starts_with(flag)) {
				node_args.extend([flag, "4096"]);
			}
		}
		// A node builds its genesis state before it answers: allow for the stored anchors
		// (measured: well under a millisecond each).
		let start_timeout = Duration::from_secs(60 + u64::from(args.stored_anchors) / 1000);
		let network = Network::start_with_timeout(
			&args.node,
			"bench",
			spec.to_str().ok_or("a temp path that is not UTF-8")?,
			&HOSPITALS[..args.validators],
			&node_args,
			start_timeout,
		);
		let _ = std::fs::remove_file(&spec);
		let network = network?;
		network.wait_all_finalized(1, Duration::from_secs(120))?;
		eprintln!("[ehr-bench] {} validator(s) finalizing", args.validators);
		let rpc = network.nodes[0].rpc();
		let genesis = H256(rpc.genesis_hash().map_err(|e| e.to_string())?);
		if args.loads.iter().any(|kind| kind.anchors_records()) {
			grant_treatment(&network, participants, genesis)?;
			eprintln!(
				"[ehr-bench] {} patients granted treatment access",
				participants.patients.len()
			);
		}
		let clients = connect(&network).await?;
		let nonces = participants
			.doctors
			.iter()
			.map(|d| nonce_at(&rpc, &AccountId::from(d.public()), None))
			.collect::<Result<Vec<_>, _>>()?;
		if args.warmup > 0 {
			eprintln!("[ehr-bench] letting the network settle for {} s", args.warmup);
			tokio::time::sleep(Duration::from_secs(args.warmup)).await;
		}
		Ok(Self { network, clients, genesis, nonces })
	}

	async fn run(
		&mut self,
		args: &Args,
		kind: LoadKind,
		participants: &Participants,
		flooded: bool,
	) -> Result<(RunReport, Option<flood::FloodReport>), String> {
		run(
			args,
			kind,
			&self.network,
			&self.clients,
			participants,
			self.genesis,
			&mut self.nonces,
			flooded,
		)
		.await
	}
}

async fn bench(args: Args) -> Result<(), String> {
	if !(1..=HOSPITALS.len()).contains(&args.validators) {
		return Err(format!("--validators must be 1 to {}", HOSPITALS.len()));
	}
	if args.senders == 0 || args.rate.contains(&0) || args.duration == 0 {
		return Err("--senders, --rate and --duration must be positive".into());
	}
	let participants = Participants::new(args.senders, args.validators, args.flood);
	if let Some(path) = &args.write_spec {
		chain::write_spec(&args.node, &participants, args.stored_anchors, path)?;
		eprintln!("[ehr-bench] benchmark chain spec written to {}", path.display());
		return Ok(());
	}
	let mut runs = Vec::new();
	let mut flooded = Vec::new();
	let mut consortium = Consortium::start(&args, &participants).await?;
	for kind in &args.loads {
		let (report, _) = consortium.run(&args, *kind, &participants, false).await?;
		report.print();
		if args.flood {
			// On a consortium of its own, started from the same genesis: a chain that has
			// just taken a minute of load is slower for a while (its state grew, its
			// database compacts), which would be charged to the flood.
			eprintln!("[ehr-bench] {kind:?} again on a fresh consortium, while one doctor floods");
			drop(consortium);
			consortium = Consortium::start(&args, &participants).await?;
			let (under_flood, flood) = consortium.run(&args, *kind, &participants, true).await?;
			let flood = flood.ok_or("the flooded run had no flooder")?;
			under_flood.print();
			let compared = FloodedRun {
				throughput_ratio: under_flood.finalized_rate / report.finalized_rate,
				p95_ratio: under_flood.latency_p95_s / report.latency_p95_s,
				run: under_flood,
				flood,
			};
			println!(
				"under flood: honest finalized/s ×{:.2}, p95 ×{:.2}, {} honest writes lost; the \
				 flooder sent {} ({} accepted, refused {:?}), the chain took {} writes, {} bytes \
				 in {:.0} s (its budget: {} writes, {} bytes)",
				compared.throughput_ratio,
				compared.p95_ratio,
				compared.run.accepted_not_finalized,
				compared.flood.attempted,
				compared.flood.accepted,
				compared.flood.refused,
				compared.flood.included,
				compared.flood.included_bytes,
				compared.flood.duration_s,
				compared.flood.budget_transactions,
				compared.flood.budget_bytes,
			);
			flooded.push(compared);
			if kind != args.loads.last().expect("the loop runs over it") {
				drop(consortium);
				consortium = Consortium::start(&args, &participants).await?;
			}
		}
		runs.push(report);
	}
	drop(consortium);
	let rate_of = |kind| runs.iter().find(|r| r.load == kind).map(|r| r.finalized_rate);
	let ratio = match (rate_of(LoadKind::Records), rate_of(LoadKind::Remark)) {
		(Some(records), Some(remark)) if remark > 0.0 => Some(records / remark),
		_ => None,
	};
	if let Some(ratio) = ratio {
		println!("records / remark finalized throughput: {ratio:.2}");
	}
	let results = Results {
		machine: machine(),
		node_args: args.node_args.clone(),
		submission: args.submission,
		stored_anchors: args.stored_anchors,
		warmup_s: args.warmup,
		runs,
		flooded,
		records_to_remark_ratio: ratio,
	};
	if let Some(path) = &args.output {
		let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
		std::fs::write(path, json).map_err(|e| format!("writing {}: {e}", path.display()))?;
		eprintln!("[ehr-bench] figures written to {}", path.display());
	}
	Ok(())
}

#[tokio::main]
async fn main() {
	let args = Args::parse();
	if let Err(e) = bench(args).await {
		eprintln!("ehr-bench: {e}");
		std::process::exit(1);
	}
}
