// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Signed requests to a hospital node: storing and reading encrypted record blobs, and
//! the release of record keys.
//!
//! A client proves who it is by signing `context ‖ SCALE(request)` with its account key
//! (sr25519 as Polkadot.js holds it; ed25519 also accepted). The context separates the
//! kinds of request, and the genesis hash inside each request ties it to one chain,
//! so a signature made for one purpose or chain is worthless for another. `issued_at`
//! bounds replay: nodes refuse requests older or newer than `MAX_REQUEST_SKEW_MS`.

use crate::records::{Purpose, RecordId};
use crate::{Hash, Moment};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// Signing context of a request to store a blob.
pub const PUT_CONTEXT: &[u8] = b"ehr-chain/blob-put/v1";

/// Signing context of a request to read a record's blob.
pub const GET_CONTEXT: &[u8] = b"ehr-chain/blob-get/v1";

/// Signing context of a request for a record's key.
pub const KEY_CONTEXT: &[u8] = b"ehr-chain/key-release/v1";

/// The largest blob (an encrypted record) any node stores: 1 MiB, the block size IPFS
/// nodes exchange, so every blob is one IPFS block.
pub const MAX_BLOB_BYTES: usize = 1024 * 1024;

/// How far a request's `issued_at` may be from the node's clock, in ms.
pub const MAX_REQUEST_SKEW_MS: Moment = 5 * 60 * 1000;

/// A doctor's (or hospital's) request to store a blob that a record anchor will refer to.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct PutRequest<AccountId> {
	/// The chain's genesis hash.
	pub genesis: Hash,
	/// Who asks (and signs).
	pub author: AccountId,
	/// SHA-256 of the blob.
	pub sha256: [u8; 32],
	/// When the request was made, ms since the Unix epoch.
	pub issued_at: Moment,
}

/// A reader's request for the blob of a record version.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct GetRequest<AccountId> {
	/// The chain's genesis hash.
	pub genesis: Hash,
	/// Who asks (and signs).
	pub reader: AccountId,
	/// The record version whose blob is asked for.
	pub record: RecordId,
	/// Why: recorded in the patient's audit trail.
	pub purpose: Purpose,
	/// When the request was made, ms since the Unix epoch.
	pub issued_at: Moment,
}

/// A reader's request for the key of a record version, wrapped to `recipient`: the
/// reader's registered x25519 key, or a session key the reader generated (the reader's
/// signature over the request binds it to the reader). The runtime checks it again when a
/// node records the release (`records.release_key`), so a node cannot release a key no
/// reader asked for.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct KeyRequest<AccountId> {
	/// The chain's genesis hash.
	pub genesis: Hash,
	/// Who asks (and signs).
	pub reader: AccountId,
	/// The record version whose key is asked for.
	pub record: RecordId,
	/// Why: recorded in the patient's audit trail.
	pub purpose: Purpose,
	/// The x25519 public key the record key is to be wrapped to.
	pub recipient: [u8; 32],
	/// When the request was made, ms since the Unix epoch.
	pub issued_at: Moment,
}

impl<AccountId: Encode> KeyRequest<AccountId> {
	/// The bytes the reader signs.
	pub fn signing_payload(&self) -> Vec<u8> {
		signing_payload(KEY_CONTEXT, self)
	}

	/// The request's id: the BLAKE2-256 of what the reader signed. The audit entry of a
	/// release names it, and nodes release material only against it.
	pub fn hash(&self) -> Hash {
		use sp_runtime::traits::{BlakeTwo256, Hash as _};
		BlakeTwo256::hash(&self.signing_payload())
	}
}

/// The bytes a put request's signature covers.
pub fn put_signing_payload<AccountId: Encode>(request: &PutRequest<AccountId>) -> Vec<u8> {
	signing_payload(PUT_CONTEXT, request)
}

/// The bytes a get request's signature covers.
pub fn get_signing_payload<AccountId: Encode>(request: &GetRequest<AccountId>) -> Vec<u8> {
	signing_payload(GET_CONTEXT, request)
}

fn signing_payload(context: &[u8], request: &impl Encode) -> Vec<u8> {
	let mut payload = context.to_vec();
	request.encode_to(&mut payload);
	payload
}
