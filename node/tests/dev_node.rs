// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A single `--dev` node as a real process: it authors and finalizes blocks alone, and a
//! transaction signed by a genesis member is accepted and finalized.

use ehr_runtime::{signing::signed_transaction, RuntimeCall};
use ehr_testnet::Network;
use sp_core::{Encode, H256};
use sp_keyring::Sr25519Keyring;
use std::{path::Path, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

#[test]
fn dev_node_finalizes_a_member_transaction() {
	let network = Network::start(Path::new(NODE), "dev", "dev", &["alice"], &[]).expect("dev node");
	network.wait_all_finalized(2, Duration::from_secs(60)).expect("dev node finalizes");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));

	// A hospital updating its profile commitment (members may not remark).
	let call: RuntimeCall = pallet_ehr_registry::Call::update_profile {
		profile_commitment: Some(H256::repeat_byte(0x11)),
		encryption_key: None,
	}
	.into();
	let xt = signed_transaction(&Sr25519Keyring::Alice.pair(), call, 0, genesis);
	let block = rpc
		.submit_and_wait_finalized(&xt.encode(), Duration::from_secs(60))
		.expect("a genesis member's transaction is finalized");
	eprintln!("profile update finalized in block #{block}");
}
