// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Domain types the consent pallet stores.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ehr_primitives::records::{
	Category, EmergencyReason, GrantId, Moment, Purpose, RecordId, RequestReason, ReviewVerdict,
	Scope,
};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
	PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::H256;

/// A patient's consent to let one grantee access some records for one purpose.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Grant<AccountId> {
	pub id: GrantId,
	pub scope: Scope,
	pub purpose: Purpose,
	pub granted_at: Moment,
	/// After this (ms since the Unix epoch) the grant no longer holds; `None`: until revoked.
	pub expires_at: Option<Moment>,
	/// The patient, or the guardian who decided for them.
	pub granted_by: AccountId,
	/// The patient's tenure when granted: a grant ends for good when the patient leaves.
	pub tenure: u32,
}

impl<AccountId> Grant<AccountId> {
	/// Whether the grant holds at `now`, for a patient in tenure `tenure`.
	pub fn holds(&self, now: Moment, tenure: u32) -> bool {
		self.tenure == tenure && self.expires_at.is_none_or(|end| now < end)
	}
}

/// A patient's guardians, appointed in one tenure of the patient's membership.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(Max))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Guardianship<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, Max: Get<u32>> {
	pub tenure: u32,
	pub guardians: BoundedVec<AccountId, Max>,
}

/// A facility's request for access, awaiting the patient's answer.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct AccessRequest<AccountId, BlockNumber> {
	pub requester: AccountId,
	pub patient: AccountId,
	pub scope: Scope,
	pub purpose: Purpose,
	pub reason: RequestReason,
	pub expires_at: BlockNumber,
	/// The patient's tenure when asked: answered only in that tenure.
	pub tenure: u32,
}

/// An emergency access: who opened it, for whom, why, until when, and the review.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct BreakGlass<AccountId> {
	pub doctor: AccountId,
	pub patient: AccountId,
	/// The doctor's hospital, whose staff must review the access.
	pub hospital: AccountId,
	pub reason: EmergencyReason,
	/// Hash of the written justification the hospital keeps off chain.
	pub justification: H256,
	pub opened_at: Moment,
	pub expires_at: Moment,
	pub verdict: Option<ReviewVerdict>,
}

/// The scope a call asks for, before it is checked and bounded (so that an oversized
/// list is refused with a clear error instead of failing to decode).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum ScopeRequest {
	/// Every record of the patient, present and future.
	AllRecords,
	/// Records of these kinds.
	Categories(Vec<Category>),
	/// These records, any version of each.
	Records(Vec<RecordId>),
}
