//! Who may put and get blobs, and the audit of every read.
//!
//! Both requests are signed by the asking account ([`ehr_primitives::blobs`]). A put is
//! accepted from an active doctor only (the only role that anchors records). A get is
//! answered only if, at the node's best block, the record exists, is not erased, and the
//! consent pallet's `can_access` allows the reader; before answering, the node submits
//! `consent.record_access` signed with its hospital's key (keystore key type `ehrh`), so
//! the read appears in the patient's audit trail.

use super::{
	protocol::Fetcher,
	store::{BlobStore, Placement, StoreError},
};
use crate::service::{FullClient, FullPool};
use ehr_primitives::{
	blobs::{self, GetRequest, PutRequest},
	records::{AccessTarget, ConsentApi, ContentId, Purpose, RecordId, RecordsApi},
	registry::{RegistryApi, Role},
	AccountId, Hash, Moment,
};
use sc_transaction_pool_api::{TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::KeyTypeId, ed25519, sr25519, Pair};
use sp_keystore::{Keystore, KeystorePtr};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};

/// The keystore key type of the hospital account a node signs audit entries with.
pub const HOSPITAL_KEY_TYPE: KeyTypeId = KeyTypeId(*b"ehrh");

/// Why a blob request was refused. Each maps to a JSON-RPC error code.
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
	#[error("this node has no hospital key (keystore type `ehrh`) to record accesses with, so it serves no blobs")]
	NoHospitalKey,
	#[error("this node's hospital key {0} is not an active hospital or admin account, so it serves no blobs")]
	HospitalInactive(String),
	#[error("recording the access on chain failed: {0}")]
	Audit(String),
	#[error("node error: {0}")]
	Internal(String),
	#[error("this request was already served; sign a new one (requests are single-use)")]
	Replayed,
}

impl AccessError {
	/// The JSON-RPC error code.
	pub fn code(&self) -> i32 {
		match self {
			Self::Malformed(_) => 1000,
			Self::WrongChain(_) => 1001,
			Self::Stale(_) => 1002,
			Self::BadSignature(_) => 1003,
			Self::NotAWriter(_) => 1004,
			Self::UnknownRecord(_) => 1005,
			Self::Erased(_) => 1006,
			Self::Denied { .. } => 1007,
			Self::Unavailable(_) => 1008,
			Self::Store(_) => 1009,
			Self::NoHospitalKey => 1010,
			Self::Audit(_) => 1011,
			Self::Internal(_) => 1012,
			Self::HospitalInactive(_) => 1013,
			Self::Replayed => 1014,
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
	pub pool: Arc<FullPool>,
	pub store: Arc<BlobStore>,
	pub fetcher: Fetcher,
	pub genesis: Hash,
	pub hospital: Option<HospitalSigner>,
	/// Signatures of get requests already served, until they would be stale anyway.
	pub served: ServedRequests,
}

impl BlobService {
	/// Stages `blob` for the doctor who signed the request.
	pub fn put(
		&self,
		request: PutRequest<AccountId>,
		signature: &[u8],
		blob: &[u8],
	) -> Result<PutReceipt, AccessError> {
		self.store.check_size(blob.len())?;
		self.check_envelope(request.genesis, request.issued_at)?;
		if request.sha256 != sp_io::hashing::sha2_256(blob) {
			return Err(AccessError::Malformed("sha256 is not the SHA-256 of the blob".into()));
		}
		verify(&blobs::put_signing_payload(&request), signature, &request.author)?;
		let best = self.client.info().best_hash;
		let role = self.client.runtime_api().may_act(best, request.author.clone());
		if !matches!(role, Ok(Ok(Role::Doctor))) {
			return Err(AccessError::NotAWriter(request.author.to_string()));
		}
		let cid = self.store.stage(blob)?;
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
		self.check_envelope(request.genesis, request.issued_at)?;
		verify(&blobs::get_signing_payload(&request), signature, &request.reader)?;
		// A captured request must not buy a second read (nor a second audit entry); a
		// refused one may be retried as it is.
		let _claim = self.served.claim(signature, request.issued_at)?;
		let hospital = self.hospital.as_ref().ok_or(AccessError::NoHospitalKey)?;
		let best = self.client.info().best_hash;
		let api = self.client.runtime_api();
		let internal = |e: sp_api::ApiError| AccessError::Internal(e.to_string());
		if !matches!(
			api.may_act(best, hospital.account()).map_err(internal)?,
			Ok(Role::Hospital | Role::Admin)
		) {
			return Err(AccessError::HospitalInactive(hospital.account().to_string()));
		}
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
		hospital
			.record_access(
				self,
				best,
				request.reader,
				view.patient,
				request.record,
				request.purpose,
			)
			.await?;
		_claim.keep();
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

	fn check_envelope(&self, genesis: Hash, issued_at: Moment) -> Result<(), AccessError> {
		if genesis != self.genesis {
			return Err(AccessError::WrongChain(genesis));
		}
		let now = now_ms() as i128;
		let skew = now - issued_at as i128;
		if skew.unsigned_abs() > blobs::MAX_REQUEST_SKEW_MS as u128 {
			return Err(AccessError::Stale((skew / 1000) as i64));
		}
		Ok(())
	}
}

/// Checks `signature` over `payload` by `who`: sr25519 (as Polkadot.js signs) or ed25519,
/// over the bytes themselves or wrapped in `<Bytes>…</Bytes>` (as browser extensions'
/// `signRaw` does).
pub fn verify(payload: &[u8], signature: &[u8], who: &AccountId) -> Result<(), AccessError> {
	let bad = || AccessError::BadSignature(who.to_string());
	let raw: [u8; 64] = signature.try_into().map_err(|_| bad())?;
	let public: [u8; 32] = who.clone().into();
	let wrapped = [&b"<Bytes>"[..], payload, &b"</Bytes>"[..]].concat();
	let verifies = [payload, &wrapped[..]].iter().any(|message| {
		sr25519::Pair::verify(
			&sr25519::Signature::from_raw(raw),
			message,
			&sr25519::Public::from_raw(public),
		) || ed25519::Pair::verify(
			&ed25519::Signature::from_raw(raw),
			message,
			&ed25519::Public::from_raw(public),
		)
	});
	verifies.then_some(()).ok_or_else(bad)
}

/// The hospital account a node signs audit entries with, from its keystore.
pub struct HospitalSigner {
	keystore: KeystorePtr,
	public: sr25519::Public,
	/// The next nonce to use, if known ahead of the chain (transactions in the pool).
	/// Held from choosing a nonce until the pool has the transaction, so concurrent reads
	/// never sign two audit entries with one nonce.
	next_nonce: futures::lock::Mutex<Option<u32>>,
}

impl HospitalSigner {
	/// The first `ehrh` key of the keystore, if any.
	pub fn from_keystore(keystore: KeystorePtr) -> Option<Self> {
		let public = *keystore.sr25519_public_keys(HOSPITAL_KEY_TYPE).first()?;
		Some(Self { keystore, public, next_nonce: futures::lock::Mutex::new(None) })
	}

	pub fn account(&self) -> AccountId {
		self.public.into()
	}

	/// Submits `consent.record_access` for this read, and waits until the pool accepts it.
	async fn record_access(
		&self,
		service: &BlobService,
		best: Hash,
		reader: AccountId,
		patient: AccountId,
		record: RecordId,
		purpose: Purpose,
	) -> Result<(), AccessError> {
		let call: ehr_runtime::RuntimeCall = pallet_ehr_consent::Call::record_access {
			reader,
			patient,
			target: AccessTarget::Record(record),
			purpose,
		}
		.into();
		let mut next_nonce = self.next_nonce.lock().await;
		// One retry with the chain's nonce, if the remembered one went stale (e.g. after a
		// restart or a transaction dropped from the pool).
		for attempt in 0..2 {
			let remembered = if attempt == 0 { *next_nonce } else { None };
			let nonce = self.nonce(service, best, remembered)?;
			let transaction = ehr_runtime::signing::signed_transaction_with(
				self.public,
				call.clone(),
				nonce,
				service.genesis,
				|payload| {
					self.keystore
						.sr25519_sign(HOSPITAL_KEY_TYPE, &self.public, payload)
						.map_err(|e| AccessError::Audit(e.to_string()))?
						.ok_or(AccessError::NoHospitalKey)
				},
			)?;
			let submitted =
				service.pool.submit_one(best, TransactionSource::Local, transaction.into()).await;
			match submitted {
				Ok(_) => {
					*next_nonce = Some(nonce + 1);
					return Ok(());
				}
				Err(e) if attempt == 0 => {
					log::debug!(target: super::LOG_TARGET, "audit entry at nonce {nonce} refused ({e}); retrying");
				}
				Err(e) => return Err(AccessError::Audit(e.to_string())),
			}
		}
		Err(AccessError::Audit("the pool refused the audit entry".into()))
	}

	/// The nonce of the next audit entry: the remembered one, unless the chain is ahead.
	fn nonce(
		&self,
		service: &BlobService,
		best: Hash,
		remembered: Option<u32>,
	) -> Result<u32, AccessError> {
		use substrate_frame_rpc_system::AccountNonceApi;
		let on_chain = service
			.client
			.runtime_api()
			.account_nonce(best, self.account())
			.map_err(|e| AccessError::Internal(e.to_string()))?;
		Ok(remembered.map_or(on_chain, |next| next.max(on_chain)))
	}
}

/// The signatures of get requests served recently: a request is good for one read.
///
/// A signature is remembered until its request would be refused as stale anyway, so the
/// set stays as small as the reads of the last few minutes.
#[derive(Default)]
pub struct ServedRequests {
	/// Signature → the request's `issued_at`, from the moment it is being served.
	seen: Mutex<HashMap<Vec<u8>, Moment>>,
}

/// A request being served; forgotten again unless [`Claim::keep`] is called, so a refused
/// request can be retried.
pub struct Claim<'a> {
	served: &'a ServedRequests,
	signature: Vec<u8>,
	kept: bool,
}

impl Claim<'_> {
	/// The request was served: it may not be served again.
	pub fn keep(mut self) {
		self.kept = true;
	}
}

impl Drop for Claim<'_> {
	fn drop(&mut self) {
		if !self.kept {
			if let Ok(mut seen) = self.served.seen.lock() {
				seen.remove(&self.signature);
			}
		}
	}
}

impl ServedRequests {
	/// Claims the request signed by `signature`, refused if it is served or in progress.
	pub fn claim(&self, signature: &[u8], issued_at: Moment) -> Result<Claim<'_>, AccessError> {
		let mut seen =
			self.seen.lock().map_err(|_| AccessError::Internal("lock poisoned".into()))?;
		let oldest = now_ms().saturating_sub(2 * blobs::MAX_REQUEST_SKEW_MS);
		seen.retain(|_, issued| *issued >= oldest);
		if seen.insert(signature.to_vec(), issued_at).is_some() {
			return Err(AccessError::Replayed);
		}
		Ok(Claim { served: self, signature: signature.to_vec(), kept: false })
	}
}

fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_keyring::Sr25519Keyring;

	#[test]
	fn signatures_verify_plain_or_wrapped_and_only_for_the_signer() {
		let alice = Sr25519Keyring::Alice;
		let request = GetRequest {
			genesis: Hash::repeat_byte(1),
			reader: alice.to_account_id(),
			record: 7,
			purpose: Purpose::Treatment,
			issued_at: 1,
		};
		let payload = blobs::get_signing_payload(&request);
		let plain = alice.pair().sign(&payload);
		assert!(verify(&payload, &plain.0, &alice.to_account_id()).is_ok());
		let wrapped = alice.pair().sign(&[&b"<Bytes>"[..], &payload, &b"</Bytes>"[..]].concat());
		assert!(verify(&payload, &wrapped.0, &alice.to_account_id()).is_ok());
		assert!(verify(&payload, &plain.0, &Sr25519Keyring::Bob.to_account_id()).is_err());
		assert!(verify(&payload, &plain.0[..63], &alice.to_account_id()).is_err());
		let other = blobs::put_signing_payload(&PutRequest {
			genesis: request.genesis,
			author: alice.to_account_id(),
			sha256: [0; 32],
			issued_at: 1,
		});
		assert!(verify(&other, &plain.0, &alice.to_account_id()).is_err(), "contexts are separate");
	}
}
