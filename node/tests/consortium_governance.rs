// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Consortium governance on real processes on 127.0.0.1: a fifth hospital's node is
//! refused by the network until a council motion admits the hospital; then it joins the
//! validator set, authors blocks, and finality continues across the authority-set change.
//! A motion below the two-thirds threshold changes nothing; a motion removes a hospital,
//! which stops authoring while finality continues.

mod common;

use common::{
	author, authors,
	governance::{Chain, ConsortiumCall},
};
use ehr_runtime::{AccountId, RuntimeCall, SessionKeys};
use ehr_testnet::{wait_until, Network, Node, NodeConfig};
use sp_core::{sr25519, Decode, Encode, Pair, H256};
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave};
use std::{
	path::Path,
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");
const FINALITY: Duration = Duration::from_secs(60);
/// Two session rotations (a validator-set change takes effect one session after it is
/// planned) plus margin, at one-minute sessions.
const SET_CHANGE: Duration = Duration::from_secs(300);

fn aura_key(who: Sr25519Keyring) -> [u8; 32] {
	who.public().0
}

#[test]
fn the_council_admits_and_removes_hospitals() {
	let started = Instant::now();
	let network = Network::start_local(Path::new(NODE), "governance").expect("network starts");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality");
	let rpc = network.nodes[0].rpc();
	let mut chain = Chain::new(rpc);

	// A fifth hospital starts a validator node the consortium does not know yet.
	let newcomer = sr25519::Pair::from_string("//Hospital5", None).expect("dev key");
	let newcomer_account = AccountId::from(newcomer.public());
	let mut config = NodeConfig::new(Path::new(NODE), network.dir.path(), "local", "hospital5", 5)
		.expect("config");
	config.validator_key = None;
	config.extra_args = vec!["--validator".into()];
	config.bootnodes = network.nodes.iter().map(|n| n.p2p_address()).collect();
	let fifth = Node::start(config).expect("fifth node starts");

	// Unauthorized: no consortium node connects with it, and it learns no block.
	std::thread::sleep(Duration::from_secs(15));
	assert_eq!(fifth.rpc().peers().expect("health"), 0, "an unauthorized node got peers");
	assert_eq!(fifth.rpc().best_number().expect("best"), 0);
	for node in &network.nodes {
		assert_eq!(node.rpc().peers().expect("health"), 3, "{} peers", node.name());
	}
	eprintln!("unauthorized node refused by all 4 ({:.0} s)", started.elapsed().as_secs_f64());

	// A motion below two thirds (2 of 4) executes with too weak an origin: nothing changes.
	let remove_charlie: RuntimeCall =
		ConsortiumCall::remove_hospital { hospital: Charlie.to_account_id() }.into();
	let result = chain.motion(Alice, &[&Bob.pair()], 2, remove_charlie);
	assert_eq!(result, Err(sp_runtime::DispatchError::BadOrigin));
	assert!(
		chain.hospitals().contains(&Charlie.to_account_id()),
		"a 2-of-4 motion removed a hospital"
	);

	// The council admits the fifth hospital with its node (3 of 4).
	let (keys, proof) =
		fifth.rpc().rotate_keys_with_owner(&newcomer_account.encode()).expect("session keys");
	let admit: RuntimeCall = ConsortiumCall::admit_hospital {
		hospital: newcomer_account.clone(),
		profile_commitment: H256::repeat_byte(5),
		encryption_key: [5; 32],
		node: fifth.config.peer_id_bytes(),
	}
	.into();
	chain.motion(Alice, &[&Bob.pair(), &Charlie.pair()], 3, admit).expect("admission executes");
	assert!(chain.hospitals().contains(&newcomer_account));
	let admitted = chain.rpc.finalized_head().expect("head").0;
	eprintln!("hospital 5 admitted at #{admitted} ({:.0} s)", started.elapsed().as_secs_f64());

	// Now a member, it registers its session keys.
	let session_keys = SessionKeys::decode(&mut &keys[..]).expect("session keys decode");
	let newcomer_aura: [u8; 32] = keys[..32].try_into().expect("aura key first");
	chain.submit(&newcomer, pallet_session::Call::set_keys { keys: session_keys, proof }.into());

	// It joins the network, and from a later session on authors blocks; finality goes on.
	let mut scanned = admitted;
	let authored = wait_until(
		"hospital 5 to author a finalized block",
		SET_CHANGE,
		Duration::from_secs(2),
		|| {
			let (finalized, _) = chain.rpc.finalized_head().map_err(|e| e.to_string())?;
			for number in scanned + 1..=finalized {
				let hash =
					chain.rpc.block_hash(number).map_err(|e| e.to_string())?.unwrap_or_default();
				if author(&chain.rpc, &hash) == newcomer_aura {
					return Ok(Some(number));
				}
				scanned = number;
			}
			Err(format!(
				"finalized #{finalized}, fifth node has {} peers",
				fifth.rpc().peers().unwrap_or(0)
			))
		},
	)
	.expect("the new hospital authors");
	eprintln!(
		"hospital 5 authored finalized block #{authored} ({:.0} s)",
		started.elapsed().as_secs_f64()
	);
	let mut all: Vec<&Node> = network.nodes.iter().collect();
	all.push(&fifth);
	let target = authored + 3;
	wait_until(
		"all 5 nodes to finalize past the set change",
		FINALITY,
		Duration::from_millis(500),
		|| {
			let heads: Vec<u32> =
				all.iter().map(|n| n.rpc().finalized_head().map(|h| h.0).unwrap_or(0)).collect();
			if heads.iter().all(|h| *h >= target) {
				Ok(Some(()))
			} else {
				Err(format!("finalized heads {heads:?}"))
			}
		},
	)
	.expect("finality continues across the set change");
	let agreed = chain.rpc.block_hash(target).expect("rpc");
	for node in &all {
		assert_eq!(
			node.rpc().block_hash(target).expect("rpc"),
			agreed,
			"{} disagrees",
			node.name()
		);
	}

	// The council removes Dave (4 of 5 make two thirds).
	let remove_dave: RuntimeCall =
		ConsortiumCall::remove_hospital { hospital: Dave.to_account_id() }.into();
	chain
		.motion(Alice, &[&Bob.pair(), &Charlie.pair(), &newcomer], 4, remove_dave)
		.expect("removal executes");
	assert!(!chain.hospitals().contains(&Dave.to_account_id()));
	let removed = chain.rpc.finalized_head().expect("head").0;
	eprintln!("Dave removed at #{removed} ({:.0} s)", started.elapsed().as_secs_f64());

	// Dave leaves the authority set; the others finalize a run of blocks without him.
	let quiet = wait_until(
		"a run of 10 finalized blocks not authored by Dave",
		SET_CHANGE,
		Duration::from_secs(2),
		|| {
			let (finalized, _) = chain.rpc.finalized_head().map_err(|e| e.to_string())?;
			if finalized < removed + 10 {
				return Err(format!("finalized #{finalized}"));
			}
			let recent = authors(&chain.rpc, finalized - 9, finalized);
			Ok((!recent.contains(&aura_key(Dave))).then_some(finalized))
		},
	)
	.expect("Dave stops authoring and finality continues");
	eprintln!(
		"10 blocks up to #{quiet} finalized without Dave ({:.0} s)",
		started.elapsed().as_secs_f64()
	);
}
