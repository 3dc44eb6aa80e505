// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A validator whose database is corrupted, then deleted, while it is stopped: on start it
//! detects the damage, quarantines the database (keeping it), resyncs from its peers and
//! ends on the same finalized chain, with no operator step. Its audit then agrees with all
//! its peers.

mod common;

use common::{finalized_records, grant_treatment, RecordLoad};
use ehr_testnet::{wait_until, Network, Node, RpcClient};
use serde_json::json;
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Eve, Ferdie};
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

fn database_dir(node: &Node) -> PathBuf {
	node.config.base_path.join("chains/ehr_local/paritydb/full")
}

/// Overwrites the first and a middle 4 KiB of the database files whose name passes
/// `target` with noise.
fn corrupt(database: &Path, target: impl Fn(&str) -> bool) {
	let mut seed = 0x2545_f491_4f6c_dd1du64;
	for entry in std::fs::read_dir(database).expect("database dir") {
		let path = entry.expect("entry").path();
		let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
		if name == "lock" || name == "stats.txt" || !target(name) {
			continue;
		}
		let mut bytes = std::fs::read(&path).expect("read");
		for start in [0, bytes.len() / 2] {
			for byte in bytes.iter_mut().skip(start).take(4096) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				*byte = seed as u8;
			}
		}
		std::fs::write(&path, bytes).expect("write");
	}
}

/// Restarts `node` and waits until it has caught up with `reference`; returns how long
/// that took.
fn recover(node: &mut Node, reference: &RpcClient) -> Duration {
	let started = Instant::now();
	node.restart().expect("restarts");
	let target = reference.finalized_head().expect("head").0;
	wait_until("the node to resync", Duration::from_secs(180), Duration::from_millis(500), || {
		let (number, _) = node.rpc().finalized_head().map_err(|e| e.to_string())?;
		if number < target {
			return Err(format!("at #{number}, target #{target}"));
		}
		Ok(Some(()))
	})
	.expect("resynced");
	let hash = reference.block_hash(target).expect("rpc");
	assert_eq!(node.rpc().block_hash(target).expect("rpc"), hash, "resynced onto another chain");
	started.elapsed()
}

/// A round of corruption: what is damaged, and which files of the database that is.
type Phase = (&'static str, fn(&str) -> bool);

/// Seconds from the node's start to its log's quarantine line.
fn detection_line(node: &Node) -> Option<String> {
	std::fs::read_to_string(node.log_path())
		.ok()?
		.lines()
		.rfind(|l| l.contains("failed its integrity check"))
		.map(str::to_string)
}

#[test]
fn corrupted_and_deleted_databases_heal_from_peers() {
	let mut network = Network::start_local(Path::new(NODE), "database").expect("network starts");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	grant_treatment(&rpc, genesis, &Ferdie.pair(), Alice.to_account_id());
	let mut load = RecordLoad::start(rpc.clone(), genesis, Eve.pair(), Ferdie.to_account_id(), 3);
	std::thread::sleep(Duration::from_secs(12));

	let dave = &mut network.nodes[3];
	let database = database_dir(dave);
	let quarantine = database.parent().unwrap().parent().unwrap().join("quarantine");
	// Corrupted while stopped: first the block and state data only (the database still
	// opens), then every file.
	let phases: [Phase; 2] =
		[("data files", |name| !name.starts_with("metadata")), ("all files", |_| true)];
	for (round, (what, target)) in phases.into_iter().enumerate() {
		dave.stop();
		corrupt(&database, target);
		let healed = recover(dave, &rpc);
		let line = detection_line(dave).expect("the corruption was detected and logged");
		eprintln!("corrupted {what}: detected ({line}); healed in {:.1} s", healed.as_secs_f64());
		let kept = std::fs::read_dir(&quarantine).expect("a quarantine directory").count();
		assert_eq!(kept, 2 * (round + 1), "each corrupted database and its reason are kept");
	}

	// Deleted while stopped.
	dave.stop();
	std::fs::remove_dir_all(&database).expect("delete the database");
	let healed = recover(dave, &rpc);
	eprintln!("deleted database resynced in {:.1} s", healed.as_secs_f64());

	load.stop();
	let records = finalized_records(&dave.rpc(), &Ferdie.to_account_id()).expect("records");
	assert_eq!(
		records,
		finalized_records(&rpc, &Ferdie.to_account_id()).expect("records")[..records.len()]
	);

	// The healed node's audit agrees with every peer.
	let report = wait_until(
		"an audit with three answering peers",
		Duration::from_secs(60),
		Duration::from_secs(2),
		|| {
			let report = dave.rpc().call("ehr_runAudit", json!([])).map_err(|e| e.to_string())?;
			let agreeing = report["agreeing"].as_array().map_or(0, Vec::len);
			if report["verdict"]["kind"] == "agreed" && agreeing == 3 {
				Ok(Some(report))
			} else {
				Err(report.to_string())
			}
		},
	)
	.expect("audit agrees");
	assert!(report["disagreeing"].as_array().is_some_and(Vec::is_empty));
	assert_eq!(
		dave.rpc().call("ehr_lastAudit", json!([])).expect("last audit")["verdict"],
		report["verdict"]
	);
}
