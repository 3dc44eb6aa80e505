// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The four hospitals on separate hosts: each node in a network namespace of its own
//! (ehr_testnet::Hosts), reaching the others only over the test's bridge, every link
//! rate-limited to 20 Mbit/s each way (`tc ... tbf`). Under a load of record writes:
//! - the block and finality times over those links are measured and printed;
//! - one hospital's link is cut for 60 s: the three others keep finalizing, the fourth
//!   catches up once the link is back, and no record acknowledged as finalized is lost;
//! - meanwhile a pruned, warp-synced, non-validating node of one hospital joins late (the
//!   hospital authorizes its key on chain first) and serves the `ehr` client;
//! - then another validator is killed (SIGKILL) and restarted: it rejoins on the same
//!   finalized chain, and no record acknowledged before the kill is lost.
//!
//! No latency or loss is injected: this machine's kernel has no `netem`.
//!
//! Needs root (network namespaces); elsewhere it says loudly why it did not run.

mod common;

use common::{counts, finalized_records, grant_treatment, submit_finalized, RecordLoad};
use ehr_runtime::RuntimeCall;
use ehr_testnet::{
	wait_until, Hosts, Network, Node, NodeConfig, OnHost, RpcClient, LOCAL_VALIDATORS,
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Eve, Ferdie};
use std::{
	path::Path,
	process::Command,
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");
const RATE: &str = "20mbit";
const CUT: Duration = Duration::from_secs(60);

/// The `p`-th percentile (0-100) of `values`, nearest rank.
fn percentile(values: &mut [f64], p: usize) -> f64 {
	values.sort_by(f64::total_cmp);
	let rank = (values.len() * p).div_ceil(100).max(1) - 1;
	values.get(rank.min(values.len().saturating_sub(1))).copied().unwrap_or(f64::NAN)
}

/// Watches `rpc` for `duration`: the time between blocks (first seen at the best head),
/// and from a block's first sight to its finality, in seconds.
fn block_and_finality_times(rpc: &RpcClient, duration: Duration) -> (Vec<f64>, Vec<f64>) {
	let start = Instant::now();
	let mut seen: Vec<(u32, f64)> = Vec::new();
	let mut finality = Vec::new();
	let mut finalized_upto = rpc.finalized_head().expect("head").0;
	while start.elapsed() < duration {
		let now = start.elapsed().as_secs_f64();
		let best = rpc.best_number().expect("best");
		if seen.last().is_none_or(|(number, _)| best > *number) {
			seen.push((best, now));
		}
		let (finalized, _) = rpc.finalized_head().expect("head");
		for number in finalized_upto + 1..=finalized {
			if let Some((_, at)) = seen.iter().find(|(n, _)| *n == number) {
				finality.push(now - at);
			}
		}
		finalized_upto = finalized_upto.max(finalized);
		std::thread::sleep(Duration::from_millis(200));
	}
	let blocks =
		seen.windows(2).filter(|w| w[1].0 == w[0].0 + 1).map(|w| w[1].1 - w[0].1).collect();
	(blocks, finality)
}

/// Waits (at most 120 s) until node `index` has finalized the height `reference` has
/// finalized now; returns that height.
fn catch_up(network: &Network, index: usize, reference: &RpcClient) -> u32 {
	let target = reference.finalized_head().expect("head").0;
	let node = &network.nodes[index];
	wait_until(
		&format!("{} to catch up to #{target}", node.name()),
		Duration::from_secs(120),
		Duration::from_millis(500),
		|| {
			let (number, _) = node.rpc().finalized_head().map_err(|e| e.to_string())?;
			Ok((number >= target).then_some(()))
		},
	)
	.unwrap_or_else(|e| panic!("{e}"));
	target
}

#[test]
fn four_hospitals_on_separate_hosts_ride_out_a_cut_link() {
	let hosts = match Hosts::create(5) {
		Ok(hosts) => hosts,
		Err(e) => {
			eprintln!("SKIPPED four_hospitals_on_separate_hosts: cannot make network namespaces here (root is needed): {e}");
			return;
		}
	};
	hosts.limit_rate(RATE).expect("rate-limited links");
	let mut network =
		Network::start_on_hosts(Path::new(NODE), "hosts", "local", &LOCAL_VALIDATORS, &[], &hosts)
			.expect("four validators, each on its own host");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality across the bridge");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	grant_treatment(&rpc, genesis, &Ferdie.pair(), Alice.to_account_id());
	let patient = Ferdie.to_account_id();

	// Alice's hospital authorizes a further node of its own: the late joiner.
	let mut late = NodeConfig::new(Path::new(NODE), network.dir.path(), "local", "late", 9)
		.expect("late joiner's config");
	late.validator_key = None;
	late.host = Some(OnHost { netns: hosts.netns(4), ip: hosts.ip(4) });
	late.bootnodes = network.nodes.iter().map(Node::p2p_address).collect();
	late.extra_args = ["--sync", "warp", "--state-pruning", "256", "--blocks-pruning", "256"]
		.map(String::from)
		.to_vec();
	let output = Command::new(NODE)
		.args([
			"node-key-proof",
			"--hospital",
			&Alice.to_account_id().to_string(),
			"--node-key-file",
		])
		.arg(&late.node_key_file)
		.output()
		.expect("node-key-proof");
	let proof: serde_json::Value = serde_json::from_slice(&output.stdout).expect("proof JSON");
	let bytes = |key: &str| ehr_testnet::hex_decode(proof[key].as_str().expect(key)).expect("hex");
	let call = RuntimeCall::Consortium(pallet_ehr_consortium::Call::add_node {
		node: bytes("node"),
		proof: bytes("proof").try_into().expect("64 bytes"),
	});
	submit_finalized(&rpc, genesis, &Alice.pair(), call);

	let mut load = RecordLoad::start(rpc.clone(), genesis, Eve.pair(), patient.clone(), 4);
	let (mut blocks, mut finality) = block_and_finality_times(&rpc, Duration::from_secs(20));
	eprintln!(
		"over {RATE} links under load: block time p50 {:.2} s, p95 {:.2} s ({} blocks); \
		 finality p50 {:.2} s, p95 {:.2} s",
		percentile(&mut blocks, 50),
		percentile(&mut blocks, 95),
		blocks.len(),
		percentile(&mut finality, 50),
		percentile(&mut finality, 95)
	);

	// Dave's link is cut.
	hosts.cut(3).expect("cut");
	let cut = Instant::now();
	let acknowledged = finalized_records(&rpc, &patient).expect("records");
	let (at_cut, _) = rpc.finalized_head().expect("head");
	eprintln!(
		"dave's link cut at finalized #{at_cut}; {} records acknowledged",
		acknowledged.len()
	);
	assert!(!acknowledged.is_empty(), "the load wrote nothing");

	// The late joiner starts during the cut, from the three reachable hospitals.
	let joined = Instant::now();
	let late = Node::start(late).expect("the late joiner starts");
	let late_rpc = late.rpc();
	network.nodes.push(late);
	let mut synced = None;
	while cut.elapsed() < CUT {
		let (ours, _) = rpc.finalized_head().expect("head");
		if synced.is_none() && late_rpc.finalized_head().is_ok_and(|(theirs, _)| theirs + 1 >= ours)
		{
			synced = Some(joined.elapsed());
		}
		std::thread::sleep(Duration::from_millis(500));
	}
	let synced = synced.expect("the late joiner synced within the cut");
	eprintln!(
		"a pruned node warp-synced to the finalized head {:.1} s after it started",
		synced.as_secs_f64()
	);

	let (finalized, _) = rpc.finalized_head().expect("head");
	let (on_dave, _) = network.nodes[3].rpc().finalized_head().expect("dave answers");
	eprintln!(
		"after {} s cut: the three finalized #{at_cut} → #{finalized}; dave at #{on_dave}",
		CUT.as_secs()
	);
	assert!(finalized >= at_cut + 10, "finality continued on the three");
	hosts.restore(3).expect("restore");
	let restored = Instant::now();
	let target = catch_up(&network, 3, &rpc);
	eprintln!(
		"dave caught up to #{target} {:.1} s after its link came back",
		restored.elapsed().as_secs_f64()
	);

	// Charlie's process is killed (SIGKILL, as a crash or a power loss would) under the
	// same load, and restarted 10 s later: it rejoins on the same finalized chain.
	network.nodes[2].kill();
	let killed = Instant::now();
	let acknowledged_at_kill = finalized_records(&rpc, &patient).expect("records");
	std::thread::sleep(Duration::from_secs(10));
	network.nodes[2].restart().expect("charlie restarts");
	let target = catch_up(&network, 2, &rpc);
	eprintln!(
		"charlie, killed under load, back at finalized #{target} {:.1} s after the kill (10 s of it down)",
		killed.elapsed().as_secs_f64()
	);

	let submitted = load.stop();
	// Let what was submitted last be finalized.
	std::thread::sleep(Duration::from_secs(12));
	let height =
		network.nodes.iter().map(|n| n.rpc().finalized_head().expect("head").0).min().unwrap();
	let hash = rpc.block_hash(height).expect("rpc");
	for node in &network.nodes {
		assert_eq!(node.rpc().block_hash(height).expect("rpc"), hash, "{} disagrees", node.name());
	}
	// Every record acknowledged before the fault is on the node that had it, once.
	let check = |index: usize, before: &[[u8; 32]]| {
		let node = &network.nodes[index];
		let records = counts(&finalized_records(&node.rpc(), &patient).expect("records"));
		for record in before {
			assert_eq!(
				records.get(record),
				Some(&1),
				"an acknowledged record is lost or doubled on {}",
				node.name()
			);
		}
		assert!(records.values().all(|n| *n == 1), "a record is finalized twice");
		records.len()
	};
	let finalized = check(3, &acknowledged);
	assert_eq!(check(2, &acknowledged_at_kill), finalized, "charlie and dave agree");
	eprintln!(
		"{} records submitted, {} finalized; all {} acknowledged before the cut present once on \
		 dave, all {} acknowledged before the kill present once on charlie",
		submitted.len(),
		finalized,
		acknowledged.len(),
		acknowledged_at_kill.len()
	);

	// The late joiner warp-synced, keeps only recent state, and serves the client.
	let late = &network.nodes[4];
	let log = std::fs::read_to_string(late.log_path()).unwrap_or_default();
	assert!(log.contains("Warp sync is complete"), "the late joiner warp-synced");
	let on_late = finalized_records(&late.rpc(), &patient).expect("records").len();
	let ehr = Path::new(NODE).with_file_name("ehr");
	let output = Command::new("ip")
		.args(["netns", "exec", &late.config.host.as_ref().unwrap().netns])
		.arg(&ehr)
		.args([
			"--node",
			&late.ws_url(),
			"--suri",
			"//Ferdie",
			"--output",
			"json",
			"record",
			"list",
		])
		.output()
		.unwrap_or_else(|e| panic!("running {}: {e}", ehr.display()));
	assert!(
		output.status.success(),
		"ehr record list: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	let listed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
	let listed = listed["records"].as_array().map_or(0, Vec::len);
	// The client lists at the best block: every finalized record, and perhaps newer ones.
	assert!(
		(on_late..=submitted.len()).contains(&listed),
		"the client lists every record through the late joiner: {listed} listed, \
		 {on_late} finalized there, {} submitted",
		submitted.len()
	);
	eprintln!("ehr record list through the late joiner: {listed} records");
}
