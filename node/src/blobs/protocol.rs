// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The request-response protocol consortium nodes fetch blobs from each other with,
//! `/<genesis>/ehr/blob/2`.
//!
//! A request names up to [`MAX_IDS_PER_REQUEST`] content ids (SCALE `Vec<ContentId>`); the
//! answer carries the blobs of those the peer has, in request order, until
//! [`RESPONSE_BUDGET`] bytes are spent, and says from which id on it stopped looking so
//! the asker can ask again. Batching matters: a block of hundreds of record anchors is
//! replicated with a handful of requests per peer rather than one per record.
//!
//! Whatever arrives is checked against its id before it is kept, so a faulty or hostile
//! peer can withhold a blob but never substitute one. A node answers only the peers the
//! chain authorizes.

use super::{store::BlobStore, LOG_TARGET};
use crate::client::FullClient;
use codec::{Decode, Encode};
use ehr_primitives::{blobs::MAX_BLOB_BYTES, opaque::Block, records::ContentId, Hash};
use sc_network::{
	request_responses::{IncomingRequest, OutgoingResponse},
	service::traits::NetworkService,
	IfDisconnected, NetworkBackend, ProtocolName,
};
use sc_network_sync::SyncingService;
use sc_network_types::PeerId;
use sp_blockchain::HeaderBackend;
use std::{
	collections::{HashMap, HashSet},
	sync::Arc,
	time::Duration,
};

/// Most content ids one request may name.
pub const MAX_IDS_PER_REQUEST: usize = 64;

/// Most blob bytes one answer carries: four of the largest blobs, or a few hundred
/// typical records.
pub const RESPONSE_BUDGET: usize = 4 * MAX_BLOB_BYTES;

/// How long a peer has to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// An answer to a request.
#[derive(Encode, Decode, Debug, Default, PartialEq)]
pub struct BlobResponse {
	/// The blobs the peer has, each with its id, in request order.
	pub blobs: Vec<(ContentId, Vec<u8>)>,
	/// The index of the first requested id the peer did not look at (the answer was full);
	/// `None` if it looked at all of them.
	pub unanswered_from: Option<u32>,
}

/// The protocol's name on the chain whose genesis is `genesis`.
fn protocol_name(genesis: &Hash) -> ProtocolName {
	format!("/{}/ehr/blob/2", hex::encode(genesis.as_bytes())).into()
}

/// The protocol's configuration, its name, and the stream of requests peers send.
pub fn protocol<N: NetworkBackend<Block, Hash>>(
	genesis: &Hash,
) -> (N::RequestResponseProtocolConfig, ProtocolName, async_channel::Receiver<IncomingRequest>) {
	let (sender, receiver) = async_channel::bounded(64);
	let name = protocol_name(genesis);
	// Ids of 36 bytes, plus SCALE framing.
	let max_request = (MAX_IDS_PER_REQUEST * 40) as u64;
	// Blobs within the budget, plus their ids and framing.
	let max_response = (RESPONSE_BUDGET + MAX_IDS_PER_REQUEST * 48 + 16) as u64;
	let config = N::request_response_config(
		name.clone(),
		vec![],
		max_request,
		max_response,
		REQUEST_TIMEOUT,
		Some(sender),
	);
	(config, name, receiver)
}

/// The answer to a request for `ids` from `store`.
pub fn answer(store: &BlobStore, ids: &[ContentId]) -> BlobResponse {
	let mut response = BlobResponse::default();
	let mut spent = 0;
	for (index, cid) in ids.iter().enumerate() {
		let Ok(Some(blob)) = store.get(cid) else { continue };
		if spent + blob.len() > RESPONSE_BUDGET {
			response.unanswered_from = Some(index as u32);
			break;
		}
		spent += blob.len();
		response.blobs.push((*cid, blob));
	}
	response
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
			match Vec::<ContentId>::decode(&mut &request.payload[..]) {
				Ok(ids) if ids.len() <= MAX_IDS_PER_REQUEST => Ok(answer(&store, &ids).encode()),
				_ => Err(()),
			}
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
	/// The blobs of `cids` that some connected peer has, each checked against its id:
	/// every peer in turn is asked for the ones still missing.
	pub async fn fetch(&self, cids: &[ContentId]) -> HashMap<ContentId, Vec<u8>> {
		let mut found = HashMap::new();
		let mut wanted: Vec<ContentId> = cids.to_vec();
		for (peer, _) in self.sync.peers_info().await.unwrap_or_default() {
			if wanted.is_empty() {
				break;
			}
			wanted = self.fetch_from(peer, wanted, &mut found).await;
		}
		found
	}

	/// Asks `peer` for `wanted` (in requests of at most [`MAX_IDS_PER_REQUEST`]); puts
	/// what it sends into `found` and returns the ids it did not have.
	async fn fetch_from(
		&self,
		peer: PeerId,
		mut wanted: Vec<ContentId>,
		found: &mut HashMap<ContentId, Vec<u8>>,
	) -> Vec<ContentId> {
		let mut not_there = Vec::new();
		while !wanted.is_empty() {
			let batch: Vec<ContentId> =
				wanted.drain(..wanted.len().min(MAX_IDS_PER_REQUEST)).collect();
			let answer = self
				.network
				.request(
					peer,
					self.protocol.clone(),
					batch.encode(),
					None,
					IfDisconnected::ImmediateError,
				)
				.await;
			let Some(response) =
				answer.ok().and_then(|(bytes, _)| BlobResponse::decode(&mut &bytes[..]).ok())
			else {
				// The peer failed or answered nonsense: ask the next one for all of it.
				not_there.extend(batch);
				not_there.append(&mut wanted);
				break;
			};
			for (cid, blob) in response.blobs {
				if !batch.contains(&cid) {
					continue;
				}
				if ContentId::from_sha256(sp_io::hashing::sha2_256(&blob)) != cid {
					log::warn!(
						target: LOG_TARGET,
						"peer {peer} answered blob {} with other content; ignored",
						cid.to_multibase()
					);
					continue;
				}
				found.insert(cid, blob);
			}
			// Ids the peer did not look at go back to the front; a peer that looked at none
			// (it cannot fit even one) is not asked again.
			let looked_at = match response.unanswered_from {
				Some(0) | None => batch.len(),
				Some(index) => (index as usize).min(batch.len()),
			};
			not_there.extend(batch[..looked_at].iter().filter(|cid| !found.contains_key(*cid)));
			wanted.splice(0..0, batch[looked_at..].iter().copied());
		}
		not_there
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::blobs::store::{Placement, StoreLimits};

	#[test]
	fn answers_carry_what_the_store_has_within_the_budget() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let limits = StoreLimits {
			max_blob_bytes: MAX_BLOB_BYTES,
			staging_ttl: Duration::from_secs(60),
			staging_quota: 1 << 30,
		};
		let store = BlobStore::open(dir.path(), limits).expect("store");
		let put = |fill: u8, len: usize| {
			let blob = vec![fill; len];
			let cid = ContentId::from_sha256(sp_io::hashing::sha2_256(&blob));
			store.insert(&cid, &blob, Placement::Stored).expect("stored");
			cid
		};
		let small = put(1, 100);
		let absent = ContentId::from_sha256([9; 32]);
		let big: Vec<ContentId> = (2..7).map(|fill| put(fill, MAX_BLOB_BYTES)).collect();

		let response = answer(&store, &[absent, small]);
		assert_eq!(response.blobs, vec![(small, vec![1; 100])]);
		assert_eq!(response.unanswered_from, None);

		// Five of the largest blobs exceed the budget: the fifth is left for another request.
		let mut ids = vec![small];
		ids.extend(&big);
		let response = answer(&store, &ids);
		assert_eq!(response.blobs.len(), 4);
		assert_eq!(response.unanswered_from, Some(4));
		let encoded = response.encode();
		assert!(encoded.len() <= RESPONSE_BUDGET + MAX_IDS_PER_REQUEST * 48 + 16);
		assert_eq!(BlobResponse::decode(&mut &encoded[..]).expect("decodes"), response);
	}
}
