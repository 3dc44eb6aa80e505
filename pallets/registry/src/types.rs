// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Domain types the registry stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ehr_primitives::registry::{
	ApplicantRole, EncryptionKey, MemberStatus, ProfileCommitment, Role,
};
use frame_support::{
	pallet_prelude::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use ehr_primitives::Moment;

/// A doctor's professional credential, as verified by a hospital admin (e.g. with the
/// medical council): an opaque reference to the verification, never the documents.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxLen))]
#[codec(mel_bound())]
pub struct Credential<MaxLen: Get<u32>> {
	/// The verifier's reference, e.g. a council registry entry id or a hash of it.
	pub reference: BoundedVec<u8, MaxLen>,
	/// When the credential stops being valid, in milliseconds since the Unix epoch.
	pub expires_at: Moment,
}

/// A member of the consortium: an account with a role.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxCredentialLen))]
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct MemberInfo<AccountId, BlockNumber, MaxCredentialLen: Get<u32>>
where
	AccountId: Clone + Eq + core::fmt::Debug,
	BlockNumber: Clone + Eq + core::fmt::Debug,
{
	pub role: Role,
	pub status: MemberStatus,
	/// Doctor and admin: the employing hospital. Patient: the hospital that activated
	/// them. Hospital and insurer: none.
	pub hospital: Option<AccountId>,
	pub profile_commitment: ProfileCommitment,
	pub encryption_key: EncryptionKey,
	/// Doctors only.
	pub credential: Option<Credential<MaxCredentialLen>>,
	pub registered_at: BlockNumber,
}

/// A pending application of an account with no standing.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Application<AccountId, BlockNumber> {
	pub role: ApplicantRole,
	/// The hospital asked to validate (doctor) or activate (patient) the applicant.
	pub hospital: AccountId,
	pub profile_commitment: ProfileCommitment,
	pub encryption_key: EncryptionKey,
	pub submitted_at: BlockNumber,
	/// The block at whose start the application is dropped if still pending.
	pub expires_at: BlockNumber,
}

/// Who took an action on a member.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum Actor<AccountId> {
	/// The consortium's admin origin (bootstrap admin now, the hospital council later).
	Consortium,
	/// A member account: a hospital or one of its admins.
	Member(AccountId),
}

/// Why a hospital turned an application down. Codes, never free text: nothing personal
/// goes on chain.
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
pub enum RejectionReason {
	/// The presented documents do not match the profile commitment.
	ProfileMismatch,
	/// The doctor's credential could not be verified.
	CredentialUnverified,
	/// The applicant is not (or not yet) a patient of this hospital.
	NotPatientHere,
	/// Any other reason, explained to the applicant off chain.
	Other,
}

/// A member as genesis registers it (dev and local chains, or a consortium's launch).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct GenesisMember<AccountId> {
	pub account: AccountId,
	pub role: Role,
	pub hospital: Option<AccountId>,
	pub profile_commitment: ProfileCommitment,
	pub encryption_key: EncryptionKey,
	/// Doctors: the credential's expiry (ms since the Unix epoch); its reference is
	/// recorded as `genesis`.
	pub credential_expires_at: Option<Moment>,
}

impl<AccountId: Encode> GenesisMember<AccountId> {
	/// An active member whose encryption key and profile commitment are placeholders
	/// derived from its account id, and whose credential (for a doctor) never expires: for
	/// development chains, tests and benchmarks only — never for real people.
	pub fn placeholder(account: AccountId, role: Role, hospital: Option<AccountId>) -> Self {
		Self {
			encryption_key: ehr_primitives::registry::placeholder_encryption_key(&account),
			profile_commitment: ehr_primitives::registry::placeholder_profile_commitment(&account),
			account,
			role,
			hospital,
			credential_expires_at: (role == Role::Doctor).then_some(Moment::MAX),
		}
	}
}
