// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Who may put and get blobs, and the audit of every read.
//!
//! Both requests are signed by the asking account ([`ehr_primitives::blobs`]). A put is
//! accepted from an active doctor only (the only role that anchors records). A get is
//! answered only if, at the node's best block, the record exists, is not erased, and the
//! consent pallet's `can_access` allows the reader; before answering, the node submits
//! `consent.record_access` signed with its service account ([`crate::node_account`]), so
//! the read appears in the patient's audit trail.

use super::{
	protocol::Fetcher,
	store::{BlobStore, Placement, StoreError},
};
use crate::{
	client::FullClient,
	node_account::{NodeAccount, SubmitError},
	signed_requests::{self, RequestError, ServedRequests},
};
use ehr_primitives::{
	blobs::{self, GetRequest, PutRequest},
	records::{AccessTarget, ConsentApi, ContentId, RecordId, RecordsApi},
	registry::{RegistryApi, Role},
	AccountId, Hash,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::sync::Arc;

/// Why a signed request (a blob read or store, a key release) was refused. Each maps to a
/// JSON-RPC error code.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
	#[error("{0}")]
	Malformed(String),
	#[error("the request was made for another chain (genesis {0})")]
	WrongChain(Hash),
	#[error(
		"the request was issued {0} s away from this node's clock; at most 300 s are accepted"
	)]
	Stale(i64),
	#[error("the signature does not verify for {0}")]
	BadSignature(String),
	#[error("{0} is not an active doctor: only doctors store record blobs")]
	NotAWriter(String),
	#[error("there is no record {0}")]
	UnknownRecord(RecordId),
	#[error("record {0} was erased")]
	Erased(RecordId),
	#[error("access to record {record} refused: {reason:?}")]
	Denied { record: RecordId, reason: ehr_primitives::records::AccessDenial },
	#[error("the blob of record {0} is not available on this node or its peers yet")]
	Unavailable(RecordId),
	#[error(transparent)]
	Store(#[from] StoreError),
	#[error("this node has no service account (keystore type `ehrn`) to record accesses with, so it serves no blobs")]
	NoNodeAccount,
	#[error("this node's service account {0} is not an active node account of an active hospital, so it serves no blobs")]
	NodeAccountInactive(String),
	#[error("recording the access on chain failed: {0}")]
	Audit(String),
	#[error("node error: {0}")]
	Internal(String),
	#[error("this request was already served; sign a new one (requests are single-use)")]
	Replayed,
	#[error("no custodian node or enough escrow holders gave the key of record {0}; retry later")]
	KeyUnavailable(RecordId),
	#[error(transparent)]
	AuthorStagingFull(#[from] super::staging::AuthorStagingFull),
	#[error(transparent)]
	TooManyReads(#[from] crate::read_limits::TooManyReads),
}

impl From<RequestError> for AccessError {
	fn from(error: RequestError) -> Self {
		match error {
			RequestError::WrongChain(genesis) => Self::WrongChain(genesis),
			RequestError::Stale(seconds) => Self::Stale(seconds),
			RequestError::BadSignature(who) => Self::BadSignature(who),
			RequestError::Replayed => Self::Replayed,
		}
	}
}

impl From<SubmitError> for AccessError {
	fn from(error: SubmitError) -> Self {
		match error {
			SubmitError::NoAccount => Self::NoNodeAccount,
			SubmitError::Inactive(account) => Self::NodeAccountInactive(account),
			SubmitError::Internal(e) => Self::Internal(e),
			other => Self::Audit(other.to_string()),
		}
	}
}

/// What a stored blob's receipt says.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutReceipt {
	/// The content id, as IPFS tools print it.
	pub cid: String,
	/// The content id's 36 bytes, hex (what `records.create` takes).
	pub cid_hex: String,
	pub sha256: String,
	pub size: usize,
	/// Seconds the blob waits for an anchor.
	pub staged_for_secs: u64,
}

/// A served blob.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedBlob {
	pub record: RecordId,
	pub cid: String,
	/// The ciphertext, hex.
	pub blob: String,
	/// What the access rests on (`Owner`, `Author`, `Grant(7)`, ...).
	pub basis: String,
}

/// The blob store as the RPC methods use it.
pub struct BlobService {
	pub client: Arc<FullClient>,
	pub store: Arc<BlobStore>,
	pub fetcher: Fetcher,
	pub genesis: Hash,
	/// The node's service account, which records every read on chain.
	pub account: Option<Arc<NodeAccount>>,
	/// Signatures of get requests already served, until they would be stale anyway.
	pub served: ServedRequests,
	/// What each doctor has staged recently.
	pub staging: super::staging::StagingLedger,
	/// How often each reader was served recently (blobs and keys).
	pub reads: Arc<crate::read_limits::ReadLimits>,
}

impl BlobService {
	/// Stages the blob (`blob_hex`, as the request carries it) for the doctor who signed
	/// the request. The cheap checks come first — size (from the hex's length), chain and
	/// freshness, the signature over the claimed SHA-256, the author's role and staging
	/// budget — so a stranger cannot make the node decode and hash megabytes for nothing.
	pub fn put(
		&self,
		request: PutRequest<AccountId>,
		signature: &[u8],
		blob_hex: &str,
	) -> Result<PutReceipt, AccessError> {
		let hex = blob_hex.strip_prefix("0x").unwrap_or(blob_hex);
		self.store.check_size(hex.len() / 2)?;
		signed_requests::check_envelope(self.genesis, request.genesis, request.issued_at)?;
		signed_requests::verify(&blobs::put_signing_payload(&request), signature, &request.author)?;
		let best = self.client.info().best_hash;
		// A failed runtime call (the best block pruned or replaced under load) says nothing
		// of the author: a node error the client retries, not a refusal of its role.
		let role = self
			.client
			.runtime_api()
			.may_act(best, request.author.clone())
			.map_err(|e| AccessError::Internal(format!("reading the author's role: {e}")))?;
		if !matches!(role, Ok(Role::Doctor)) {
			return Err(AccessError::NotAWriter(request.author.to_string()));
		}
		let blob = hex::decode(hex)
			.map_err(|e| AccessError::Malformed(format!("blob is not hex: {e}")))?;
		if request.sha256 != sp_io::hashing::sha2_256(&blob) {
			return Err(AccessError::Malformed(
				"the blob's SHA-256 is not the sha256 the request signs".into(),
			));
		}
		self.staging.charge(&request.author, blob.len() as u64)?;
		let cid = self.store.stage(&blob)?;
		Ok(PutReceipt {
			cid: cid.to_multibase(),
			cid_hex: format!("0x{}", hex::encode(cid.0)),
			sha256: format!("0x{}", hex::encode(request.sha256)),
			size: blob.len(),
			staged_for_secs: self.store.limits().staging_ttl.as_secs(),
		})
	}

	/// The blob of a record version, for a reader the chain allows now; the access is
	/// recorded on chain first.
	pub async fn get(
		&self,
		request: GetRequest<AccountId>,
		signature: &[u8],
	) -> Result<ServedBlob, AccessError> {
		signed_requests::check_envelope(self.genesis, request.genesis, request.issued_at)?;
		signed_requests::verify(&blobs::get_signing_payload(&request), signature, &request.reader)?;
		// A captured request must not buy a second read (nor a second audit entry); a
		// refused one may be retried as it is.
		let claim = self.served.claim(signature, request.issued_at)?;
		self.reads.admit(&request.reader, request.record)?;
		let account = self.account.as_ref().ok_or(AccessError::NoNodeAccount)?;
		let best = self.client.info().best_hash;
		account.hospital(best)?;
		let api = self.client.runtime_api();
		let internal = |e: sp_api::ApiError| AccessError::Internal(e.to_string());
		let view = api
			.record(best, request.record)
			.map_err(internal)?
			.ok_or(AccessError::UnknownRecord(request.record))?;
		let cid = view.cid.ok_or(AccessError::Erased(request.record))?;
		let basis = api
			.can_access(
				best,
				request.reader.clone(),
				view.patient.clone(),
				AccessTarget::Record(request.record),
				Some(request.purpose),
			)
			.map_err(internal)?
			.map_err(|reason| AccessError::Denied { record: request.record, reason })?;
		let blob = self.blob(&cid, request.record).await?;
		let call: ehr_runtime::RuntimeCall = pallet_ehr_consent::Call::record_access {
			reader: request.reader,
			patient: view.patient,
			target: AccessTarget::Record(request.record),
			purpose: request.purpose,
		}
		.into();
		account.submit(call).await?;
		claim.keep();
		Ok(ServedBlob {
			record: request.record,
			cid: cid.to_multibase(),
			blob: format!("0x{}", hex::encode(blob)),
			basis: format!("{basis:?}"),
		})
	}

	/// Where the blob `cid` is on this node.
	pub fn placement(&self, cid: &ContentId) -> Placement {
		self.store.placement(cid)
	}

	/// The blob from the local store, or else from a peer (kept as staged until the
	/// replicator sees its anchor finalized).
	async fn blob(&self, cid: &ContentId, record: RecordId) -> Result<Vec<u8>, AccessError> {
		if let Some(blob) = self.store.get(cid).map_err(|e| AccessError::Internal(e.to_string()))? {
			return Ok(blob);
		}
		let blob = self
			.fetcher
			.fetch(&[*cid])
			.await
			.remove(cid)
			.ok_or(AccessError::Unavailable(record))?;
		self.store.insert(cid, &blob, Placement::Staged)?;
		Ok(blob)
	}
}
