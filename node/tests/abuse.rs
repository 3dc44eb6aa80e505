// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Abuse resistance on a real dev node (issue "Abuse resistance"): a member cannot flood
//! the pool beyond its budget, cannot send calls outside its role, and an outsider cannot
//! apply with a proof-of-work ticket that names no recent block. Each refusal is the
//! pool's, with the registry error's index, before any block is touched; the cases that
//! need no network are the pallets' unit tests (README, "Threat model and limits").

use ehr_primitives::registry::ApplicantRole;
use ehr_runtime::{signing::signed_transaction, AccountId, RuntimeCall, SystemCall};
use ehr_testnet::{Network, RpcClient, RpcError};
use pallet_ehr_registry::Call as RegistryCall;
use sp_core::{Encode, H256};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Ferdie};
use std::{path::Path, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

/// The registry's errors, by their index in its `Error` enum (the pool's custom codes).
const CALL_NOT_FOR_ROLE: u8 = 35;
const QUOTA_EXHAUSTED: u8 = 37;
const STALE_PROOF_OF_WORK: u8 = 33;
const BUSY: u8 = 38;

/// A patient's budget per minute (`EhrPolicy`).
const PATIENT_TRANSACTIONS: u32 = 60;

fn dev_node(label: &str) -> (Network, RpcClient, H256) {
	dev_node_with(label, &[])
}

fn dev_node_with(label: &str, args: &[&str]) -> (Network, RpcClient, H256) {
	let network =
		Network::start(Path::new(NODE), label, "dev", &["alice"], args).expect("dev node");
	network.wait_all_finalized(1, Duration::from_secs(60)).expect("dev node finalizes");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	(network, rpc, genesis)
}

/// The pool's custom refusal code of a refused submission.
fn refusal(result: Result<String, RpcError>) -> u8 {
	match result {
		Err(RpcError::Node { code: 1010, data: Some(data), .. }) => data
			.to_string()
			.trim_matches('"')
			.strip_prefix("Custom error: ")
			.and_then(|code| code.parse().ok())
			.unwrap_or_else(|| panic!("not a custom refusal: {data}")),
		other => panic!("expected an invalid-transaction RPC error, got {other:?}"),
	}
}

fn profile_update(n: u32) -> RuntimeCall {
	let mut commitment = [0x33u8; 32];
	commitment[..4].copy_from_slice(&n.to_le_bytes());
	RegistryCall::update_profile {
		profile_commitment: Some(H256(commitment)),
		encryption_key: None,
	}
	.into()
}

#[test]
fn a_patient_cannot_flood_the_pool_beyond_its_budget() {
	let (_network, rpc, genesis) = dev_node("abuse-flood");
	let charlie = Charlie.pair();
	for nonce in 0..PATIENT_TRANSACTIONS {
		rpc.submit_extrinsic(
			&signed_transaction(&charlie, profile_update(nonce), nonce, genesis).encode(),
		)
		.unwrap_or_else(|e| panic!("transaction {nonce} within the budget refused: {e}"));
	}
	// One more than the budget: refused, whatever its nonce.
	let over = signed_transaction(
		&charlie,
		profile_update(PATIENT_TRANSACTIONS),
		PATIENT_TRANSACTIONS,
		genesis,
	);
	assert_eq!(refusal(rpc.submit_extrinsic(&over.encode())), QUOTA_EXHAUSTED);
	// Another member is not held back by the flooder.
	let alice = signed_transaction(&Alice.pair(), profile_update(1_000), 0, genesis);
	rpc.submit_and_wait_finalized(&alice.encode(), Duration::from_secs(60))
		.expect("another member's transaction is finalized during the flood");
	// The chain took at most the budget of the flooder.
	let charlie_id: AccountId = Charlie.to_account_id();
	let (_, head) = rpc.finalized_head().expect("head");
	let taken = rpc.account_nonce(charlie_id.as_ref(), Some(&head)).expect("nonce");
	assert!(taken <= PATIENT_TRANSACTIONS, "the chain took {taken} of the flooder's writes");
}

#[test]
fn a_node_at_capacity_refuses_with_busy_and_loses_nothing_it_accepted() {
	// A pool of 40 lets the admission check hold at most 20 (half the pool, so nothing
	// admitted is ever evicted), well under what a dev block carries: a quick burst of
	// valid transactions finds the node busy.
	let (network, rpc, genesis) = dev_node_with("abuse-busy", &["--pool-limit", "40"]);
	let charlie = Charlie.pair();
	let mut admitted = 0;
	let mut busy = None;
	for nonce in 0..PATIENT_TRANSACTIONS {
		let tx = signed_transaction(&charlie, profile_update(nonce), nonce, genesis);
		match rpc.submit_extrinsic(&tx.encode()) {
			Ok(_) => admitted += 1,
			Err(e) => {
				assert_eq!(refusal(Err(e)), BUSY, "transaction {nonce} refused otherwise");
				// A careful client stops here: a later nonce could never be included.
				busy = Some(nonce);
				break;
			}
		}
	}
	let busy = busy.expect("the node took a burst of 60 with room for 20");
	assert!(admitted >= 20, "the node refused before its backlog was full ({admitted})");
	assert_eq!(busy, admitted, "the refusal is the first one past the admitted ones");
	assert!(
		network.nodes[0].metric("ehr_pool_busy_refusals_total", &[]).expect("metrics") >= Some(1.0),
		"the refusal is counted for the operator"
	);
	// Every admitted transaction is finalized; then the refused one, sent again, is too.
	let charlie_id: AccountId = Charlie.to_account_id();
	let deadline = std::time::Instant::now() + Duration::from_secs(60);
	loop {
		let (_, head) = rpc.finalized_head().expect("head");
		if rpc.account_nonce(charlie_id.as_ref(), Some(&head)).expect("nonce") == admitted {
			break;
		}
		assert!(std::time::Instant::now() < deadline, "admitted transactions not finalized");
		std::thread::sleep(Duration::from_millis(500));
	}
	let again = signed_transaction(&charlie, profile_update(busy), busy, genesis);
	rpc.submit_and_wait_finalized(&again.encode(), Duration::from_secs(60))
		.expect("the busy refusal, retried once the backlog cleared, is finalized");
}

#[test]
fn members_get_only_the_calls_of_their_role_and_tickets_must_be_fresh() {
	let (_network, rpc, genesis) = dev_node("abuse-calls");
	// A doctor's remark (free storage): refused.
	let remark: RuntimeCall = SystemCall::remark { remark: vec![0; 1024] }.into();
	let bob = signed_transaction(&Bob.pair(), remark, 0, genesis);
	assert_eq!(refusal(rpc.submit_extrinsic(&bob.encode())), CALL_NOT_FOR_ROLE);
	// A patient setting session keys (to become unremovable): refused.
	let keys: RuntimeCall = pallet_session::Call::set_keys {
		keys: ehr_runtime::SessionKeys {
			aura: sp_core::sr25519::Public::from_raw([1; 32]).into(),
			grandpa: sp_core::ed25519::Public::from_raw([2; 32]).into(),
		},
		proof: vec![],
	}
	.into();
	let charlie = signed_transaction(&Charlie.pair(), keys, 0, genesis);
	assert_eq!(refusal(rpc.submit_extrinsic(&charlie.encode())), CALL_NOT_FOR_ROLE);
	// An application whose ticket names a block that is not a recent one: refused.
	let best = rpc.best_number().expect("best");
	let apply: RuntimeCall = RegistryCall::apply {
		role: ApplicantRole::Patient,
		hospital: Alice.to_account_id(),
		profile_commitment: H256::repeat_byte(0x24),
		encryption_key: [0x42; 32],
		pow_block: best + 100,
		pow_nonce: 0,
	}
	.into();
	let ferdie = signed_transaction(&Ferdie.pair(), apply, 0, genesis);
	assert_eq!(refusal(rpc.submit_extrinsic(&ferdie.encode())), STALE_PROOF_OF_WORK);
}
