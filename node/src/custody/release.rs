// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Key release: `ehr_releaseKey`, and the answers to other nodes' material requests.
//!
//! A reader's signed [`KeyRequest`] is served by any hospital node in four steps:
//!
//! 1. **Checks**: the request is for this chain, fresh, signed by its reader and not served
//!    before; the reader may access the record at this node's **finalized** block and at
//!    its best block (a revocation not yet final stops releases too).
//! 2. **Audit first**: `records.release_key` is submitted with the node's service account
//!    and must be in a block, successfully, before anything is released; the runtime
//!    checks the request again there and appends the release to the patient's audit trail.
//! 3. **Material**: the record key from this node's custody key if its hospital is the
//!    custodian; else from a custodian node; else `threshold` escrow shares from the
//!    escrow holders' nodes. Everything is wrapped to the reader's recipient key.
//! 4. The reader combines shares (if any) and checks the key against the blob.
//!
//! A node asked for material by another node (the protocol in [`super::protocol`]) checks
//! steps 1–2 on its own — including that the audit entry of this very request is in the
//! named block of its chain — before it wraps anything.

use super::{
	keys::CustodyKeys,
	protocol::{Asker, MaterialRequest, MaterialResponse, Refusal, Want},
};
use crate::{
	blobs::access::AccessError,
	client::FullClient,
	node_account::{self, NodeAccount},
	signed_requests::{self, ServedRequests},
};
use ehr_primitives::{
	blobs::{KeyRequest, MAX_REQUEST_SKEW_MS},
	consortium::ConsortiumApi,
	records::{AccessBasis, AccessTarget, ConsentApi, CustodyView, RecordId, RecordsApi},
	registry::verifies,
	AccountId, Hash,
};
use sc_network_types::PeerId;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use std::{sync::Arc, time::Duration};
use zeroize::Zeroizing;

/// How long a node asked for material waits for the audit block to reach it.
const AUDIT_BLOCK_WAIT: Duration = Duration::from_secs(10);

/// A released key, as `ehr_releaseKey` answers.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedKey {
	pub record: RecordId,
	/// What the release rests on (`Owner`, `Grant(7)`, `BreakGlass(2)`, ...).
	pub basis: String,
	/// The hospital whose node recorded and answered the release.
	pub released_by: String,
	/// The block holding the release's audit entry.
	pub audit_block: String,
	/// The record key wrapped to the recipient key, when a custodian answered.
	pub custodian: Option<String>,
	/// Escrow shares wrapped to the recipient key, when escrow holders answered.
	pub shares: Vec<String>,
	/// How many shares rebuild the key.
	pub threshold: u8,
}

/// The key release service of a node.
pub struct KeyService {
	pub client: Arc<FullClient>,
	pub genesis: Hash,
	pub keys: Arc<CustodyKeys>,
	pub account: Option<Arc<NodeAccount>>,
	pub asker: Asker,
	/// Signatures of requests already served.
	pub served: ServedRequests,
	/// How often each reader was served recently (blobs and keys).
	pub reads: Arc<crate::read_limits::ReadLimits>,
}

impl KeyService {
	/// Serves a reader's key request (see the module docs).
	pub async fn release(
		&self,
		request: KeyRequest<AccountId>,
		signature: &[u8],
	) -> Result<ReleasedKey, AccessError> {
		signed_requests::check_envelope(self.genesis, request.genesis, request.issued_at)?;
		let signature =
			signed_requests::verify(&request.signing_payload(), signature, &request.reader)?;
		let claim = self.served.claim(&codec::Encode::encode(&signature), request.issued_at)?;
		self.reads.admit(&request.reader, request.record)?;
		let account = self.account.as_ref().ok_or(AccessError::NoNodeAccount)?;
		let best = self.client.info().best_hash;
		let hospital = account.hospital(best)?;
		let (custody, basis) = self.allowed(&request)?;

		let call: ehr_runtime::RuntimeCall = pallet_ehr_records::Call::release_key {
			request: request.clone(),
			signature: signature.clone(),
		}
		.into();
		let included = account.submit_and_wait(call).await?;
		if !recorded(&included.events, &request) {
			return Err(AccessError::Audit("the release's audit entry is missing".into()));
		}

		let asked = MaterialRequest {
			request: request.clone(),
			signature,
			audit_block: included.block,
			want: Want::Custody,
		};
		let mut released = ReleasedKey {
			record: request.record,
			basis: format!("{basis:?}"),
			released_by: hospital.to_ss58check(),
			audit_block: format!("{:?}", included.block),
			custodian: None,
			shares: Vec::new(),
			threshold: custody.threshold,
		};
		if let Some(wrapped) = self.custody_material(&custody, &hospital, &asked).await {
			released.custodian = Some(format!("0x{}", hex::encode(wrapped)));
		} else {
			let shares = self.escrow_material(&custody, &hospital, &asked).await;
			if shares.len() < usize::from(custody.threshold.max(1)) {
				return Err(AccessError::KeyUnavailable(request.record));
			}
			released.shares = shares.into_iter().map(|s| format!("0x{}", hex::encode(s))).collect();
		}
		claim.keep();
		Ok(released)
	}

	/// The record's custody, and the basis of the reader's access, if the reader may access
	/// the (unerased) record at both the finalized and the best block.
	fn allowed(
		&self,
		request: &KeyRequest<AccountId>,
	) -> Result<(CustodyView<AccountId>, AccessBasis), AccessError> {
		let info = self.client.info();
		let internal = |e: sp_api::ApiError| AccessError::Internal(e.to_string());
		let mut basis = None;
		for at in [info.finalized_hash, info.best_hash] {
			// A runtime API instance serves one block.
			let api = self.client.runtime_api();
			let view = api
				.record(at, request.record)
				.map_err(internal)?
				.ok_or(AccessError::UnknownRecord(request.record))?;
			if view.cid.is_none() {
				return Err(AccessError::Erased(request.record));
			}
			let decision = api
				.can_access(
					at,
					request.reader.clone(),
					view.patient,
					AccessTarget::Record(request.record),
					Some(request.purpose),
				)
				.map_err(internal)?
				.map_err(|reason| AccessError::Denied { record: request.record, reason })?;
			basis = Some(decision);
		}
		let custody = self
			.client
			.runtime_api()
			.custody(info.best_hash, request.record)
			.map_err(internal)?
			.ok_or(AccessError::UnknownRecord(request.record))?;
		basis.map(|basis| (custody, basis)).ok_or(AccessError::UnknownRecord(request.record))
	}

	/// The record key wrapped to the recipient: from this node if its hospital is the
	/// custodian, else from a node of the custodian.
	async fn custody_material(
		&self,
		custody: &CustodyView<AccountId>,
		hospital: &AccountId,
		asked: &MaterialRequest,
	) -> Option<Vec<u8>> {
		if &custody.custodian == hospital {
			return self.local_material(asked, hospital).ok();
		}
		let peers = self.peers_of(&custody.custodian);
		self.asker.ask_any(&peers, asked).await
	}

	/// Escrow shares wrapped to the recipient, from this node and the holders' nodes, until
	/// `threshold` are in hand.
	async fn escrow_material(
		&self,
		custody: &CustodyView<AccountId>,
		hospital: &AccountId,
		asked: &MaterialRequest,
	) -> Vec<Vec<u8>> {
		let mut shares = Vec::new();
		let asked = MaterialRequest { want: Want::Share, ..asked.clone() };
		for holder in &custody.holders {
			if shares.len() >= usize::from(custody.threshold) {
				break;
			}
			let share = if holder == hospital {
				self.local_material(&asked, hospital).ok()
			} else {
				self.asker.ask_any(&self.peers_of(holder), &asked).await
			};
			shares.extend(share);
		}
		shares
	}

	/// The connected-or-not nodes `hospital` runs.
	fn peers_of(&self, hospital: &AccountId) -> Vec<PeerId> {
		let best = self.client.info().best_hash;
		self.client
			.runtime_api()
			.nodes_of(best, hospital.clone())
			.unwrap_or_default()
			.iter()
			.filter_map(|bytes| PeerId::from_bytes(bytes).ok())
			.collect()
	}

	/// This node's custody key or escrow share of the record, re-wrapped to the recipient.
	fn local_material(
		&self,
		asked: &MaterialRequest,
		hospital: &AccountId,
	) -> Result<Vec<u8>, Refusal> {
		let best = self.client.info().best_hash;
		let api = self.client.runtime_api();
		let record = asked.request.record;
		let wrapped = match asked.want {
			Want::Custody => api
				.wrapped_key(best, record, hospital.clone())
				.map_err(|_| Refusal::Unavailable)?
				.map(|view| view.key),
			Want::Share => api
				.escrow_share(best, record, hospital.clone())
				.map_err(|_| Refusal::Unavailable)?,
		}
		.ok_or(Refusal::NoMaterial)?;
		let secret: Zeroizing<Vec<u8>> = self.keys.unwrap(&wrapped).ok_or(Refusal::NoMaterial)?;
		let recipient = ehr_crypto::PublicKey::from(asked.request.recipient);
		ehr_crypto::wrap_bytes(&secret, &recipient).map_err(|_| Refusal::BadRequest)
	}

	/// Answers another node's material request, after checking it on this node's own.
	pub async fn answer_peer(&self, asked: MaterialRequest) -> MaterialResponse {
		let request = &asked.request;
		if request.genesis != self.genesis
			|| signed_requests::now_ms().abs_diff(request.issued_at) > MAX_REQUEST_SKEW_MS
			|| !verifies(&request.signing_payload(), &asked.signature, &request.reader)
		{
			return Err(Refusal::BadRequest);
		}
		let account = self.account.as_ref().ok_or(Refusal::Unavailable)?;
		let hospital =
			account.hospital(self.client.info().best_hash).map_err(|_| Refusal::Unavailable)?;
		if !self.audited(request, asked.audit_block).await {
			return Err(Refusal::NotAudited);
		}
		self.allowed(request).map_err(|_| Refusal::Denied)?;
		self.local_material(&asked, &hospital)
	}

	/// Whether `block` is on this node's chain and holds the audit entry of `request`'s
	/// release; waits a little for the block to arrive.
	async fn audited(&self, request: &KeyRequest<AccountId>, block: Hash) -> bool {
		let deadline = std::time::Instant::now() + AUDIT_BLOCK_WAIT;
		let number = loop {
			if let Ok(Some(header)) = self.client.header(block) {
				break header.number;
			}
			if std::time::Instant::now() > deadline {
				return false;
			}
			futures_timer::Delay::new(Duration::from_millis(200)).await;
		};
		if self.client.hash(number).ok().flatten() != Some(block) {
			return false;
		}
		node_account::block_events(&self.client, block).is_ok_and(|records| {
			recorded(&records.into_iter().map(|r| r.event).collect::<Vec<_>>(), request)
		})
	}
}

/// Whether `events` hold the audit entry of `request`'s release.
fn recorded(events: &[ehr_runtime::RuntimeEvent], request: &KeyRequest<AccountId>) -> bool {
	let hash = request.hash();
	events.iter().any(|event| {
		matches!(
			event,
			ehr_runtime::RuntimeEvent::Records(
				pallet_ehr_records::Event::KeyReleaseRecorded { request, .. }
			) if *request == hash
		)
	})
}
