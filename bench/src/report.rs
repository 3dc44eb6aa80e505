// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The figures of a run, printed and written as JSON.

use crate::{
	blobs::Sample,
	follow::{Finality, FinalizedBlock},
	load::{LoadKind, SubmitLog},
};
use std::{
	collections::{BTreeMap, HashMap},
	time::Duration,
};

/// One run's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunReport {
	pub load: LoadKind,
	pub validators: usize,
	pub senders: usize,
	/// Transactions per second asked for.
	pub target_rate: u32,
	pub duration_s: u64,
	pub offered: u64,
	/// Transactions per second actually sent (first to last submission).
	pub offered_rate: f64,
	pub accepted: u64,
	pub refused: u64,
	pub refused_by_reason: BTreeMap<String, u64>,
	/// Submissions the node refused by hash ("unknown Block", "temporarily banned") and
	/// the load generator signed again, as a careful client does.
	pub resigned: u64,
	/// Busy refusals (`Registry::Busy`) waited out and submitted again.
	pub busy_retries: u64,
	/// Transactions accepted after one or more busy refusals, and their mean wait.
	pub deferred: u64,
	pub deferred_mean_wait_s: f64,
	pub finalized: u64,
	/// Accepted by a node but not finalized when the run ended: lost writes.
	pub accepted_not_finalized: u64,
	/// The lost writes by sender: how many, and the queue place of the first (a lost
	/// transaction strands every later nonce of its sender).
	pub lost_by_sender: BTreeMap<usize, (u32, u32)>,
	/// The hash of each sender's first lost write and of the write before it, to follow
	/// them through the nodes' logs.
	pub first_lost_hash: BTreeMap<usize, (String, Option<String>)>,
	/// Finalized writes per second, from the first submission to the last finality.
	pub finalized_rate: f64,
	/// Finalized writes per second within the load window (first to last submission).
	pub finalized_rate_under_load: f64,
	pub latency_p50_s: f64,
	pub latency_p95_s: f64,
	pub latency_p99_s: f64,
	pub latency_max_s: f64,
	pub blocks: u32,
	pub largest_block_writes: u32,
	pub mean_block_writes: f64,
	/// Records each transaction anchors (1 but for a `batch` load).
	pub records_per_transaction: u64,
	/// Records the finalized transactions anchored, counted from the blocks' events.
	pub records_created: u64,
	/// What the runtime refused inside included transactions, by error (see
	/// [`Finality::refused_in_block`]).
	pub refused_in_block_by_reason: BTreeMap<String, u64>,
	/// Records created per second, from the first submission to the last finality.
	pub finalized_records_rate: f64,
	/// CPU seconds the nodes used from the start of the load to its last finality, and per
	/// 1,000 finalized records.
	pub node_cpu_s: f64,
	pub node_cpu_s_per_1000_records: f64,
	/// Times a node switched its best chain to another fork during the run (summed over
	/// the nodes, from their logs).
	pub reorgs: u64,
	/// Mean seconds a node took to build a block it authored, and to verify and import
	/// one (the nodes' own histograms, over the run).
	pub mean_block_build_s: f64,
	pub mean_block_import_s: f64,
	/// With `--blobs`: the blobs put and their replication.
	pub blobs: Option<BlobFigures>,
	pub block_trace: Vec<FinalizedBlock>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
	sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64()
}

#[allow(clippy::too_many_arguments)]
pub fn summarize(
	load: LoadKind,
	validators: usize,
	senders: usize,
	target_rate: u32,
	duration_s: u64,
	offered: u64,
	log: &SubmitLog,
	finality: &Finality,
) -> RunReport {
	let mut latencies: Vec<Duration> = finality.latencies.values().copied().collect();
	latencies.sort();
	let finalized = latencies.len() as u64;
	let refused = log.refused.values().sum::<u64>();
	let accepted = offered.saturating_sub(refused);
	let (first, last) = (log.first_sent, log.last_sent);
	let window = match (first, last) {
		(Some(first), Some(last)) => last.saturating_duration_since(first).as_secs_f64(),
		_ => 0.0,
	};
	let last_final = finality.finalized_at.values().max().copied();
	let span = match (first, last_final) {
		(Some(first), Some(last)) => last.saturating_duration_since(first).as_secs_f64(),
		_ => 0.0,
	};
	let under_load = match last {
		Some(last) => finality.finalized_at.values().filter(|t| **t <= last).count() as f64,
		None => 0.0,
	};
	let mut lost_by_sender: BTreeMap<usize, (u32, u32)> = BTreeMap::new();
	let by_place: HashMap<(usize, u32), [u8; 32]> =
		log.origin.iter().map(|(hash, place)| (*place, *hash)).collect();
	let show = |hash: &[u8; 32]| format!("{:?}", sp_core::H256(*hash));
	let mut first_lost_hash: BTreeMap<usize, (String, Option<String>)> = BTreeMap::new();
	for (hash, (sender, index)) in &log.origin {
		if log.sent_at.contains_key(hash) && !finality.latencies.contains_key(hash) {
			let entry = lost_by_sender.entry(*sender).or_insert((0, u32::MAX));
			entry.0 += 1;
			if *index < entry.1 {
				entry.1 = *index;
				let before = index.checked_sub(1).and_then(|i| by_place.get(&(*sender, i)));
				first_lost_hash.insert(*sender, (show(hash), before.map(show)));
			}
		}
	}
	let with_writes: Vec<&FinalizedBlock> =
		finality.blocks.iter().filter(|b| b.writes > 0).collect();
	let rate = |count: f64, seconds: f64| if seconds > 0.0 { count / seconds } else { 0.0 };
	RunReport {
		load,
		validators,
		senders,
		target_rate,
		duration_s,
		offered,
		offered_rate: rate(offered as f64, window),
		accepted,
		refused,
		refused_by_reason: log.refused.clone(),
		resigned: log.resigned,
		busy_retries: log.busy_retries,
		deferred: log.deferred,
		deferred_mean_wait_s: rate(log.deferred_wait.as_secs_f64(), log.deferred as f64),
		finalized,
		accepted_not_finalized: accepted.saturating_sub(finalized),
		lost_by_sender,
		first_lost_hash,
		finalized_rate: rate(finalized as f64, span),
		finalized_rate_under_load: rate(under_load, window),
		latency_p50_s: percentile(&latencies, 50.0),
		latency_p95_s: percentile(&latencies, 95.0),
		latency_p99_s: percentile(&latencies, 99.0),
		latency_max_s: latencies.last().map_or(f64::NAN, Duration::as_secs_f64),
		blocks: with_writes.len() as u32,
		largest_block_writes: with_writes.iter().map(|b| b.writes).max().unwrap_or(0),
		mean_block_writes: rate(
			with_writes.iter().map(|b| f64::from(b.writes)).sum(),
			with_writes.len() as f64,
		),
		records_per_transaction: load.records_per_transaction(),
		records_created: finality.records_created,
		refused_in_block_by_reason: finality.refused_in_block.clone(),
		finalized_records_rate: rate(finality.records_created as f64, span),
		node_cpu_s: 0.0,
		node_cpu_s_per_1000_records: 0.0,
		reorgs: 0,
		mean_block_build_s: f64::NAN,
		mean_block_import_s: f64::NAN,
		blobs: None,
		block_trace: finality.blocks.clone(),
	}
}

/// The blobs of a `--blobs` run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BlobFigures {
	pub puts: u64,
	pub bytes: u64,
	pub mean_bytes: f64,
	/// Mean time to put one blob (the node's answer included).
	pub mean_put_ms: f64,
	pub put_refusals: BTreeMap<String, u64>,
	/// Followed blobs (about one a second), and those not on every node when the run
	/// ended.
	pub followed: u64,
	pub not_everywhere: u64,
	/// Put on the author's node → stored on every node.
	pub put_to_everywhere_p50_s: f64,
	pub put_to_everywhere_p95_s: f64,
	pub put_to_everywhere_max_s: f64,
	/// Anchor finalized → blob stored on every node: the replication lag proper.
	pub replication_lag_p50_s: f64,
	pub replication_lag_p95_s: f64,
	pub replication_lag_max_s: f64,
}

/// The figures of a run's blobs, from its log, the finality of its transactions and the
/// followed samples.
pub fn blob_figures(log: &SubmitLog, finality: &Finality, samples: &[Sample]) -> BlobFigures {
	let mut put_to_everywhere: Vec<Duration> = samples
		.iter()
		.filter_map(|s| Some(s.everywhere_at?.saturating_duration_since(s.put_at)))
		.collect();
	put_to_everywhere.sort();
	let mut lag: Vec<Duration> = samples
		.iter()
		.filter_map(|s| {
			let finalized = finality.finalized_at.get(&s.transaction)?;
			Some(s.everywhere_at?.saturating_duration_since(*finalized))
		})
		.collect();
	lag.sort();
	let per = |total: f64, count: u64| if count > 0 { total / count as f64 } else { 0.0 };
	BlobFigures {
		puts: log.blob_puts,
		bytes: log.blob_bytes,
		mean_bytes: per(log.blob_bytes as f64, log.blob_puts),
		mean_put_ms: per(log.blob_put_time.as_secs_f64() * 1000.0, log.blob_puts),
		put_refusals: log.blob_put_failures.clone(),
		followed: samples.len() as u64,
		not_everywhere: samples.iter().filter(|s| s.everywhere_at.is_none()).count() as u64,
		put_to_everywhere_p50_s: percentile(&put_to_everywhere, 50.0),
		put_to_everywhere_p95_s: percentile(&put_to_everywhere, 95.0),
		put_to_everywhere_max_s: put_to_everywhere.last().map_or(f64::NAN, Duration::as_secs_f64),
		replication_lag_p50_s: percentile(&lag, 50.0),
		replication_lag_p95_s: percentile(&lag, 95.0),
		replication_lag_max_s: lag.last().map_or(f64::NAN, Duration::as_secs_f64),
	}
}

impl RunReport {
	pub fn print(&self) {
		println!(
			"── {:?} load, {} validator(s), {} senders ──",
			self.load, self.validators, self.senders
		);
		println!(
			"offered      {} tx at {} tx/s asked, {:.1} tx/s sent over {:.0} s",
			self.offered, self.target_rate, self.offered_rate, self.duration_s
		);
		println!(
			"accepted     {}   refused {} {:?}   signed again {}",
			self.accepted, self.refused, self.refused_by_reason, self.resigned
		);
		if self.busy_retries > 0 {
			println!(
				"busy         {} refusals waited out; {} writes accepted after waiting {:.1} s on \
				 average (latency counts from the accepted submission)",
				self.busy_retries, self.deferred, self.deferred_mean_wait_s
			);
		}
		println!(
			"finalized    {}   accepted but never finalized {}",
			self.finalized, self.accepted_not_finalized
		);
		if !self.lost_by_sender.is_empty() {
			println!(
				"lost         by sender (count, first queue place): {:?}",
				self.lost_by_sender
			);
		}
		println!(
			"throughput   {:.1} finalized writes/s (under load {:.1}/s)",
			self.finalized_rate, self.finalized_rate_under_load
		);
		if self.load.anchors_records() {
			println!(
				"records      {} created ({:.1} finalized records/s, {} a transaction), refused in \
				 blocks {:?}",
				self.records_created,
				self.finalized_records_rate,
				self.records_per_transaction,
				self.refused_in_block_by_reason
			);
		}
		println!(
			"latency      submit→finalized p50 {:.2} s  p95 {:.2} s  p99 {:.2} s  max {:.2} s",
			self.latency_p50_s, self.latency_p95_s, self.latency_p99_s, self.latency_max_s
		);
		println!(
			"blocks       {} with writes, largest {} writes, mean {:.1}",
			self.blocks, self.largest_block_writes, self.mean_block_writes
		);
		println!(
			"cost         nodes' CPU {:.0} s, {:.1} s per 1,000 finalized records; {} reorgs; \
			 a block built in {:.3} s, imported in {:.3} s on average",
			self.node_cpu_s,
			self.node_cpu_s_per_1000_records,
			self.reorgs,
			self.mean_block_build_s,
			self.mean_block_import_s
		);
		if let Some(blobs) = &self.blobs {
			println!(
				"blobs        {} put ({:.1} MiB, mean {:.1} KiB, {:.1} ms a put), refused {:?}",
				blobs.puts,
				blobs.bytes as f64 / 1048576.0,
				blobs.mean_bytes / 1024.0,
				blobs.mean_put_ms,
				blobs.put_refusals
			);
			println!(
				"replication  {} followed, {} not on every node at the end; finalized→every \
				 node p50 {:.2} s p95 {:.2} s max {:.2} s; put→every node p50 {:.2} s p95 {:.2} s",
				blobs.followed,
				blobs.not_everywhere,
				blobs.replication_lag_p50_s,
				blobs.replication_lag_p95_s,
				blobs.replication_lag_max_s,
				blobs.put_to_everywhere_p50_s,
				blobs.put_to_everywhere_p95_s
			);
		}
	}
}
