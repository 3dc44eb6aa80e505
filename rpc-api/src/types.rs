// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the `ehr_*` methods take and answer, as JSON.
//!
//! The signed requests travel as one JSON object of text fields: byte strings in hex
//! (`0x` optional on input, always written), accounts in SS58 (or `0x` and 32 bytes of hex),
//! purposes by name. [`PutBlobParams::new`] and its siblings write that form from the
//! request `ehr_primitives` defines (what the caller signs); `parse` reads it back, naming
//! the field that is wrong. Both sides use these, so the client and the node cannot
//! disagree on it; JavaScript callers have `docs/openrpc.json`.

use ehr_primitives::{
	blobs::{GetRequest, KeyRequest, PutRequest},
	records::{ContentId, Purpose, RecordId},
	AccountId, Hash,
};
use serde::{Deserialize, Serialize};
use sp_core::crypto::Ss58Codec;

/// A parameter that is not what its field holds; the node answers it with
/// [`crate::error::INVALID_PARAMS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError(pub String);

impl core::fmt::Display for ParamError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(&self.0)
	}
}

impl std::error::Error for ParamError {}

impl From<ParamError> for jsonrpsee::types::ErrorObjectOwned {
	fn from(error: ParamError) -> Self {
		Self::owned(crate::error::INVALID_PARAMS, error.0, None::<()>)
	}
}

/// An answer from a node that does not hold what it should (a content id that does not
/// parse, a blob that is not hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadAnswer(pub String);

impl core::fmt::Display for BadAnswer {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(&self.0)
	}
}

impl std::error::Error for BadAnswer {}

/// `ehr_putBlob`'s parameter: a ciphertext and its author's signed [`PutRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PutBlobParams {
	/// The ciphertext, hex (decoded only once the request is known to be good).
	pub blob: String,
	/// The ciphertext's SHA-256, hex: what the signature covers.
	pub sha256: String,
	/// The doctor's account.
	pub author: String,
	/// The chain's genesis hash, hex.
	pub genesis: String,
	/// ms since the Unix epoch.
	pub issued_at: u64,
	/// sr25519 signature over `PUT_CONTEXT ‖ SCALE(PutRequest)`, hex.
	pub signature: String,
}

impl PutBlobParams {
	/// The parameter for `blob`, stored under `request` signed with `signature`.
	pub fn new(request: &PutRequest<AccountId>, signature: &[u8], blob: &[u8]) -> Self {
		Self {
			blob: hex0x(blob),
			sha256: hex0x(request.sha256),
			author: request.author.to_ss58check(),
			genesis: hex0x(request.genesis),
			issued_at: request.issued_at,
			signature: hex0x(signature),
		}
	}

	/// The request, its signature and the blob still in hex.
	pub fn parse(self) -> Result<(PutRequest<AccountId>, Vec<u8>, String), ParamError> {
		let request = PutRequest {
			genesis: hash("genesis", &self.genesis)?,
			author: account("author", &self.author)?,
			sha256: bytes32("sha256", &self.sha256, "a 32-byte hash")?,
			issued_at: self.issued_at,
		};
		Ok((request, bytes("signature", &self.signature)?, self.blob))
	}
}

/// `ehr_getBlob`'s parameter: a reader's signed [`GetRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetBlobParams {
	/// The record version.
	pub record: RecordId,
	/// The reader's account.
	pub reader: String,
	/// `treatment`, `payment`, `operations` or `research`.
	pub purpose: String,
	/// The chain's genesis hash, hex.
	pub genesis: String,
	/// ms since the Unix epoch.
	pub issued_at: u64,
	/// sr25519 signature over `GET_CONTEXT ‖ SCALE(GetRequest)`, hex.
	pub signature: String,
}

impl GetBlobParams {
	/// The parameter for `request` signed with `signature`.
	pub fn new(request: &GetRequest<AccountId>, signature: &[u8]) -> Self {
		Self {
			record: request.record,
			reader: request.reader.to_ss58check(),
			purpose: purpose_name(request.purpose).into(),
			genesis: hex0x(request.genesis),
			issued_at: request.issued_at,
			signature: hex0x(signature),
		}
	}

	/// The request and its signature.
	pub fn parse(self) -> Result<(GetRequest<AccountId>, Vec<u8>), ParamError> {
		let request = GetRequest {
			genesis: hash("genesis", &self.genesis)?,
			reader: account("reader", &self.reader)?,
			record: self.record,
			purpose: purpose(&self.purpose)?,
			issued_at: self.issued_at,
		};
		Ok((request, bytes("signature", &self.signature)?))
	}
}

/// `ehr_releaseKey`'s parameter: a reader's signed [`KeyRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReleaseKeyParams {
	/// The record version.
	pub record: RecordId,
	/// The reader's account.
	pub reader: String,
	/// `treatment`, `payment`, `operations` or `research`.
	pub purpose: String,
	/// The x25519 public key to wrap the record key to, hex.
	pub recipient: String,
	/// The chain's genesis hash, hex.
	pub genesis: String,
	/// ms since the Unix epoch.
	pub issued_at: u64,
	/// sr25519 signature over `KEY_CONTEXT ‖ SCALE(KeyRequest)`, hex.
	pub signature: String,
}

impl ReleaseKeyParams {
	/// The parameter for `request` signed with `signature`.
	pub fn new(request: &KeyRequest<AccountId>, signature: &[u8]) -> Self {
		Self {
			record: request.record,
			reader: request.reader.to_ss58check(),
			purpose: purpose_name(request.purpose).into(),
			recipient: hex0x(request.recipient),
			genesis: hex0x(request.genesis),
			issued_at: request.issued_at,
			signature: hex0x(signature),
		}
	}

	/// The request and its signature.
	pub fn parse(self) -> Result<(KeyRequest<AccountId>, Vec<u8>), ParamError> {
		let request = KeyRequest {
			genesis: hash("genesis", &self.genesis)?,
			reader: account("reader", &self.reader)?,
			record: self.record,
			purpose: purpose(&self.purpose)?,
			recipient: bytes32("recipient", &self.recipient, "a 32-byte x25519 key")?,
			issued_at: self.issued_at,
		};
		Ok((request, bytes("signature", &self.signature)?))
	}
}

/// `ehr_putBlob`'s answer: the staged blob's receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutReceipt {
	/// The content id (CIDv1, raw, sha2-256), as IPFS tools print it (`bafkrei…`).
	pub cid: String,
	/// The content id's 36 bytes, hex: what `records.create` takes.
	pub cid_hex: String,
	/// The blob's SHA-256, hex.
	pub sha256: String,
	/// The blob's size in bytes.
	pub size: u64,
	/// Seconds the blob stays staged waiting for an anchor before it is dropped.
	pub staged_for_secs: u64,
}

impl PutReceipt {
	/// The content id.
	pub fn content_id(&self) -> Result<ContentId, BadAnswer> {
		ContentId::from_multibase(&self.cid)
			.map_err(|e| BadAnswer(format!("the node returned a bad content id: {e}")))
	}
}

/// `ehr_getBlob`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServedBlob {
	/// The record version.
	pub record: RecordId,
	/// The content id, as IPFS tools print it.
	pub cid: String,
	/// The ciphertext, hex.
	pub blob: String,
	/// What the access rests on (`Owner`, `Author`, `Grant(7)`, ...).
	pub basis: String,
}

impl ServedBlob {
	/// The ciphertext.
	pub fn bytes(&self) -> Result<Vec<u8>, BadAnswer> {
		unhex(&self.blob)
			.map_err(|e| BadAnswer(format!("the node returned a blob that is not hex: {e}")))
	}
}

/// `ehr_blobStatus`'s answer: where a blob is on the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BlobStatus {
	/// Referred to by a finalized anchor.
	Stored,
	/// Waiting for an anchor.
	Staged,
	/// Not on this node.
	Absent,
}

/// `ehr_releaseKey`'s answer: the record key, wrapped to the request's recipient key,
/// from the custodian or as escrow shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedKey {
	/// The record version.
	pub record: RecordId,
	/// What the release rests on (`Owner`, `Grant(7)`, `BreakGlass(2)`, ...).
	pub basis: String,
	/// The hospital whose node recorded and answered the release (SS58).
	pub released_by: String,
	/// The block holding the release's audit entry, hex.
	pub audit_block: String,
	/// The record key wrapped to the recipient key (hex), when a custodian answered.
	pub custodian: Option<String>,
	/// Escrow shares wrapped to the recipient key (hex), when escrow holders answered.
	pub shares: Vec<String>,
	/// How many shares rebuild the key.
	pub threshold: u8,
}

impl ReleasedKey {
	/// The custodian's wrapped key, if a custodian answered.
	pub fn custodian_bytes(&self) -> Result<Option<Vec<u8>>, BadAnswer> {
		self.custodian.as_deref().map(released).transpose()
	}

	/// The wrapped escrow shares.
	pub fn share_bytes(&self) -> Result<Vec<Vec<u8>>, BadAnswer> {
		self.shares.iter().map(|share| released(share)).collect()
	}
}

/// `ehr_lastAudit`'s and `ehr_runAudit`'s answer: one audit of the node's finalized chain
/// against its peers'.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
	/// When the audit ran, ms since the Unix epoch.
	pub at: u64,
	/// The node's finalized height.
	pub local_finalized: u32,
	/// The heights compared.
	pub heights: Vec<u32>,
	/// How many peers were asked.
	pub peers_asked: u32,
	/// Peers whose finalized hashes all match the local ones.
	pub agreeing: Vec<String>,
	/// Peers that gave another hash at some height (the minority, unless the verdict is a
	/// local divergence).
	pub disagreeing: Vec<String>,
	/// Peers that did not answer.
	pub unreachable: Vec<String>,
	/// The outcome.
	pub verdict: AuditVerdict,
	/// The finalized height a majority of the answering peers reached.
	pub peers_finalized: Option<u32>,
	/// What the node did about it.
	pub action: String,
}

/// The outcome of an audit, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum AuditVerdict {
	/// The local chain agrees with the majority at every height compared.
	Agreed,
	/// The local chain disagrees with a strict majority of peers at this finalized height.
	LocalDivergence { height: u32 },
	/// Too few answers to form a majority.
	NoMajority,
	/// No peer to ask.
	NoPeers,
	/// Nothing finalized yet beyond genesis.
	NothingFinalized,
}

/// A purpose's name in the JSON form.
pub fn purpose_name(purpose: Purpose) -> &'static str {
	match purpose {
		Purpose::Treatment => "treatment",
		Purpose::Payment => "payment",
		Purpose::Operations => "operations",
		Purpose::Research => "research",
	}
}

/// A purpose by name (any case).
fn purpose(text: &str) -> Result<Purpose, ParamError> {
	match text.to_ascii_lowercase().as_str() {
		"treatment" => Ok(Purpose::Treatment),
		"payment" => Ok(Purpose::Payment),
		"operations" => Ok(Purpose::Operations),
		"research" => Ok(Purpose::Research),
		other => Err(ParamError(format!(
			"purpose '{other}' is not one of treatment, payment, operations, research"
		))),
	}
}

fn hex0x(bytes: impl AsRef<[u8]>) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn unhex(text: &str) -> Result<Vec<u8>, hex::FromHexError> {
	hex::decode(text.strip_prefix("0x").unwrap_or(text))
}

fn released(text: &str) -> Result<Vec<u8>, BadAnswer> {
	unhex(text).map_err(|e| BadAnswer(format!("the node released material that is not hex: {e}")))
}

fn bytes(field: &str, text: &str) -> Result<Vec<u8>, ParamError> {
	unhex(text).map_err(|e| ParamError(format!("{field} is not hex: {e}")))
}

fn bytes32(field: &str, text: &str, what: &str) -> Result<[u8; 32], ParamError> {
	bytes(field, text)?.try_into().map_err(|_| ParamError(format!("{field} is not {what}")))
}

fn hash(field: &str, text: &str) -> Result<Hash, ParamError> {
	bytes32(field, text, "a 32-byte hash").map(Hash::from)
}

/// An account in SS58, or `0x` and 32 bytes of hex.
fn account(field: &str, text: &str) -> Result<AccountId, ParamError> {
	if text.starts_with("0x") {
		return bytes32(field, text, "a 32-byte account id").map(AccountId::from);
	}
	AccountId::from_ss58check(text)
		.map_err(|e| ParamError(format!("{field} is not an SS58 address: {e:?}")))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn alice() -> AccountId {
		AccountId::from([1u8; 32])
	}

	#[test]
	fn requests_round_trip_through_their_json_form() {
		let put = PutRequest {
			genesis: Hash::repeat_byte(7),
			author: alice(),
			sha256: [9u8; 32],
			issued_at: 1_700_000_000_000,
		};
		let json = serde_json::to_value(PutBlobParams::new(&put, &[5u8; 64], b"blob")).unwrap();
		assert_eq!(json["blob"], "0x626c6f62");
		assert_eq!(json["issuedAt"], 1_700_000_000_000u64);
		let params: PutBlobParams = serde_json::from_value(json).unwrap();
		assert_eq!(params.parse().unwrap(), (put, vec![5u8; 64], "0x626c6f62".into()));

		let key = KeyRequest {
			genesis: Hash::repeat_byte(7),
			reader: alice(),
			record: 3,
			purpose: Purpose::Payment,
			recipient: [4u8; 32],
			issued_at: 1,
		};
		let json = serde_json::to_value(ReleaseKeyParams::new(&key, &[6u8; 64])).unwrap();
		assert_eq!(json["purpose"], "payment");
		let params: ReleaseKeyParams = serde_json::from_value(json).unwrap();
		assert_eq!(params.parse().unwrap(), (key, vec![6u8; 64]));
	}

	#[test]
	fn bad_fields_are_named() {
		let get = GetRequest {
			genesis: Hash::repeat_byte(7),
			reader: alice(),
			record: 3,
			purpose: Purpose::Treatment,
			issued_at: 1,
		};
		let good = GetBlobParams::new(&get, &[1u8; 64]);
		let refusal = |params: GetBlobParams| params.parse().unwrap_err().0;
		assert!(refusal(GetBlobParams { purpose: "curiosity".into(), ..good.clone() })
			.starts_with("purpose"));
		assert!(refusal(GetBlobParams { genesis: "0x00".into(), ..good.clone() })
			.starts_with("genesis"));
		assert!(refusal(GetBlobParams { reader: "nobody".into(), ..good.clone() })
			.starts_with("reader"));
		assert!(refusal(GetBlobParams { signature: "0xzz".into(), ..good.clone() })
			.starts_with("signature"));
		// Hex accounts and upper-case purposes are accepted as before.
		let hex_reader =
			GetBlobParams { reader: hex0x([1u8; 32]), purpose: "Treatment".into(), ..good.clone() };
		assert_eq!(hex_reader.parse().unwrap(), (get, vec![1u8; 64]));
		// Unknown fields are refused.
		let mut json = serde_json::to_value(&good).unwrap();
		json["extra"] = 1.into();
		assert!(serde_json::from_value::<GetBlobParams>(json).is_err());
	}

	#[test]
	fn answers_have_their_wire_names() {
		assert_eq!(serde_json::to_value(BlobStatus::Staged).unwrap(), "staged");
		let verdict = serde_json::to_value(AuditVerdict::LocalDivergence { height: 5 }).unwrap();
		assert_eq!(verdict, serde_json::json!({ "kind": "localDivergence", "height": 5 }));
	}
}
