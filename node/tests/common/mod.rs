// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the node tests share: signing and submitting through a node, and a load of
//! health-record anchors whose fate the fault tests follow.

#![allow(dead_code)]

pub mod governance;

use ehr_primitives::records::{Category, ContentId, Purpose, RecordKeys, RecordView};
use ehr_runtime::{signing::signed_transaction, AccountId, Nonce, RuntimeCall};
use ehr_testnet::{RpcClient, RpcError};
use sp_core::{sr25519, Decode, Encode, Pair, H256};
use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	thread::JoinHandle,
	time::Duration,
};

pub const FINALITY: Duration = Duration::from_secs(60);

/// The on-chain nonce of `who` at the best block.
pub fn nonce(rpc: &RpcClient, who: &AccountId) -> Result<Nonce, RpcError> {
	rpc.account_nonce(who.as_ref(), None)
}

/// Signs `call` as `signer` at its current nonce, submits it and waits for finality.
pub fn submit_finalized(
	rpc: &RpcClient,
	genesis: H256,
	signer: &sr25519::Pair,
	call: RuntimeCall,
) -> u32 {
	let who = AccountId::from(signer.public());
	let xt = signed_transaction(signer, call, nonce(rpc, &who).expect("nonce"), genesis);
	rpc.submit_and_wait_finalized(&xt.encode(), FINALITY).expect("finalized")
}

/// The ciphertext hashes of `patient`'s records in the node's finalized state.
pub fn finalized_records(rpc: &RpcClient, patient: &AccountId) -> Result<Vec<[u8; 32]>, RpcError> {
	let (_, head) = rpc.finalized_head()?;
	let mut all = Vec::new();
	loop {
		let args = (patient, all.len() as u32, 100u32).encode();
		let bytes = rpc.runtime_call_at("RecordsApi_records_of", &args, Some(&head))?;
		let page: Vec<RecordView<AccountId>> =
			Decode::decode(&mut &bytes[..]).map_err(|e| RpcError::Transport(e.to_string()))?;
		if page.is_empty() {
			return Ok(all);
		}
		all.extend(page.into_iter().map(|r| r.ciphertext_sha256));
	}
}

/// How often each hash occurs.
pub fn counts(hashes: &[[u8; 32]]) -> HashMap<[u8; 32], usize> {
	let mut counts = HashMap::new();
	for hash in hashes {
		*counts.entry(*hash).or_default() += 1;
	}
	counts
}

/// A doctor writing records for a patient as fast as `per_second`, through one node, until
/// stopped. Each record's content is unique; its hash identifies it.
pub struct RecordLoad {
	stop: Arc<AtomicBool>,
	submitted: Arc<Mutex<Vec<[u8; 32]>>>,
	thread: Option<JoinHandle<()>>,
}

impl RecordLoad {
	/// `patient` must have granted the doctor's hospital treatment access.
	pub fn start(
		rpc: RpcClient,
		genesis: H256,
		doctor: sr25519::Pair,
		patient: AccountId,
		per_second: u32,
	) -> Self {
		let stop = Arc::new(AtomicBool::new(false));
		let submitted = Arc::new(Mutex::new(Vec::new()));
		let (stop_flag, log) = (stop.clone(), submitted.clone());
		let thread = std::thread::spawn(move || {
			let me = AccountId::from(doctor.public());
			let mut next = nonce(&rpc, &me).unwrap_or_default();
			let mut counter = 0u64;
			while !stop_flag.load(Ordering::Relaxed) {
				counter += 1;
				let digest = sp_io::hashing::sha2_256(
					&[b"fault-test record ".as_slice(), &counter.to_le_bytes()].concat(),
				);
				let call: RuntimeCall = pallet_ehr_records::Call::create {
					patient: patient.clone(),
					category: Category::Observation,
					cid: ContentId::from_sha256(digest),
					ciphertext_sha256: digest,
					// The local consortium escrows with the three other hospitals.
					keys: RecordKeys {
						patient: vec![1; 72],
						author: vec![2; 72],
						custodian: vec![3; 72],
						escrow: vec![vec![4; 72]; 3],
					},
				}
				.into();
				let xt = signed_transaction(&doctor, call, next, genesis);
				match rpc.submit_extrinsic(&xt.encode()) {
					Ok(_) => {
						next += 1;
						log.lock().unwrap().push(digest);
					}
					// A stale or future nonce after a reorg: start again from the chain's.
					Err(_) => {
						std::thread::sleep(Duration::from_millis(500));
						next = nonce(&rpc, &me).unwrap_or(next);
					}
				}
				std::thread::sleep(Duration::from_millis(1000 / u64::from(per_second.max(1))));
			}
		});
		Self { stop, submitted, thread: Some(thread) }
	}

	/// The hashes of the records submitted so far.
	pub fn submitted(&self) -> Vec<[u8; 32]> {
		self.submitted.lock().unwrap().clone()
	}

	pub fn stop(&mut self) -> Vec<[u8; 32]> {
		self.stop.store(true, Ordering::Relaxed);
		if let Some(thread) = self.thread.take() {
			let _ = thread.join();
		}
		self.submitted()
	}
}

impl Drop for RecordLoad {
	fn drop(&mut self) {
		self.stop();
	}
}

/// Lets `patient` (Ferdie on the local chain) be treated at `hospital` (Alice's), so its
/// doctor (Eve) can write records.
pub fn grant_treatment(
	rpc: &RpcClient,
	genesis: H256,
	patient: &sr25519::Pair,
	hospital: AccountId,
) {
	let call: RuntimeCall = pallet_ehr_consent::Call::grant {
		patient: AccountId::from(patient.public()),
		grantee: hospital,
		scope: pallet_ehr_consent::ScopeRequest::AllRecords,
		purpose: Purpose::Treatment,
		expires_at: None,
	}
	.into();
	submit_finalized(rpc, genesis, patient, call);
}

/// The Aura key that authored the block with this hash: the slot in its pre-runtime
/// digest picks one of the authorities of its parent's state.
pub fn author(rpc: &RpcClient, hash: &str) -> [u8; 32] {
	let header = rpc.header(hash).expect("header");
	let slot = header["digest"]["logs"]
		.as_array()
		.expect("logs")
		.iter()
		.filter_map(|log| log.as_str())
		// PreRuntime (6), engine "aura", 8 bytes (compact 0x20): the slot, little-endian.
		.find_map(|log| log.strip_prefix("0x066175726120"))
		.map(|slot| {
			u64::from_le_bytes(ehr_testnet::hex_decode(&slot[..16]).unwrap().try_into().unwrap())
		})
		.expect("an Aura pre-runtime digest");
	let parent = header["parentHash"].as_str().expect("parent");
	let bytes = rpc.runtime_call_at("AuraApi_authorities", &[], Some(parent)).expect("authorities");
	let authorities: Vec<[u8; 32]> = Decode::decode(&mut &bytes[..]).expect("decodes");
	authorities[(slot % authorities.len() as u64) as usize]
}

/// The authors of finalized blocks `from..=to`.
pub fn authors(rpc: &RpcClient, from: u32, to: u32) -> Vec<[u8; 32]> {
	(from..=to).map(|n| author(rpc, &rpc.block_hash(n).expect("rpc").expect("block"))).collect()
}
