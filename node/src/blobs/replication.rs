// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Replication of blobs between the consortium's nodes.
//!
//! Nodes fetch blobs from each other over the request-response protocol of
//! [`super::protocol`], which checks every blob against its content id.
//!
//! The [`Replicator`] follows finality: for every finalized block it reads the records
//! pallet's events and adopts (or fetches) the blob of each new record version, and drops
//! the blob of each erased one. Every `--blob-reconcile-interval`, and once the node has
//! caught up with the chain after starting, it compares the whole store with the
//! finalized state, which is how a node that was offline, or lost its blob directory,
//! catches up. Missing blobs are fetched a bounded number at a time (a node that lost
//! the blobs of a million records must not stop replicating new ones while it catches
//! up), and while a pass finds more than it can queue, and makes progress, the next
//! pass comes after `CATCH_UP_RECONCILE` instead of the full interval.
//!
//! Every `--blob-scrub-interval` a scrub reads every stored blob again and checks it
//! against its content id, [`SCRUB_BYTES_PER_TICK`] at a time so that it never holds up
//! replication: a file altered or lost on disk is set aside and fetched again from a
//! peer, before any reader asks for it.

use super::{
	protocol::Fetcher,
	retries::Retries,
	store::{BlobStore, Placement},
	LOG_TARGET,
};
use crate::client::FullClient;
use codec::{Decode, Encode};
use ehr_primitives::{records::ContentId, AccountId, Hash};
use ehr_runtime::RuntimeEvent;
use futures::{future::Either, StreamExt};
use pallet_ehr_records::{Event as RecordsEvent, RecordAnchor};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_blockchain::HeaderBackend;
use sp_consensus::SyncOracle;
use sp_core::storage::StorageKey;
use sp_io::hashing::twox_128;
use std::{
	collections::HashSet,
	sync::Arc,
	time::{Duration, Instant},
};

/// Keeps the store in step with the finalized chain.
pub struct Replicator {
	pub client: Arc<FullClient>,
	pub store: Arc<BlobStore>,
	pub fetcher: Fetcher,
	pub reconcile_interval: Duration,
	pub scrub_interval: Duration,
}

/// Bytes of blobs the scrub reads per tick of the replicator (5 s): ~13 MiB/s, a fraction
/// of any disk, and a tick's work stays well under a second.
pub const SCRUB_BYTES_PER_TICK: u64 = 64 * 1024 * 1024;

/// Staged blobs are not expired while finality is further behind the best block than
/// this: a stalled finality must not cost an anchored record its only copy.
const EXPIRY_MAX_FINALITY_LAG: u32 = 8;

/// How often the gauges of what the store holds are counted (a walk of its directory).
const USAGE_INTERVAL: Duration = Duration::from_secs(60);

/// How soon the next reconciliation comes when the last one found more missing blobs
/// than fit in the retry queue, and fewer than the pass before.
const CATCH_UP_RECONCILE: Duration = Duration::from_secs(30);

/// What a finalized block asks of the store.
#[derive(Debug, Default, PartialEq)]
struct Changes {
	/// Record versions anchored: their blobs must be here.
	anchored: Vec<u64>,
	/// Record versions erased: their blobs must go.
	erased: Vec<u64>,
}

impl Replicator {
	pub async fn run(self) {
		let mut finality = self.client.finality_notification_stream();
		// Due at once, but it waits until the node has caught up with the chain.
		let mut next_reconcile = Instant::now();
		let mut retries = Retries::default();
		// Blobs the last reconciliation found missing.
		let mut last_missing: Option<usize> = None;
		// The scrub pass under way: the blobs it has still to read.
		let mut next_scrub = Instant::now() + self.scrub_interval;
		let mut scrub_left: Vec<ContentId> = Vec::new();
		let mut next_usage = Instant::now();
		loop {
			let tick = futures_timer::Delay::new(Duration::from_secs(5));
			match futures::future::select(finality.next(), tick).await {
				Either::Left((Some(notification), _)) => {
					let blocks = notification.tree_route.iter().chain([&notification.hash]);
					for hash in blocks {
						let missing = self.apply(*hash).await;
						retries.add(missing, Instant::now());
					}
				}
				Either::Left((None, _)) => return,
				Either::Right(((), _)) => {}
			}
			let due = retries.take_due(Instant::now());
			if !due.is_empty() {
				let cids: Vec<ContentId> = due.iter().map(|(cid, _)| *cid).collect();
				let obtained = self.ensure_all_present(&cids).await;
				let missing: HashSet<ContentId> = obtained.missing.into_iter().collect();
				let now = Instant::now();
				for cid in &obtained.fetched {
					let waited = retries.forget(cid, now);
					if let (Some(metrics), Some(waited)) = (self.store.metrics(), waited) {
						metrics.replication_seconds.observe(waited.as_secs_f64());
					}
				}
				retries.back_off(due.into_iter().filter(|(cid, _)| missing.contains(cid)), now);
			}
			self.expire_staged();
			if scrub_left.is_empty() && Instant::now() >= next_scrub {
				scrub_left = self.store.stored().unwrap_or_default();
				scrub_left.sort_unstable_by_key(|cid| cid.to_multibase());
				next_scrub = Instant::now() + self.scrub_interval;
			}
			if !scrub_left.is_empty() {
				let damaged = self.scrub(&mut scrub_left);
				retries.add_due(damaged, Instant::now());
			}
			if Instant::now() >= next_reconcile && !self.fetcher.sync.is_major_syncing() {
				let missing = self.reconcile();
				let found = missing.len();
				let now = Instant::now();
				// Every blob still missing is due at once; earlier back-offs start over.
				retries.clear();
				let queued = retries.add_due(missing, now);
				retries.forget_not_pending();
				let progress = last_missing.is_none_or(|before| found < before);
				next_reconcile = if queued < found && progress {
					now + CATCH_UP_RECONCILE.min(self.reconcile_interval)
				} else {
					now + self.reconcile_interval
				};
				last_missing = Some(found);
			}
			self.report(&retries, &mut next_usage);
		}
	}

	/// Sets the gauges: what is pending and for how long, and (every `USAGE_INTERVAL`)
	/// what the store holds.
	fn report(&self, retries: &Retries, next_usage: &mut Instant) {
		let Some(metrics) = self.store.metrics() else { return };
		let now = Instant::now();
		metrics.pending.set(retries.wanted() as u64);
		metrics
			.oldest_pending_seconds
			.set(retries.oldest(now).map_or(0, |waited| waited.as_secs()));
		if now >= *next_usage {
			*next_usage = now + USAGE_INTERVAL;
			match self.store.usage() {
				Ok(usage) => metrics.set_usage(&usage),
				Err(e) => log::debug!(target: LOG_TARGET, "counting the blob store: {e}"),
			}
		}
	}

	/// Scrubs the next [`SCRUB_BYTES_PER_TICK`] of `left`; returns the damaged blobs.
	fn scrub(&self, left: &mut Vec<ContentId>) -> Vec<ContentId> {
		match self.store.scrub(left, SCRUB_BYTES_PER_TICK) {
			Ok((found, rest)) => {
				let rest = rest.to_vec();
				*left = rest;
				if !found.damaged.is_empty() {
					log::warn!(
						target: LOG_TARGET,
						"🩹 blob scrub: {} damaged blobs set aside, fetching them again from peers",
						found.damaged.len()
					);
				}
				if left.is_empty() {
					if let Some(metrics) = self.store.metrics() {
						metrics.scrub_passes.inc();
					}
				}
				found.damaged
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "blob scrub: {e}");
				left.clear();
				Vec::new()
			}
		}
	}

	/// Drops staged blobs no anchor adopted in time — unless finality lags, when an anchor
	/// in a block not finalized yet may still adopt them.
	fn expire_staged(&self) {
		let info = self.client.info();
		if info.best_number.saturating_sub(info.finalized_number) > EXPIRY_MAX_FINALITY_LAG {
			return;
		}
		match self.store.expire_staged(std::time::SystemTime::now()) {
			Ok(0) => {}
			Ok(expired) => log::info!(
				target: LOG_TARGET,
				"{expired} staged blobs expired: no record anchor referred to them in time"
			),
			Err(e) => log::warn!(target: LOG_TARGET, "expiring staged blobs: {e}"),
		}
	}

	/// Acts on the records events of the finalized block `hash`; returns the content ids
	/// of anchored blobs that could not be obtained yet.
	async fn apply(&self, hash: Hash) -> Vec<ContentId> {
		let changes = match self.changes_at(hash) {
			Ok(changes) => changes,
			Err(e) => {
				log::debug!(target: LOG_TARGET, "events of {hash}: {e}; left to reconciliation");
				return Vec::new();
			}
		};
		// Straight from storage: a runtime call per record would cost a block of hundreds of
		// anchors more than its import.
		let anchored: Vec<ContentId> = changes
			.anchored
			.into_iter()
			.filter_map(|record| self.anchor_at(hash, record).ok().flatten()?.cid)
			.collect();
		let wanted = Instant::now();
		let obtained = self.ensure_all_present(&anchored).await;
		if let Some(metrics) = self.store.metrics() {
			let waited = wanted.elapsed().as_secs_f64();
			obtained.fetched.iter().for_each(|_| metrics.replication_seconds.observe(waited));
		}
		let missing = obtained.missing;
		if changes.erased.is_empty() {
			return missing;
		}
		// Nothing stops two anchors from naming the same content id, so a blob goes only
		// when no anchor left at this block refers to it.
		let live = match self.anchors_at(hash) {
			Ok(anchors) => anchors.live,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "reading the anchors at {hash}: {e}; erasure left to reconciliation");
				return missing;
			}
		};
		for record in changes.erased {
			let Ok(Some(anchor)) = self.anchor_at(hash, record) else { continue };
			let cid = ContentId::from_sha256(anchor.ciphertext_sha256);
			if live.contains(&cid) {
				continue;
			}
			match self.store.remove(&cid) {
				Ok(true) => log::info!(
					target: LOG_TARGET,
					"🗑  record {record} erased: blob {} dropped",
					cid.to_multibase()
				),
				Ok(false) => {}
				Err(e) => log::warn!(target: LOG_TARGET, "dropping an erased blob: {e}"),
			}
		}
		missing
	}

	fn changes_at(&self, hash: Hash) -> Result<Changes, String> {
		let key = StorageKey([twox_128(b"System"), twox_128(b"Events")].concat());
		let Some(data) = self.client.storage(hash, &key).map_err(|e| e.to_string())? else {
			return Ok(Changes::default());
		};
		let events = Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &data.0[..])
			.map_err(|e| format!("undecodable events: {e}"))?;
		let mut changes = Changes::default();
		for record in events {
			match record.event {
				RuntimeEvent::Records(RecordsEvent::RecordCreated { record, .. })
				| RuntimeEvent::Records(RecordsEvent::RecordAmended { record, .. }) => {
					changes.anchored.push(record)
				}
				RuntimeEvent::Records(RecordsEvent::RecordErased { record, .. }) => {
					changes.erased.push(record)
				}
				_ => {}
			}
		}
		Ok(changes)
	}

	/// Makes sure the blobs of finalized anchors are stored: adopts the staged copies, and
	/// fetches the others from peers in batches, so a block of many records costs a few
	/// requests per peer. Returns the ones fetched, and the ones that could not be
	/// obtained.
	async fn ensure_all_present(&self, cids: &[ContentId]) -> Obtained {
		let mut absent = Vec::new();
		for cid in cids {
			match self.store.placement(cid) {
				Placement::Stored => {}
				Placement::Staged => match self.store.adopt(cid) {
					Ok(true) => {}
					Ok(false) => absent.push(*cid),
					Err(e) => {
						log::warn!(target: LOG_TARGET, "adopting {}: {e}", cid.to_multibase());
						absent.push(*cid);
					}
				},
				Placement::Absent => absent.push(*cid),
			}
		}
		if absent.is_empty() {
			return Obtained::default();
		}
		let fetched = self.fetcher.fetch(&absent).await;
		let mut stored = Vec::new();
		absent.retain(|cid| {
			let Some(blob) = fetched.get(cid) else {
				log::debug!(target: LOG_TARGET, "no peer has blob {} yet", cid.to_multibase());
				return true;
			};
			match self.store.insert(cid, blob, Placement::Stored) {
				Ok(()) => {
					log::debug!(target: LOG_TARGET, "replicated blob {}", cid.to_multibase());
					if let Some(metrics) = self.store.metrics() {
						metrics.fetched.inc();
					}
					stored.push(*cid);
					false
				}
				Err(e) => {
					log::warn!(target: LOG_TARGET, "storing fetched blob {}: {e}", cid.to_multibase());
					true
				}
			}
		});
		Obtained { fetched: stored, missing: absent }
	}

	/// Compares the store with the finalized state: drops the blobs of erased records that
	/// no live anchor refers to, and returns the content ids of live anchors whose blobs
	/// are missing (fetched by the caller, a bounded number at a time).
	///
	/// Only erasure removes a blob. A blob no anchor at the local finalized block names is
	/// kept: the node may be behind (resyncing after a quarantine, say) and the anchor
	/// still to come.
	fn reconcile(&self) -> Vec<ContentId> {
		let started = Instant::now();
		let finalized = self.client.info().finalized_hash;
		let anchors = match self.anchors_at(finalized) {
			Ok(anchors) => anchors,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "reading the finalized anchors: {e}");
				return Vec::new();
			}
		};
		let stored: HashSet<ContentId> =
			self.store.stored().unwrap_or_default().into_iter().collect();
		let missing: Vec<ContentId> =
			anchors.live.iter().filter(|cid| !stored.contains(*cid)).copied().collect();
		if let Some(metrics) = self.store.metrics() {
			metrics.missing.inc_by(missing.len() as u64);
		}
		let mut dropped = 0u32;
		for cid in anchors.erased.iter().filter(|cid| !anchors.live.contains(*cid)) {
			if self.store.remove(cid).unwrap_or(false) {
				dropped += 1;
			}
		}
		if !missing.is_empty() || dropped > 0 {
			log::info!(
				target: LOG_TARGET,
				"📦 blob store reconciled with the finalized chain in {} ms: {} live, {} missing \
				 (fetching from peers), {dropped} erased dropped",
				started.elapsed().as_millis(),
				anchors.live.len(),
				missing.len(),
			);
		}
		missing
	}

	/// The record anchor `record` as stored at `at` (erased ones included).
	fn anchor_at(&self, at: Hash, record: u64) -> Result<Option<RecordAnchor<AccountId>>, String> {
		let key = StorageKey(
			[
				&anchors_prefix().0[..],
				&sp_io::hashing::twox_64(&record.encode())[..],
				&record.encode()[..],
			]
			.concat(),
		);
		let Some(value) = self.client.storage(at, &key).map_err(|e| e.to_string())? else {
			return Ok(None);
		};
		RecordAnchor::<AccountId>::decode(&mut &value.0[..])
			.map(Some)
			.map_err(|e| format!("undecodable record anchor: {e}"))
	}

	/// The content ids of every record anchor at `at`: those in use, and those of erased
	/// records (from the ciphertext hash the tombstone keeps).
	fn anchors_at(&self, at: Hash) -> Result<AnchoredIds, String> {
		let pairs = self
			.client
			.storage_pairs(at, Some(&anchors_prefix()), None)
			.map_err(|e| e.to_string())?;
		let mut ids = AnchoredIds::default();
		for (_, value) in pairs {
			let anchor = RecordAnchor::<AccountId>::decode(&mut &value.0[..])
				.map_err(|e| format!("undecodable record anchor: {e}"))?;
			match anchor.cid {
				Some(cid) => ids.live.insert(cid),
				None => ids.erased.insert(ContentId::from_sha256(anchor.ciphertext_sha256)),
			};
		}
		Ok(ids)
	}
}

/// What [`Replicator::ensure_all_present`] did.
#[derive(Default)]
struct Obtained {
	/// Fetched from peers and stored.
	fetched: Vec<ContentId>,
	/// Still missing.
	missing: Vec<ContentId>,
}

/// The content ids the record anchors at a block name.
#[derive(Default)]
struct AnchoredIds {
	/// Of records not erased: their blobs must be here.
	live: HashSet<ContentId>,
	/// Of erased records: their blobs must go, unless also live.
	erased: HashSet<ContentId>,
}

/// The storage prefix of the records pallet's anchors map.
fn anchors_prefix() -> StorageKey {
	StorageKey([twox_128(b"Records"), twox_128(b"Anchors")].concat())
}
