// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The request-response protocol nodes ask each other for key material with,
//! `/<genesis>/ehr/key/1`.
//!
//! A node that answers a reader's key request but is not the record's custodian forwards
//! the reader's signed request, with the block that recorded its release, to the
//! custodian's nodes (for the key) or to escrow holders (for one share each). The answer is
//! material wrapped to the reader's recipient key, never the key itself: the asking node
//! learns nothing. Every answering node checks the request on its own (see
//! [`super::release::KeyService::answer_peer`]).

use super::release::KeyService;
use codec::{Decode, Encode};
use ehr_primitives::{blobs::KeyRequest, opaque::Block, AccountId, Hash};
use futures::StreamExt;
use sc_network::{
	request_responses::{IncomingRequest, OutgoingResponse},
	service::traits::NetworkService,
	IfDisconnected, NetworkBackend, ProtocolName,
};
use sc_network_types::PeerId;
use sp_blockchain::HeaderBackend;
use sp_runtime::MultiSignature;
use std::{collections::HashSet, sync::Arc, time::Duration};

const LOG_TARGET: &str = "ehr::custody";

/// How long a peer has to answer: it may wait for the audit block to arrive first.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Requests a node answers at once; more wait in the channel.
const CONCURRENT_ANSWERS: usize = 16;

/// What is asked of a peer.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
	/// The record key, from a node of its custodian.
	Custody,
	/// The asked hospital's escrow share.
	Share,
}

/// A request for key material.
#[derive(Encode, Decode, Clone, Debug)]
pub struct MaterialRequest {
	/// The reader's request, as the reader signed it.
	pub request: KeyRequest<AccountId>,
	pub signature: MultiSignature,
	/// The block holding the audit entry of this request's release.
	pub audit_block: Hash,
	pub want: Want,
}

/// Why a peer gave no material.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
	#[error("the asking peer is not an authorized consortium node")]
	Unauthorized,
	#[error("the request is malformed, stale or not signed by its reader")]
	BadRequest,
	#[error("no audit entry of this release is in the named block of the chain")]
	NotAudited,
	#[error("the reader may not access the record now")]
	Denied,
	#[error("this node holds no such key material")]
	NoMaterial,
	#[error("this node cannot answer now")]
	Unavailable,
}

/// A peer's answer: material wrapped to the reader's recipient key, or a refusal.
pub type MaterialResponse = Result<Vec<u8>, Refusal>;

/// The protocol's name on the chain whose genesis is `genesis`.
fn protocol_name(genesis: &Hash) -> ProtocolName {
	format!("/{}/ehr/key/1", hex::encode(genesis.as_bytes())).into()
}

/// The protocol's configuration, its name, and the stream of requests peers send.
pub fn protocol<N: NetworkBackend<Block, Hash>>(
	genesis: &Hash,
) -> (N::RequestResponseProtocolConfig, ProtocolName, async_channel::Receiver<IncomingRequest>) {
	let (sender, receiver) = async_channel::bounded(64);
	let name = protocol_name(genesis);
	let config =
		N::request_response_config(name.clone(), vec![], 1024, 1024, REQUEST_TIMEOUT, Some(sender));
	(config, name, receiver)
}

/// Answers peers' material requests, only for the consortium's nodes, a few at a time.
pub async fn serve(
	service: Arc<KeyService>,
	local: PeerId,
	requests: async_channel::Receiver<IncomingRequest>,
) {
	requests
		.for_each_concurrent(CONCURRENT_ANSWERS, |request| {
			let service = service.clone();
			async move {
				let peer = request.peer;
				let answer: MaterialResponse = if !authorized(&service, &local, &peer) {
					log::debug!(target: LOG_TARGET, "key request from unauthorized peer {peer} refused");
					Err(Refusal::Unauthorized)
				} else {
					match MaterialRequest::decode(&mut &request.payload[..]) {
						Ok(asked) => service.answer_peer(asked).await,
						Err(_) => Err(Refusal::BadRequest),
					}
				};
				let _ = request.pending_response.send(OutgoingResponse {
					result: Ok(answer.encode()),
					reputation_changes: vec![],
					sent_feedback: None,
				});
			}
		})
		.await;
}

fn authorized(service: &KeyService, local: &PeerId, peer: &PeerId) -> bool {
	let finalized = service.client.info().finalized_hash;
	crate::permissioning::authorized_peers(&service.client, finalized, local)
		.is_ok_and(|peers: HashSet<PeerId>| peers.contains(peer))
}

/// Asks peers for key material.
#[derive(Clone)]
pub struct Asker {
	pub network: Arc<dyn NetworkService>,
	pub protocol: ProtocolName,
}

impl Asker {
	/// The first material any of `peers` gives for `asked`.
	pub async fn ask_any(&self, peers: &[PeerId], asked: &MaterialRequest) -> Option<Vec<u8>> {
		for peer in peers {
			match self.ask(*peer, asked).await {
				Ok(material) => return Some(material),
				Err(reason) => {
					log::debug!(target: LOG_TARGET, "peer {peer} gave no {:?}: {reason}", asked.want)
				}
			}
		}
		None
	}

	async fn ask(&self, peer: PeerId, asked: &MaterialRequest) -> Result<Vec<u8>, String> {
		let (bytes, _) = self
			.network
			.request(
				peer,
				self.protocol.clone(),
				asked.encode(),
				None,
				IfDisconnected::ImmediateError,
			)
			.await
			.map_err(|e| e.to_string())?;
		MaterialResponse::decode(&mut &bytes[..])
			.map_err(|e| format!("undecodable answer: {e}"))?
			.map_err(|refusal| refusal.to_string())
	}
}
