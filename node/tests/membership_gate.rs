// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The membership gate on a real dev node: an account with no role is refused at
//! submission (an RPC error naming the registry error), may apply without a nonce, and
//! transacts once a hospital has activated it.

use ehr_primitives::registry::{ApplicantRole, Inability, Role, Standing};
use ehr_runtime::{signing::signed_transaction, AccountId, RuntimeCall, SystemCall};
use ehr_testnet::{Network, RpcClient, RpcError};
use pallet_ehr_registry::Call as RegistryCall;
use sp_core::{Decode, Encode, H256};
use sp_keyring::Sr25519Keyring::{Alice, Ferdie};
use std::{path::Path, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");
const FINALITY: Duration = Duration::from_secs(60);

fn remark(text: &[u8]) -> RuntimeCall {
	SystemCall::remark { remark: text.to_vec() }.into()
}

fn may_act(rpc: &RpcClient, who: &AccountId) -> Result<Role, Inability> {
	let bytes = rpc.runtime_call("RegistryApi_may_act", &who.encode()).expect("runtime API");
	Decode::decode(&mut &bytes[..]).expect("decodes")
}

fn standing(rpc: &RpcClient, who: &AccountId) -> Option<Standing<AccountId>> {
	let bytes = rpc.runtime_call("RegistryApi_standing", &who.encode()).expect("runtime API");
	Decode::decode(&mut &bytes[..]).expect("decodes")
}

/// The `Custom error: N` of a refused submission.
fn custom_code(error: RpcError) -> String {
	match error {
		RpcError::Node { code: 1010, data: Some(data), .. } => data.to_string(),
		other => panic!("expected an invalid-transaction RPC error, got {other}"),
	}
}

#[test]
fn outsiders_are_refused_until_a_hospital_activates_them() {
	let network =
		Network::start(Path::new(NODE), "gate", "dev", &["alice"], &[]).expect("dev node");
	network.wait_all_finalized(1, FINALITY).expect("dev node finalizes");
	let rpc = network.nodes[0].rpc();
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	let ferdie = Ferdie.to_account_id();

	// 1. Ferdie has no role: refused by the pool, before any block.
	assert_eq!(may_act(&rpc, &ferdie), Err(Inability::NotRegistered));
	let refused = rpc
		.submit_extrinsic(&signed_transaction(&Ferdie.pair(), remark(b"hi"), 0, genesis).encode())
		.expect_err("an outsider's transaction is refused");
	// `NotMember` is the registry's error 0.
	assert_eq!(custom_code(refused), "\"Custom error: 0\"");

	// 2. Ferdie applies as a patient of Alice's hospital (no proof of work on dev).
	let key = [0x42u8; 32];
	let commitment = H256::repeat_byte(0x24);
	let apply: RuntimeCall = RegistryCall::apply {
		role: ApplicantRole::Patient,
		hospital: Alice.to_account_id(),
		profile_commitment: commitment,
		encryption_key: key,
		// The ticket names a recent block (any nonce meets difficulty 0 on dev).
		pow_block: 1,
		pow_nonce: 0,
	}
	.into();
	rpc.submit_and_wait_finalized(
		&signed_transaction(&Ferdie.pair(), apply, 0, genesis).encode(),
		FINALITY,
	)
	.expect("the application is admitted and finalized");

	// While pending, other transactions are still refused (`ApplicationPending`, error 5).
	let refused = rpc
		.submit_extrinsic(&signed_transaction(&Ferdie.pair(), remark(b"hi"), 0, genesis).encode())
		.expect_err("a pending applicant cannot transact");
	assert_eq!(custom_code(refused), "\"Custom error: 5\"");

	// 3. Alice's hospital activates Ferdie at the first visit.
	let activate: RuntimeCall = RegistryCall::activate_patient { patient: ferdie.clone() }.into();
	let alice_nonce = 0;
	rpc.submit_and_wait_finalized(
		&signed_transaction(&Alice.pair(), activate, alice_nonce, genesis).encode(),
		FINALITY,
	)
	.expect("activation finalized");
	let standing = standing(&rpc, &ferdie).expect("Ferdie is a member");
	assert_eq!((standing.role, standing.inability), (Role::Patient, None));
	assert_eq!(standing.encryption_key, key);
	assert_eq!(standing.hospital, Some(Alice.to_account_id()));

	// 4. Now Ferdie transacts, with the first nonce of a new account: the calls of a
	// patient, not remarks (`CallNotForRole`, error 35).
	let refused = rpc
		.submit_extrinsic(
			&signed_transaction(&Ferdie.pair(), remark(b"hello"), 0, genesis).encode(),
		)
		.expect_err("a member's remark is refused");
	assert_eq!(custom_code(refused), "\"Custom error: 35\"");
	let update: RuntimeCall = RegistryCall::update_profile {
		profile_commitment: Some(H256::repeat_byte(0x25)),
		encryption_key: None,
	}
	.into();
	rpc.submit_and_wait_finalized(
		&signed_transaction(&Ferdie.pair(), update, 0, genesis).encode(),
		FINALITY,
	)
	.expect("a member's transaction is accepted and finalized");
}
