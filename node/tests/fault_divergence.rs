// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A validator whose finalized chain really diverges from the consortium's heals through
//! the running audit, end to end.
//!
//! The forged database is the most convincing one there is: a finalized chain of the same
//! genesis, finalized by the same authority keys — a second consortium started from the
//! same chain spec while the first runs — so every header links and every GRANDPA
//! justification verifies, and the start-up check passes. Only the peers can tell: the
//! audit finds the node on its own against every other hospital at finalized heights,
//! raises the alert, marks its database for quarantine and restarts itself; the start-up
//! path quarantines the forged database and the node resyncs onto the consortium's chain.

use ehr_testnet::{wait_until, Network, RpcClient};
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

fn database_dir(base_path: &Path) -> PathBuf {
	base_path.join("chains/ehr_local/paritydb/full")
}

fn copy_dir(from: &Path, to: &Path) {
	std::fs::create_dir_all(to).expect("create");
	for entry in std::fs::read_dir(from).expect("read dir") {
		let path = entry.expect("entry").path();
		let target = to.join(path.file_name().expect("a name"));
		if path.is_dir() {
			copy_dir(&path, &target);
		} else if path.file_name().is_some_and(|n| n != "lock") {
			std::fs::copy(&path, &target).expect("copy");
		}
	}
}

fn finalized(rpc: &RpcClient) -> (u32, String) {
	rpc.finalized_head().expect("finalized head")
}

#[test]
fn a_node_on_a_forged_finalized_chain_is_told_by_its_peers_and_heals() {
	let mut network = Network::start_local(Path::new(NODE), "divergence").expect("network starts");
	network.wait_all_finalized(3, Duration::from_secs(120)).expect("finality");
	let reference = network.nodes[0].rpc();
	let dave = &mut network.nodes[3];
	dave.stop();

	// The forgery: three of the same validators' keys, from the same genesis, finalize a
	// chain of their own elsewhere (the real consortium finalizes on with three of four).
	let forged = {
		let other = Network::start(
			Path::new(NODE),
			"divergence-forgery",
			"local",
			&["alice", "bob", "dave"],
			&[],
		)
		.expect("the other chain starts");
		other.wait_all_finalized(6, Duration::from_secs(120)).expect("the other chain finalizes");
		let source = other.nodes[2].base_path().to_path_buf();
		let copy = network.dir.path().join("forged-database");
		let mut other = other;
		other.nodes[2].stop();
		copy_dir(&database_dir(&source), &copy);
		let forged_head = finalized(&other.nodes[0].rpc());
		eprintln!("forged chain finalized to #{} ({})", forged_head.0, forged_head.1);
		copy
	};
	let real_at_one = reference.block_hash(1).expect("rpc").expect("block 1");

	let dave = &mut network.nodes[3];
	let database = database_dir(dave.base_path());
	std::fs::remove_dir_all(&database).expect("remove dave's database");
	copy_dir(&forged, &database);
	dave.config.extra_args.extend(["--audit-interval".to_string(), "5".to_string()]);
	let log_from = dave.log_path().metadata().map_or(0, |m| m.len());
	let started = Instant::now();
	dave.restart().expect("dave starts on the forged chain");
	let forged_at_one = dave.rpc().block_hash(1).expect("rpc").expect("block 1");
	assert_ne!(forged_at_one, real_at_one, "dave starts on another finalized chain");

	// Told by its peers, it quarantines the forgery and resyncs onto the real chain.
	let target = finalized(&reference).0;
	wait_until(
		"dave back on the consortium's chain",
		Duration::from_secs(180),
		Duration::from_millis(500),
		|| {
			let rpc = dave.rpc();
			let (number, _) = rpc.finalized_head().map_err(|e| e.to_string())?;
			let ours = rpc.block_hash(1).map_err(|e| e.to_string())?;
			if number < target || ours.as_deref() != Some(real_at_one.as_str()) {
				return Err(format!("dave at #{number}, block 1 {ours:?}"));
			}
			Ok(Some(()))
		},
	)
	.unwrap_or_else(|e| {
		dave.print_log_tail(60);
		panic!("{e}")
	});
	let healed = started.elapsed();
	let ours = dave.rpc().block_hash(target).expect("rpc");
	assert_eq!(ours, reference.block_hash(target).expect("rpc"), "one chain at #{target}");

	let log = std::fs::read(dave.log_path()).expect("log");
	let log = String::from_utf8_lossy(&log[log_from as usize..]).into_owned();
	let alert = log.lines().find(|l| l.contains("🚨")).expect("the audit raised the alert");
	let quarantine = log
		.lines()
		.find(|l| l.contains("recovery requested"))
		.expect("the start-up path quarantined");
	eprintln!("alert: {alert}\nquarantine: {quarantine}\nhealed {:.1} s after the start on the forged chain", healed.as_secs_f64());
	let kept = std::fs::read_dir(database.parent().unwrap().parent().unwrap().join("quarantine"))
		.expect("a quarantine directory")
		.count();
	assert_eq!(kept, 2, "the forged database and its reason are kept");
}
