// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Follows the finalized chain of one node and times every benchmark transaction from its
//! submission to the finality notification of the block that holds it.

use crate::load::SubmitLog;
use jsonrpsee::{
	core::client::{ClientT, Subscription, SubscriptionClientT},
	rpc_params,
	ws_client::WsClient,
};
use serde_json::Value;
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// A finalized block as the run saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FinalizedBlock {
	pub number: u32,
	/// Benchmark transactions in it.
	pub writes: u32,
	/// All its extrinsics (inherents included).
	pub extrinsics: u32,
	/// Seconds from the run's first submission to its finality notification.
	pub finalized_after_s: f64,
}

/// What the follower found.
#[derive(Default)]
pub struct Finality {
	/// Submission → finality, per finalized benchmark transaction.
	pub latencies: HashMap<[u8; 32], Duration>,
	pub finalized_at: HashMap<[u8; 32], Instant>,
	pub blocks: Vec<FinalizedBlock>,
}

fn number_of(header: &Value) -> Result<u32, String> {
	let hex = header["number"].as_str().ok_or("a header without a number")?;
	u32::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(|e| e.to_string())
}

/// Reads finalized blocks from `from + 1` on, until `done` says every submitted
/// transaction has an outcome or `deadline` passes.
pub async fn follow(
	client: Arc<WsClient>,
	from: u32,
	log: Arc<Mutex<SubmitLog>>,
	finality: Arc<Mutex<Finality>>,
	run_start: Instant,
	done: impl Fn(&SubmitLog, &Finality) -> bool,
	deadline: Instant,
) -> Result<(), String> {
	let mut heads: Subscription<Value> = client
		.subscribe(
			"chain_subscribeFinalizedHeads",
			rpc_params![],
			"chain_unsubscribeFinalizedHeads",
		)
		.await
		.map_err(|e| format!("subscribing to finalized heads: {e}"))?;
	let mut next = from + 1;
	loop {
		{
			let log = log.lock().expect("not poisoned");
			if done(&log, &finality.lock().expect("not poisoned")) {
				return Ok(());
			}
		}
		let left = deadline.saturating_duration_since(Instant::now());
		if left.is_zero() {
			return Ok(());
		}
		let header =
			match tokio::time::timeout(left.min(Duration::from_secs(1)), heads.next()).await {
				Err(_) => continue,
				Ok(None) => return Err("the finalized-heads subscription ended".into()),
				Ok(Some(header)) => header.map_err(|e| format!("a finalized head: {e}"))?,
			};
		let now = Instant::now();
		// A notification can cover several blocks: read every one up to it.
		let head = number_of(&header)?;
		for number in next..=head {
			let hash: String = client
				.request("chain_getBlockHash", rpc_params![number])
				.await
				.map_err(|e| format!("hash of #{number}: {e}"))?;
			let block: Value = client
				.request("chain_getBlock", rpc_params![hash])
				.await
				.map_err(|e| format!("block #{number}: {e}"))?;
			let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
			let mut writes = 0;
			let log = log.lock().expect("not poisoned");
			let mut finality = finality.lock().expect("not poisoned");
			for xt in &extrinsics {
				let bytes = ehr_testnet::hex_decode(xt.as_str().unwrap_or_default())?;
				let hash = sp_io::hashing::blake2_256(&bytes);
				if let Some(sent) = log.sent_at.get(&hash) {
					writes += 1;
					finality.latencies.insert(hash, now.saturating_duration_since(*sent));
					finality.finalized_at.insert(hash, now);
				}
			}
			finality.blocks.push(FinalizedBlock {
				number,
				writes,
				extrinsics: extrinsics.len() as u32,
				finalized_after_s: now.saturating_duration_since(run_start).as_secs_f64(),
			});
		}
		next = next.max(head + 1);
	}
}
