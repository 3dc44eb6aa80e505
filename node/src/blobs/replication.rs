//! Replication of blobs between the consortium's nodes.
//!
//! Nodes ask each other for a blob by content id over the request-response protocol
//! `/<genesis>/ehr/blob/1` (request: the 36-byte id; response: SCALE `Option<Vec<u8>>`).
//! Whatever arrives is checked against the id before it is kept, so a faulty or hostile
//! peer can withhold a blob but never substitute one.
//!
//! The [`Replicator`] follows finality: for every finalized block it reads the records
//! pallet's events and adopts (or fetches) the blob of each new record version, and drops
//! the blob of each erased one. Every `--blob-reconcile-interval`, and once the node has
//! caught up with the chain after starting, it compares the whole store with the
//! finalized state, which is how a node that was offline, or lost its blob directory,
//! catches up.

use super::{
	store::{BlobStore, Placement},
	LOG_TARGET,
};
use crate::service::FullClient;
use codec::{Decode, Encode};
use ehr_primitives::{opaque::Block, records::ContentId, AccountId, Hash};
use ehr_runtime::RuntimeEvent;
use futures::{future::Either, StreamExt};
use pallet_ehr_records::{Event as RecordsEvent, RecordAnchor};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sc_network::{
	request_responses::{IncomingRequest, OutgoingResponse},
	service::traits::NetworkService,
	IfDisconnected, NetworkBackend, ProtocolName,
};
use sc_network_sync::SyncingService;
use sc_network_types::PeerId;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_consensus::SyncOracle;
use sp_core::storage::StorageKey;
use sp_io::hashing::twox_128;
use std::{
	collections::HashSet,
	sync::Arc,
	time::{Duration, Instant},
};

/// Most blob fetches in flight at once.
const PARALLEL_FETCHES: usize = 8;

/// How long a peer has to answer a blob request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The protocol's name on the chain whose genesis is `genesis`.
fn protocol_name(genesis: &Hash) -> ProtocolName {
	format!("/{}/ehr/blob/1", hex::encode(genesis.as_bytes())).into()
}

/// The protocol's configuration, its name, and the stream of requests peers send.
pub fn protocol<N: NetworkBackend<Block, Hash>>(
	genesis: &Hash,
	max_blob_bytes: usize,
) -> (N::RequestResponseProtocolConfig, ProtocolName, async_channel::Receiver<IncomingRequest>) {
	let (sender, receiver) = async_channel::bounded(64);
	let name = protocol_name(genesis);
	// The response is the blob plus a few bytes of SCALE framing.
	let max_response = max_blob_bytes as u64 + 16;
	let config = N::request_response_config(
		name.clone(),
		vec![],
		64,
		max_response,
		REQUEST_TIMEOUT,
		Some(sender),
	);
	(config, name, receiver)
}

/// Answers peers' blob requests from the local store — only for the consortium's nodes.
///
/// Reserved-only networking keeps strangers out of the notification protocols, but a
/// request-response protocol answers whoever holds a connection, so every request is
/// checked against the chain's authorized peers (at the finalized block, re-read when it
/// changes). The blobs are ciphertext, yet an outsider has no business collecting them.
pub async fn serve(
	client: Arc<FullClient>,
	local: PeerId,
	store: Arc<BlobStore>,
	requests: async_channel::Receiver<IncomingRequest>,
) {
	let mut authorized: Option<(Hash, HashSet<PeerId>)> = None;
	while let Ok(request) = requests.recv().await {
		let finalized = client.info().finalized_hash;
		if authorized.as_ref().map(|(at, _)| *at) != Some(finalized) {
			match crate::permissioning::authorized_peers(&client, finalized, &local) {
				Ok(peers) => authorized = Some((finalized, peers)),
				Err(e) => log::warn!(target: LOG_TARGET, "{e}; keeping the last known peers"),
			}
		}
		let peer = request.peer;
		let allowed = authorized.as_ref().is_some_and(|(_, peers)| peers.contains(&peer));
		let result = if !allowed {
			log::debug!(target: LOG_TARGET, "blob request from unauthorized peer {peer} refused");
			Err(())
		} else {
			ContentId::decode(&mut &request.payload[..])
				.map(|cid| store.get(&cid).ok().flatten().encode())
				.map_err(|_| ())
		};
		let _ = request.pending_response.send(OutgoingResponse {
			result,
			reputation_changes: vec![],
			sent_feedback: None,
		});
	}
}

/// Fetches blobs from the connected peers.
#[derive(Clone)]
pub struct Fetcher {
	pub network: Arc<dyn NetworkService>,
	pub sync: Arc<SyncingService<Block>>,
	pub protocol: ProtocolName,
}

impl Fetcher {
	/// The blob `cid` from the first peer that has it, checked against the id; `None`
	/// if no connected peer has it.
	pub async fn fetch(&self, cid: &ContentId) -> Option<Vec<u8>> {
		let peers = self.sync.peers_info().await.unwrap_or_default();
		for (peer, _) in peers {
			let answer = self
				.network
				.request(
					peer,
					self.protocol.clone(),
					cid.encode(),
					None,
					IfDisconnected::ImmediateError,
				)
				.await;
			let Ok((bytes, _)) = answer else { continue };
			let Ok(Some(blob)) = Option::<Vec<u8>>::decode(&mut &bytes[..]) else { continue };
			if ContentId::from_sha256(sp_io::hashing::sha2_256(&blob)) == *cid {
				return Some(blob);
			}
			log::warn!(
				target: LOG_TARGET,
				"peer {peer} answered blob {} with other content; ignored",
				cid.to_multibase()
			);
		}
		None
	}
}

/// Keeps the store in step with the finalized chain.
pub struct Replicator {
	pub client: Arc<FullClient>,
	pub store: Arc<BlobStore>,
	pub fetcher: Fetcher,
	pub reconcile_interval: Duration,
}

/// Staged blobs are not expired while finality is further behind the best block than
/// this: a stalled finality must not cost an anchored record its only copy.
const EXPIRY_MAX_FINALITY_LAG: u32 = 8;

/// Blobs of finalized anchors that no peer had yet, retried every few seconds rather
/// than left to the next reconciliation. Bounded; the reconciliation catches the rest.
const MAX_RETRIES: usize = 4096;

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
		let mut retry: HashSet<ContentId> = HashSet::new();
		loop {
			let tick = futures_timer::Delay::new(Duration::from_secs(5));
			match futures::future::select(finality.next(), tick).await {
				Either::Left((Some(notification), _)) => {
					let blocks = notification.tree_route.iter().chain([&notification.hash]);
					for hash in blocks {
						let missing = self.apply(*hash).await;
						retry.extend(
							missing.into_iter().take(MAX_RETRIES - retry.len().min(MAX_RETRIES)),
						);
					}
				}
				Either::Left((None, _)) => return,
				Either::Right(((), _)) => {
					if !retry.is_empty() {
						let cids: Vec<ContentId> = retry.drain().collect();
						retry.extend(self.ensure_all_present(&cids).await);
					}
				}
			}
			self.expire_staged();
			if Instant::now() >= next_reconcile && !self.fetcher.sync.is_major_syncing() {
				self.reconcile().await;
				next_reconcile = Instant::now() + self.reconcile_interval;
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
		let anchored: Vec<ContentId> =
			changes.anchored.into_iter().filter_map(|record| self.cid_of(hash, record)).collect();
		let missing = self.ensure_all_present(&anchored).await;
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

	fn cid_of(&self, at: Hash, record: u64) -> Option<ContentId> {
		use ehr_primitives::records::RecordsApi;
		self.client.runtime_api().record(at, record).ok().flatten().and_then(|view| view.cid)
	}

	/// Makes sure the blobs of finalized anchors are stored, a few fetches at a time, so a
	/// block of many records neither waits for one slow peer per record nor floods the
	/// peers. Returns the ones that could not be obtained.
	async fn ensure_all_present(&self, cids: &[ContentId]) -> Vec<ContentId> {
		let mut missing = Vec::new();
		for batch in cids.chunks(PARALLEL_FETCHES) {
			let results =
				futures::future::join_all(batch.iter().map(|cid| self.ensure_present(cid))).await;
			missing.extend(
				batch.iter().zip(results).filter(|(_, present)| !present).map(|(cid, _)| *cid),
			);
		}
		missing
	}

	/// Makes sure the blob of a finalized anchor is stored: adopts the staged copy, or
	/// fetches it from a peer. `true` if it is stored now.
	async fn ensure_present(&self, cid: &ContentId) -> bool {
		match self.store.placement(cid) {
			Placement::Stored => return true,
			Placement::Staged => match self.store.adopt(cid) {
				Ok(true) => return true,
				Ok(false) => {}
				Err(e) => log::warn!(target: LOG_TARGET, "adopting {}: {e}", cid.to_multibase()),
			},
			Placement::Absent => {}
		}
		let Some(blob) = self.fetcher.fetch(cid).await else {
			log::debug!(target: LOG_TARGET, "no peer has blob {} yet", cid.to_multibase());
			return false;
		};
		match self.store.insert(cid, &blob, Placement::Stored) {
			Ok(()) => {
				log::debug!(target: LOG_TARGET, "replicated blob {}", cid.to_multibase());
				true
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "storing fetched blob {}: {e}", cid.to_multibase());
				false
			}
		}
	}

	/// Compares the store with the finalized state: fetches the blobs of live anchors that
	/// are missing, and drops the blobs of erased records that no live anchor refers to.
	///
	/// Only erasure removes a blob. A blob no anchor at the local finalized block names is
	/// kept: the node may be behind (resyncing after a quarantine, say) and the anchor
	/// still to come.
	async fn reconcile(&self) {
		let finalized = self.client.info().finalized_hash;
		let anchors = match self.anchors_at(finalized) {
			Ok(anchors) => anchors,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "reading the finalized anchors: {e}");
				return;
			}
		};
		let stored: HashSet<ContentId> =
			self.store.stored().unwrap_or_default().into_iter().collect();
		let absent: Vec<ContentId> =
			anchors.live.iter().filter(|cid| !stored.contains(*cid)).copied().collect();
		let missing = self.ensure_all_present(&absent).await.len();
		let fetched = absent.len() - missing;
		let mut dropped = 0u32;
		for cid in anchors.erased.iter().filter(|cid| !anchors.live.contains(*cid)) {
			if self.store.remove(cid).unwrap_or(false) {
				dropped += 1;
			}
		}
		if fetched + missing + dropped as usize > 0 {
			log::info!(
				target: LOG_TARGET,
				"📦 blob store reconciled with the finalized chain: {} live, {fetched} fetched, \
				 {missing} not available from peers yet, {dropped} erased dropped",
				anchors.live.len()
			);
		}
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
	StorageKey([twox_128(b"Records"), twox_128(b"Records")].concat())
}
