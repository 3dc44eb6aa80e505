// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The four-hospital local consortium as real processes on 127.0.0.1: it authors and
//! finalizes, all validators agree on the finalized chain, and finality survives the loss
//! of one validator (GRANDPA needs more than two thirds: 3 of 4).

use ehr_testnet::{wait_until, Network};
use std::{
	path::Path,
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

/// The hash every running node reports at `height`, which must be one and the same.
fn agreed_hash_at(network: &Network, height: u32) -> String {
	let hashes: Vec<(String, Option<String>)> = network
		.nodes
		.iter()
		.filter(|n| n.is_running())
		.map(|n| (n.name().to_string(), n.rpc().block_hash(height).expect("chain_getBlockHash")))
		.collect();
	let first = hashes[0].1.clone().expect("block at a finalized height");
	for (name, hash) in &hashes {
		assert_eq!(hash.as_ref(), Some(&first), "{name} disagrees at #{height}: {hashes:?}");
	}
	first
}

/// The lowest finalized height among running nodes.
fn common_finalized_height(network: &Network) -> u32 {
	network
		.nodes
		.iter()
		.filter(|n| n.is_running())
		.map(|n| n.rpc().finalized_head().expect("finalized head").0)
		.min()
		.expect("running nodes")
}

#[test]
fn four_hospitals_finalize_and_survive_one_loss() {
	let started = Instant::now();
	let mut network = Network::start_local(Path::new(NODE), "consortium").expect("network starts");

	// All four author and finalize; bounded by a generous multiple of 5 slots.
	network.wait_all_finalized(5, Duration::from_secs(180)).expect("finality on all nodes");
	eprintln!("all 4 nodes finalized #5 {:.1} s after start", started.elapsed().as_secs_f64());
	let height = common_finalized_height(&network);
	let hash = agreed_hash_at(&network, height);
	eprintln!("all 4 agree: finalized #{height} = {hash}");

	// Every node's finalized head is on the same chain: its hash at that height is what
	// the others report for the same height.
	for node in &network.nodes {
		let (number, head) = node.rpc().finalized_head().expect("finalized head");
		assert_eq!(agreed_hash_at(&network, number), head, "{} finalized a fork", node.name());
	}

	// One hospital goes away: three of four still make a GRANDPA supermajority.
	network.nodes[3].stop();
	let stopped = Instant::now();
	let before = common_finalized_height(&network);
	let target = before + 3;
	wait_until(
		&format!("finality to pass #{target} without dave"),
		Duration::from_secs(120),
		Duration::from_millis(500),
		|| {
			let now = common_finalized_height(&network);
			Ok((now >= target).then_some(now))
		},
	)
	.expect("finality continues with 3 of 4");
	let height = common_finalized_height(&network);
	let hash = agreed_hash_at(&network, height);
	eprintln!(
		"3 remaining agree: finalized #{height} = {hash} (#{before} when dave stopped, {:.1} s ago)",
		stopped.elapsed().as_secs_f64()
	);
}
