// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A patient's audit trail: what happened to their records, by whom, on what basis.

use super::{AccessBasis, Moment, Purpose, RecordId};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What happened, in a patient's audit trail.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AuditAction {
	/// A doctor documented a record (a new record or a new version).
	RecordDocumented,
	/// The patient confirmed a record.
	RecordConfirmed,
	/// The patient rejected a record.
	RecordRejected,
	/// The patient erased a record.
	RecordErased,
	/// A record's key was wrapped to a reader: data released.
	KeyReleased,
	/// A node served a record's content to a reader: data released.
	RecordRead,
	/// A node served the list of the patient's records.
	HistoryViewed,
	/// The patient granted access.
	AccessGranted,
	/// The patient revoked access.
	AccessRevoked,
	/// A facility asked for access.
	AccessRequested,
	/// The patient approved a request.
	RequestApproved,
	/// The patient denied a request.
	RequestDenied,
	/// A doctor opened emergency access.
	BreakGlassOpened,
	/// The hospital reviewed an emergency access.
	BreakGlassReviewed,
	/// The patient appointed a guardian.
	GuardianAppointed,
	/// The patient removed a guardian.
	GuardianRemoved,
}

/// An audit entry before it is stamped with time and position.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct AuditEvent<AccountId> {
	/// Who acted.
	pub actor: AccountId,
	pub action: AuditAction,
	/// The record concerned, if any.
	pub record: Option<RecordId>,
	/// The purpose of an access, if any.
	pub purpose: Option<Purpose>,
	/// What the access rested on, if data was released.
	pub basis: Option<AccessBasis>,
	/// The hospital whose node released the data (a key or a blob), if a node did.
	pub via: Option<AccountId>,
}

/// A stamped entry of a patient's audit trail.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct AuditEntry<AccountId, BlockNumber> {
	pub event: AuditEvent<AccountId>,
	/// Wall-clock time of the block, ms since the Unix epoch.
	pub at: Moment,
	pub block: BlockNumber,
	/// How many more times the same reader read the same thing, through the same
	/// hospital, for the same purpose and on the same basis, shortly after `at` (within the
	/// consent pallet's `ReadCoalescingWindow`): repeated reads are one entry with a count,
	/// so they cannot bury the patient's other entries.
	pub repeats: u32,
}
