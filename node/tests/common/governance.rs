// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Governance through a node: signed calls whose events are checked, and council motions
//! (propose, vote, close) as hospitals make them.

use ehr_runtime::{signing::signed_transaction, AccountId, Nonce, RuntimeCall, RuntimeEvent};
use ehr_testnet::{hex_encode, RpcClient};
use frame_support::dispatch::GetDispatchInfo;
use sp_core::{sr25519, Decode, Encode, Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::{BlakeTwo256, Hash};
use std::time::Duration;

const FINALITY: Duration = Duration::from_secs(60);

pub type CouncilCall = pallet_collective::Call<ehr_runtime::Runtime, pallet_collective::Instance1>;
pub type ConsortiumCall = pallet_ehr_consortium::Call<ehr_runtime::Runtime>;

/// The chain as one node serves it, and the council motions made on it so far.
pub struct Chain {
	pub rpc: RpcClient,
	pub genesis: H256,
	pub motions: u32,
}

impl Chain {
	/// The chain `rpc`'s node follows, with no motion made yet.
	pub fn new(rpc: RpcClient) -> Self {
		let genesis = H256(rpc.genesis_hash().expect("genesis"));
		Self { rpc, genesis, motions: 0 }
	}

	pub fn nonce(&self, who: &AccountId) -> Nonce {
		self.rpc.account_nonce(who.as_ref(), None).expect("nonce")
	}

	/// Submits `call` signed by `signer`, waits until it is finalized, checks it succeeded,
	/// and returns the events it caused.
	pub fn submit(&self, signer: &sr25519::Pair, call: RuntimeCall) -> Vec<RuntimeEvent> {
		let who = AccountId::from(signer.public());
		let xt = signed_transaction(signer, call, self.nonce(&who), self.genesis).encode();
		let block = self.rpc.submit_and_wait_finalized(&xt, FINALITY).expect("finalized");
		let hash = self.rpc.block_hash(block).expect("rpc").expect("block");
		let wanted = format!("0x{}", hex_encode(&xt));
		let position =
			self.rpc.block_extrinsics(&hash).expect("body").iter().position(|x| *x == wanted);
		let phase = frame_system::Phase::ApplyExtrinsic(position.expect("in the block") as u32);
		let events: Vec<RuntimeEvent> =
			self.events(&hash).into_iter().filter(|r| r.phase == phase).map(|r| r.event).collect();
		for event in &events {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error,
				..
			}) = event
			{
				panic!("transaction of {who} failed in #{block}: {dispatch_error:?}");
			}
		}
		events
	}

	/// The event records of the block with this hash.
	pub fn events(&self, hash: &str) -> Vec<frame_system::EventRecord<RuntimeEvent, H256>> {
		let key =
			[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
		let value = self
			.rpc
			.call("state_getStorage", serde_json::json!([format!("0x{}", hex_encode(&key)), hash]))
			.expect("events");
		let bytes = ehr_testnet::hex_decode(value.as_str().unwrap_or("0x")).expect("hex");
		Decode::decode(&mut &bytes[..]).expect("events decode")
	}

	/// A council motion: `proposer` proposes `call` needing `threshold` ayes, `voters` vote
	/// aye, and the proposer closes it.
	pub fn motion(
		&mut self,
		proposer: Sr25519Keyring,
		voters: &[&sr25519::Pair],
		threshold: u32,
		call: RuntimeCall,
	) -> Result<(), sp_runtime::DispatchError> {
		let index = self.motions;
		self.motions += 1;
		let hash = BlakeTwo256::hash_of(&call);
		let length_bound = call.encoded_size() as u32;
		let weight = call.get_dispatch_info().call_weight;
		let proposal = CouncilCall::propose { threshold, proposal: Box::new(call), length_bound };
		self.submit(&proposer.pair(), proposal.into());
		for voter in core::iter::once(&&proposer.pair()).chain(voters) {
			self.submit(voter, CouncilCall::vote { proposal: hash, index, approve: true }.into());
		}
		let close = CouncilCall::close {
			proposal_hash: hash,
			index,
			proposal_weight_bound: weight,
			length_bound,
		};
		let events = self.submit(&proposer.pair(), close.into());
		events
			.clone()
			.into_iter()
			.find_map(|event| match event {
				RuntimeEvent::Council(pallet_collective::Event::Executed { result, .. }) => {
					Some(result)
				}
				_ => None,
			})
			.unwrap_or_else(|| panic!("motion {index} was not executed: {events:?}"))
	}

	pub fn hospitals(&self) -> Vec<AccountId> {
		let bytes = self.rpc.runtime_call("ConsortiumApi_hospitals", &[]).expect("hospitals");
		Decode::decode(&mut &bytes[..]).expect("decodes")
	}
}
