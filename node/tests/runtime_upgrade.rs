// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A runtime upgrade carried by the council, on the four-hospital `consortium` chain
//! (no sudo key) as real processes on 127.0.0.1.
//!
//! The new runtime is this one built with the `upgrade-rehearsal` feature
//! (`scripts/build-rehearsal-runtime.sh`, run by `scripts/test.sh`): `spec_version` one
//! higher and a storage migration of the registry's members (storage version 1 -> 2).
//!
//! - a motion of 2 of the 4 hospitals cannot authorize it (abstentions count as nays);
//! - a motion of 3 of 4 dispatches `system.authorizeUpgrade(hash)` as Root through
//!   `consortium.dispatchAsRoot`; a call off the council's list is refused;
//! - a hospital hands in the code (`system.applyAuthorizedUpgrade`); every node switches
//!   to the new version, the migration runs once, blocks keep finalizing;
//! - records and grants written before are all there after, members unchanged.

mod common;

use common::{
	counts, finalized_records,
	governance::{Chain, ConsortiumCall},
	grant_treatment, RecordLoad,
};
use ehr_runtime::{signing::signed_transaction, AccountId, RuntimeCall};
use ehr_testnet::{hex_decode, hex_encode, wait_until, Network, LOCAL_VALIDATORS};
use sp_core::Encode;
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Eve, Ferdie};
use sp_runtime::traits::{BlakeTwo256, Hash};
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

/// Where `scripts/build-rehearsal-runtime.sh` leaves the rehearsal runtime: next to the
/// node binary.
fn rehearsal_wasm() -> Vec<u8> {
	let path: PathBuf = Path::new(NODE)
		.parent()
		.expect("target dir")
		.join("rehearsal/ehr_runtime_rehearsal.compact.compressed.wasm");
	std::fs::read(&path).unwrap_or_else(|e| {
		panic!(
			"no rehearsal runtime at {} ({e}): run scripts/build-rehearsal-runtime.sh \
			 (scripts/test.sh does)",
			path.display()
		)
	})
}

fn spec_version(node: &ehr_testnet::Node) -> u64 {
	let version =
		node.rpc().call("state_getRuntimeVersion", serde_json::json!([])).expect("version");
	version["specVersion"].as_u64().expect("specVersion")
}

/// The registry pallet's storage version in the finalized state of `node`'s chain.
fn registry_storage_version(chain: &Chain) -> u16 {
	let key =
		[sp_io::hashing::twox_128(b"Registry"), sp_io::hashing::twox_128(b":__STORAGE_VERSION__:")]
			.concat();
	let (_, head) = chain.rpc.finalized_head().expect("head");
	let value = chain
		.rpc
		.call("state_getStorage", serde_json::json!([format!("0x{}", hex_encode(&key)), head]))
		.expect("storage");
	let bytes = hex_decode(value.as_str().unwrap_or("0x0000")).expect("hex");
	u16::from_le_bytes(bytes[..2].try_into().expect("two bytes"))
}

/// Every registry member's raw entry at the finalized head.
fn members(chain: &Chain) -> Vec<(String, String)> {
	let prefix =
		[sp_io::hashing::twox_128(b"Registry"), sp_io::hashing::twox_128(b"Members")].concat();
	let prefix = format!("0x{}", hex_encode(&prefix));
	let (_, head) = chain.rpc.finalized_head().expect("head");
	let keys = chain
		.rpc
		.call("state_getKeysPaged", serde_json::json!([prefix, 1000, null, head]))
		.expect("keys");
	let mut entries: Vec<(String, String)> = keys
		.as_array()
		.expect("keys")
		.iter()
		.map(|key| {
			let key = key.as_str().expect("key").to_string();
			let value =
				chain.rpc.call("state_getStorage", serde_json::json!([key, head])).expect("value");
			(key, value.as_str().unwrap_or_default().to_string())
		})
		.collect();
	entries.sort();
	entries
}

#[test]
fn the_council_upgrades_the_runtime_and_nothing_is_lost() {
	let code = rehearsal_wasm();
	let network = Network::start(Path::new(NODE), "upgrade", "consortium", &LOCAL_VALIDATORS, &[])
		.expect("network starts");
	network.wait_all_finalized(2, Duration::from_secs(120)).expect("finality");
	let mut chain = Chain::new(network.nodes[0].rpc());
	let before_version = spec_version(&network.nodes[0]);

	// Data written before the upgrade: a grant, and records under it.
	grant_treatment(&chain.rpc, chain.genesis, &Ferdie.pair(), Alice.to_account_id());
	let mut load = RecordLoad::start(
		network.nodes[1].rpc(),
		chain.genesis,
		Eve.pair(),
		Ferdie.to_account_id(),
		4,
	);
	std::thread::sleep(Duration::from_secs(8));
	let written = load.stop();
	let patient: AccountId = Ferdie.to_account_id();
	let records_before = wait_until(
		"the records to be finalized",
		Duration::from_secs(60),
		Duration::from_secs(1),
		|| {
			let records = finalized_records(&chain.rpc, &patient).map_err(|e| e.to_string())?;
			Ok((records.len() == written.len()).then_some(records))
		},
	)
	.expect("records finalized");
	assert!(!records_before.is_empty());
	let members_before = members(&chain);
	assert_eq!(registry_storage_version(&chain), 1);

	let code_hash = BlakeTwo256::hash(&code);
	let authorize: RuntimeCall = ConsortiumCall::dispatch_as_root {
		call: Box::new(frame_system::Call::authorize_upgrade { code_hash }.into()),
	}
	.into();

	// Two of four is not two thirds: the origin is refused, nothing is authorized.
	let weak = chain.motion(Alice, &[&Bob.pair()], 2, authorize.clone());
	assert_eq!(weak, Err(sp_runtime::DispatchError::BadOrigin));
	// A call off the list is refused even with three of four.
	let off_list: RuntimeCall = ConsortiumCall::dispatch_as_root {
		call: Box::new(frame_system::Call::set_heap_pages { pages: 1 }.into()),
	}
	.into();
	let refused = chain.motion(Alice, &[&Bob.pair(), &Charlie.pair()], 3, off_list);
	let not_a_root_call: sp_runtime::DispatchError =
		pallet_ehr_consortium::Error::<ehr_runtime::Runtime>::NotARootCall.into();
	assert_eq!(refused, Err(not_a_root_call));

	// Three of four: authorized as Root.
	let motion = Instant::now();
	chain.motion(Alice, &[&Bob.pair(), &Charlie.pair()], 3, authorize).expect("authorized");
	let authorized = motion.elapsed();

	// Only a hospital hands in the code: a doctor's submission is refused by the pool.
	let by_doctor = signed_transaction(
		&Eve.pair(),
		frame_system::Call::apply_authorized_upgrade { code: code.clone() }.into(),
		chain.nonce(&Eve.to_account_id()),
		chain.genesis,
	);
	let refused = chain.rpc.submit_extrinsic(&by_doctor.encode()).expect_err("a doctor");
	assert!(refused.to_string().contains("1010"), "refused as invalid: {refused}");

	// Any hospital hands in the code.
	chain.submit(
		&Bob.pair(),
		frame_system::Call::apply_authorized_upgrade { code: code.clone() }.into(),
	);
	let expected = before_version + 1;
	wait_until(
		"every node to run the new runtime",
		Duration::from_secs(60),
		Duration::from_secs(1),
		|| {
			let versions: Vec<u64> = network.nodes.iter().map(spec_version).collect();
			if versions.iter().all(|v| *v == expected) {
				Ok(Some(()))
			} else {
				Err(format!("spec versions {versions:?}"))
			}
		},
	)
	.expect("all nodes switched");
	let enacted = motion.elapsed();
	let (switched_at, _) = chain.rpc.finalized_head().expect("head");
	network
		.wait_all_finalized(switched_at + 5, Duration::from_secs(60))
		.expect("finality continues under the new runtime");
	eprintln!(
		"runtime {before_version} -> {expected}: motion to authorization {:.1} s, to every node \
		 running it {:.1} s; finality continued past #{}",
		authorized.as_secs_f64(),
		enacted.as_secs_f64(),
		switched_at + 5
	);

	// The migration ran once; nothing lost.
	assert_eq!(registry_storage_version(&chain), 2, "the migration set the new storage version");
	assert_eq!(members(&chain), members_before, "registry members unchanged");
	let records_after = finalized_records(&chain.rpc, &patient).expect("records");
	assert_eq!(counts(&records_after), counts(&records_before), "records unchanged");
	// The grant still works: the doctor writes under it with the new runtime.
	let mut load =
		RecordLoad::start(network.nodes[2].rpc(), chain.genesis, Eve.pair(), patient.clone(), 2);
	std::thread::sleep(Duration::from_secs(6));
	let more = load.stop();
	wait_until(
		"records written after the upgrade",
		Duration::from_secs(60),
		Duration::from_secs(1),
		|| {
			let records = finalized_records(&chain.rpc, &patient).map_err(|e| e.to_string())?;
			Ok((records.len() == written.len() + more.len()).then_some(()))
		},
	)
	.expect("writes under the old grant finalize with the new runtime");
}
