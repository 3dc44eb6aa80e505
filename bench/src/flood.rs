// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The flood: one member — a doctor of the first hospital, with a patient who granted it
//! treatment access — writes records as fast as the chain lets it, while the honest
//! doctors' load runs. It keeps its budget spent at all times: it submits until the pool
//! refuses it, then tries again a block later. (Hammering the RPC port on refusal is what
//! the nodes' per-connection rate limit answers; loopback, which this runs on, is exempt
//! from it, so the flooder is polite there and ruthless with the chain.)

use crate::load::record_call_for;
use codec::Encode;
use ehr_runtime::{signing::signed_transaction_for, AccountId, Nonce};
use ehr_testnet::RpcClient;
use sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};
use std::{
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::Duration,
};

/// What the flooder did, and what the chain took of it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FloodReport {
	/// Transactions it sent to the node.
	pub attempted: u64,
	/// Accepted into the pool.
	pub accepted: u64,
	/// Refused by the pool, by reason.
	pub refused: std::collections::BTreeMap<String, u64>,
	/// Included in finalized blocks (its nonce moved that far).
	pub included: u64,
	/// Their encoded size: how much the flooder grew the chain.
	pub included_bytes: u64,
	pub duration_s: f64,
	/// What its budget allows in that time (`Quota` of a doctor, per minute), in bytes.
	pub budget_bytes: u64,
	pub budget_transactions: u64,
}

/// A doctor's budget per minute (the runtime's `EhrPolicy`).
fn budget() -> pallet_ehr_registry::Quota {
	<ehr_runtime::configs::EhrPolicy as pallet_ehr_registry::TransactionPolicy<
		ehr_runtime::RuntimeCall,
	>>::quota(ehr_primitives::registry::Role::Doctor)
}

/// Floods through `rpc` as `doctor` writing for `patient` until `stop` is set.
pub fn run(
	rpc: RpcClient,
	doctor: sr25519::Pair,
	patient: AccountId,
	genesis: H256,
	stop: Arc<AtomicBool>,
) -> Result<FloodReport, String> {
	let me = AccountId::from(doctor.public());
	let first: Nonce = rpc.account_nonce(me.as_ref(), None).map_err(|e| e.to_string())?;
	let started = std::time::Instant::now();
	let mut report = FloodReport::default();
	let mut sizes = Vec::new();
	let mut nonce = first;
	// One lifetime for the whole flood (valid 80 minutes): a request per transaction is
	// all the flooder spends on the node besides the submission itself.
	let lifetime = crate::mortal(&rpc)?;
	while !stop.load(Ordering::Relaxed) {
		let call = record_call_for(patient.clone(), u64::MAX, u64::from(nonce));
		let xt = signed_transaction_for(&doctor, call, nonce, genesis, lifetime).encode();
		report.attempted += 1;
		match rpc.submit_extrinsic(&xt) {
			Ok(_) => {
				report.accepted += 1;
				sizes.push(xt.len() as u64);
				nonce += 1;
			}
			Err(e) => {
				let reason = e.to_string();
				let reason = reason
					.split("Custom error: ")
					.nth(1)
					.map(|code| {
						format!("custom {}", code.trim_matches(|c: char| !c.is_ascii_digit()))
					})
					.unwrap_or(reason);
				*report.refused.entry(reason).or_default() += 1;
				// The budget is spent (or the pool holds all it allows): a block later,
				// try again from the next nonce the pool expects.
				std::thread::sleep(Duration::from_secs(2));
				let next = rpc
					.call("system_accountNextIndex", serde_json::json!([me.to_ss58check()]))
					.map_err(|e| e.to_string())?;
				nonce = next.as_u64().ok_or("system_accountNextIndex answered no number")? as Nonce;
				sizes.truncate((nonce - first) as usize);
			}
		}
	}
	report.duration_s = started.elapsed().as_secs_f64();
	// What the chain took: the nonce the finalized chain has for it, once what the pool
	// accepted is finalized (or has stopped moving for 10 s).
	let finalized_nonce = || -> Result<Nonce, String> {
		let (_, head) = rpc.finalized_head().map_err(|e| e.to_string())?;
		rpc.account_nonce(me.as_ref(), Some(&head)).map_err(|e| e.to_string())
	};
	let mut finalized = finalized_nonce()?;
	let mut still_since = std::time::Instant::now();
	while finalized < nonce && still_since.elapsed() < Duration::from_secs(10) {
		std::thread::sleep(Duration::from_secs(1));
		let now = finalized_nonce()?;
		if now != finalized {
			(finalized, still_since) = (now, std::time::Instant::now());
		}
	}
	report.included = u64::from(finalized - first);
	report.included_bytes = sizes.iter().take(report.included as usize).sum();
	let minutes = (report.duration_s / 60.0).ceil() as u64 + 1;
	report.budget_bytes = u64::from(budget().bytes) * minutes;
	report.budget_transactions = u64::from(budget().transactions) * minutes;
	Ok(report)
}
