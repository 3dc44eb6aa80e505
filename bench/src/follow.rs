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
	collections::{BTreeMap, HashMap},
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
	/// Records its benchmark transactions anchored (`RecordCreated` events).
	pub records: u32,
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
	/// Records the finalized benchmark transactions anchored, from the blocks' events: a
	/// transaction included is not a record written.
	pub records_created: u64,
	/// What the runtime refused within included benchmark transactions, by error: the
	/// records of a batch refused one by one (`BatchRecordRefused`), and failed
	/// transactions (`ExtrinsicFailed`, counted once each).
	pub refused_in_block: BTreeMap<String, u64>,
}

/// The storage key of `System::Events`.
const EVENTS_KEY: &str = "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7";

/// A dispatch error by its pallet's name for it (`Records(NoTreatingRelationship)`).
fn error_name(error: frame_support::sp_runtime::DispatchError) -> String {
	match ehr_runtime::RuntimeError::from_dispatch_error(error) {
		Some(named) => format!("{named:?}"),
		None => format!("{error:?}"),
	}
}

/// What the block `hash`'s events say of its extrinsics at `writes` (their indexes):
/// records created, and refusals by error.
async fn outcomes(
	client: &WsClient,
	hash: &str,
	writes: &[u32],
) -> Result<(u32, BTreeMap<String, u64>), String> {
	use codec::Decode;
	use ehr_runtime::RuntimeEvent;
	use pallet_ehr_records::Event as RecordsEvent;
	let data: Option<String> = client
		.request("state_getStorage", rpc_params![EVENTS_KEY, hash])
		.await
		.map_err(|e| format!("events of {hash}: {e}"))?;
	let bytes = ehr_testnet::hex_decode(data.as_deref().unwrap_or("0x00"))?;
	let events =
		Vec::<frame_system::EventRecord<RuntimeEvent, sp_core::H256>>::decode(&mut &bytes[..])
			.map_err(|e| format!("undecodable events of {hash}: {e}"))?;
	let (mut created, mut refused) = (0u32, BTreeMap::<String, u64>::new());
	for record in events {
		let frame_system::Phase::ApplyExtrinsic(index) = record.phase else { continue };
		if !writes.contains(&index) {
			continue;
		}
		match record.event {
			RuntimeEvent::Records(RecordsEvent::RecordCreated { .. }) => created += 1,
			RuntimeEvent::Records(RecordsEvent::BatchRecordRefused { error, .. }) => {
				*refused.entry(error_name(error)).or_default() += 1
			}
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => {
				*refused
					.entry(format!("transaction {}", error_name(dispatch_error)))
					.or_default() += 1
			}
			_ => {}
		}
	}
	Ok((created, refused))
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
				.request("chain_getBlock", rpc_params![hash.clone()])
				.await
				.map_err(|e| format!("block #{number}: {e}"))?;
			let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
			let mut writes = Vec::new();
			{
				let log = log.lock().expect("not poisoned");
				let mut finality = finality.lock().expect("not poisoned");
				for (index, xt) in (0u32..).zip(&extrinsics) {
					let bytes = ehr_testnet::hex_decode(xt.as_str().unwrap_or_default())?;
					let hash = sp_io::hashing::blake2_256(&bytes);
					if let Some(sent) = log.sent_at.get(&hash) {
						writes.push(index);
						finality.latencies.insert(hash, now.saturating_duration_since(*sent));
						finality.finalized_at.insert(hash, now);
					}
				}
			}
			let (records, refused) = if writes.is_empty() {
				Default::default()
			} else {
				outcomes(&client, &hash, &writes).await?
			};
			let mut finality = finality.lock().expect("not poisoned");
			finality.records_created += u64::from(records);
			for (reason, count) in refused {
				*finality.refused_in_block.entry(reason).or_default() += count;
			}
			finality.blocks.push(FinalizedBlock {
				number,
				writes: writes.len() as u32,
				extrinsics: extrinsics.len() as u32,
				records,
				finalized_after_s: now.saturating_duration_since(run_start).as_secs_f64(),
			});
		}
		next = next.max(head + 1);
	}
}
