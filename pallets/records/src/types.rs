// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Domain types the records pallet stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ehr_primitives::records::{Category, ContentId, Moment, RecordId, RecordKeys, RecordStatus};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// The on-chain anchor of one version of a health record. The record itself — a FHIR R4
/// Bundle — is encrypted on the client and stored off chain under `cid`; the chain keeps
/// only what identifies and orders it.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RecordAnchor<AccountId> {
	pub patient: AccountId,
	/// The doctor who wrote this version.
	pub author: AccountId,
	/// The author's hospital when writing.
	pub hospital: AccountId,
	pub category: Category,
	/// Where the ciphertext is; `None` once erased.
	pub cid: Option<ContentId>,
	/// SHA-256 of the ciphertext; kept after erasure, for audit.
	pub ciphertext_sha256: [u8; 32],
	/// Wall-clock time of the block that anchored it, ms since the Unix epoch.
	pub created_at: Moment,
	/// 1 for a new record, +1 for each amendment.
	pub version: u32,
	/// The id of the record's first version, shared by all versions.
	pub root: RecordId,
	/// The version this one amends.
	pub previous: Option<RecordId>,
	pub status: RecordStatus,
	/// How many readers hold a wrapped key to it.
	pub readers: u32,
}

/// The records of one patient that use one content.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ContentUse<AccountId> {
	pub patient: AccountId,
	/// Versions anchoring it that are not erased.
	pub records: u32,
}

/// A record key's escrow: `threshold` of these shares, each wrapped to its holder
/// hospital's custody key, rebuild it.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxKeyLen, MaxHolders))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct EscrowShares<AccountId, MaxKeyLen: Get<u32>, MaxHolders: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
{
	pub threshold: u8,
	pub shares: BoundedVec<(AccountId, BoundedVec<u8, MaxKeyLen>), MaxHolders>,
}

/// Made-up record anchors a chain starts with, for measuring how the chain behaves when it
/// already holds many records (does a write cost more on a chain of a million?). Anchor
/// `i` belongs to `writers[i % writers.len()]` — a (patient, author, hospital) triple —
/// and is confirmed, with wrapped keys for its patient and author, like a real one. Its
/// content id points at no blob: never put these in a real consortium's genesis.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyntheticAnchors<AccountId> {
	pub count: u32,
	pub writers: alloc::vec::Vec<(AccountId, AccountId, AccountId)>,
}

/// One record of a batch (`create_batch`): what `create` takes.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NewRecord<AccountId> {
	pub patient: AccountId,
	pub category: Category,
	pub cid: ContentId,
	pub ciphertext_sha256: [u8; 32],
	pub keys: RecordKeys,
}
