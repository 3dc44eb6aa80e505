// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A validator killed (SIGKILL) while records are being written, then restarted: it
//! rejoins, agrees with the others on the finalized chain, and no record acknowledged as
//! finalized is lost.

mod common;

use common::{counts, finalized_records, grant_treatment, RecordLoad};
use ehr_testnet::{wait_until, Network};
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Eve, Ferdie};
use std::{
	path::Path,
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

#[test]
fn a_killed_validator_rejoins_and_nothing_finalized_is_lost() {
	let mut network = Network::start_local(Path::new(NODE), "kill").expect("network starts");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	grant_treatment(&rpc, genesis, &Ferdie.pair(), Alice.to_account_id());
	let patient = Ferdie.to_account_id();

	let mut load = RecordLoad::start(rpc.clone(), genesis, Eve.pair(), patient.clone(), 4);
	std::thread::sleep(Duration::from_secs(15));
	network.nodes[3].kill();
	let killed = Instant::now();
	let acknowledged = finalized_records(&rpc, &patient).expect("records");
	eprintln!("dave killed; {} records acknowledged as finalized", acknowledged.len());
	assert!(!acknowledged.is_empty(), "the load wrote nothing");

	std::thread::sleep(Duration::from_secs(15));
	network.nodes[3].restart().expect("dave restarts");
	let target = rpc.finalized_head().expect("head").0;
	wait_until("dave to catch up", Duration::from_secs(120), Duration::from_millis(500), || {
		let (number, _) = network.nodes[3].rpc().finalized_head().map_err(|e| e.to_string())?;
		Ok((number >= target).then_some(())).map_err(|_: String| String::new())
	})
	.expect("dave rejoins and finalizes");
	eprintln!(
		"dave back at finalized #{target} {:.1} s after the kill",
		killed.elapsed().as_secs_f64()
	);

	let submitted = load.stop();
	// Let what was submitted last be finalized.
	std::thread::sleep(Duration::from_secs(12));
	let height =
		network.nodes.iter().map(|n| n.rpc().finalized_head().expect("head").0).min().unwrap();
	let hash = network.nodes[0].rpc().block_hash(height).expect("rpc");
	for node in &network.nodes {
		assert_eq!(
			node.rpc().block_hash(height).expect("rpc"),
			hash,
			"{} disagrees at #{height}",
			node.name()
		);
	}
	let on_dave = counts(&finalized_records(&network.nodes[3].rpc(), &patient).expect("records"));
	for record in &acknowledged {
		assert_eq!(on_dave.get(record), Some(&1), "an acknowledged record is lost or doubled");
	}
	assert!(on_dave.values().all(|n| *n == 1), "a record is finalized twice");
	eprintln!(
		"{} records submitted, {} finalized on dave, all {} acknowledged before the kill present once",
		submitted.len(),
		on_dave.len(),
		acknowledged.len()
	);
}
