// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Accounts and roles: the vocabulary shared by the registry pallet, the pallets that ask
//! it who may do what, the runtime API and clients.

use alloc::vec::Vec;
use codec::{Codec, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::{IdentifyAccount, Verify};

/// An account's x25519 public key, to which record keys are wrapped for it. Only the
/// public half is on chain; the secret never leaves the member's device.
pub type EncryptionKey = [u8; 32];

/// The stand-in encryption key of a member created from a placeholder (development chains,
/// tests, benchmarks): derived from the account id, so nobody holds its secret and nothing
/// may be encrypted to it. Clients refuse to wrap a record key to it.
pub fn placeholder_encryption_key(account: &impl Encode) -> EncryptionKey {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(
		&[&b"ehr-chain placeholder encryption key"[..], &account.encode()[..]].concat(),
	)
	.0
}

/// The stand-in profile commitment of a member with no off-chain profile to commit to (a
/// node service account) or created from a placeholder (development chains, tests).
pub fn placeholder_profile_commitment(account: &impl Encode) -> ProfileCommitment {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	BlakeTwo256::hash(&[&b"ehr-chain placeholder profile"[..], &account.encode()[..]].concat())
}

/// A salted hash of a member's off-chain profile (name, contact data, national or social
/// security id, ...). A hospital holding the documents and the salt can check them
/// against it; the chain learns nothing from it.
pub type ProfileCommitment = H256;

/// What an account is in the consortium.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Role {
	/// A hospital of the consortium, admitted by the consortium's admin origin. It runs a
	/// validator node and acts for itself.
	Hospital,
	/// A doctor employed by one hospital, active while their credential is valid.
	Doctor,
	/// A patient, activated by a hospital at the first visit.
	Patient,
	/// An insurer, admitted by the consortium's admin origin.
	Insurer,
	/// Administrative staff of one hospital, acting for it (validating doctors,
	/// activating patients).
	Admin,
	/// The service account of one of a hospital's nodes: it signs the audit entries of what
	/// the node serves (blob reads, key releases) and has no other right. Appointed by the
	/// hospital with the node's own registration proof; the hospital's account stays off
	/// the node.
	Node,
}

/// The roles an account with no standing may apply for; the others are appointed.
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
pub enum ApplicantRole {
	Doctor,
	Patient,
}

impl From<ApplicantRole> for Role {
	fn from(role: ApplicantRole) -> Self {
		match role {
			ApplicantRole::Doctor => Role::Doctor,
			ApplicantRole::Patient => Role::Patient,
		}
	}
}

/// Whether a member is in good standing.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub enum MemberStatus {
	Active,
	/// Temporarily barred from acting; `reinstate` lifts it.
	Suspended,
	/// A patient account recovered into a successor account (see `pallet-recovery` and
	/// `registry.hand_over`): barred for good; the successor acts for it.
	Recovered,
}

/// Why an account may not act now.
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
pub enum Inability {
	/// The account has no role.
	NotRegistered,
	/// The account is suspended.
	Suspended,
	/// A doctor whose credential has expired.
	CredentialExpired,
	/// A doctor, admin or node account whose hospital is suspended or gone.
	HospitalInactive,
	/// The account was recovered into a successor account and no longer acts.
	Recovered,
}

/// Everything the chain knows of a member, as the runtime API reports it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Standing<AccountId> {
	pub role: Role,
	pub status: MemberStatus,
	/// The employing hospital of a doctor or admin; the registering hospital of a patient.
	pub hospital: Option<AccountId>,
	pub encryption_key: EncryptionKey,
	pub profile_commitment: ProfileCommitment,
	/// A doctor's credential expiry, in milliseconds since the Unix epoch.
	pub credential_expires_at: Option<u64>,
	/// `None` if the member may act now, else why not.
	pub inability: Option<Inability>,
}

/// A pending application, as the runtime API reports it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct PendingApplication<AccountId, BlockNumber> {
	pub role: ApplicantRole,
	pub hospital: AccountId,
	pub submitted_at: BlockNumber,
	pub expires_at: BlockNumber,
}

/// What other pallets ask of the account registry.
pub trait MemberRegistry<AccountId> {
	/// The role of `who`, whatever its status; `None` if it has no role.
	fn role_of(who: &AccountId) -> Option<Role>;
	/// The role of `who` if it may act now, else why it may not.
	fn acting_role(who: &AccountId) -> Result<Role, Inability>;
	/// The hospital a doctor or admin works for, or that registered a patient.
	fn hospital_of(who: &AccountId) -> Option<AccountId>;
	/// The registered x25519 public key of `who`.
	fn encryption_key(who: &AccountId) -> Option<EncryptionKey>;
	/// Whether `who` may act for `hospital` now: the hospital itself or one of its admins.
	fn is_staff_of(who: &AccountId, hospital: &AccountId) -> bool;
	/// How many times `who` has been registered (0: never). Consent given to a patient's
	/// account is bound to the tenure it was given in, so it ends for good when the account
	/// leaves, whatever happens to the account later.
	fn tenure(who: &AccountId) -> u32;
	/// The account a recovered account was handed over to, if any: it acts for `who`.
	fn successor(who: &AccountId) -> Option<AccountId>;
}

/// Accounts whose friends recovered them (FRAME's `pallet-recovery`): once recovered, an
/// account's own key no longer counts, and the registry lets it be handed over to a
/// successor account.
pub trait RecoveredAccounts<AccountId> {
	/// The account that inherited access to `lost`, if its recovery finished.
	fn inheritor(lost: &AccountId) -> Option<AccountId>;
}

impl<AccountId> RecoveredAccounts<AccountId> for () {
	fn inheritor(_: &AccountId) -> Option<AccountId> {
		None
	}
}

/// Makes accounts that can sign, for benchmarks of calls that check an off-chain
/// signature (registration proofs, key requests): only the runtime knows its signature
/// scheme.
pub trait BenchmarkSigner<AccountId, Signature> {
	/// A fresh account whose key the benchmark can sign with.
	fn signer(seed: u32) -> AccountId;
	/// `signer`'s signature of `payload`.
	fn sign(signer: &AccountId, payload: &[u8]) -> Signature;
}

/// Signing context of a registration proof.
pub const REGISTRATION_CONTEXT: &[u8] = b"ehr-chain/registration/v1";

/// What an account signs to agree to being registered by someone else (a patient by
/// hospital staff, an admin or a node account by its hospital): the chain, its role and
/// hospital, the keys registered for it, and its tenure (how many times it was registered
/// before), so that a proof registers the account once and never again.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct RegistrationConsent<AccountId, Hash = H256> {
	pub genesis: Hash,
	pub account: AccountId,
	pub role: Role,
	pub hospital: AccountId,
	pub profile_commitment: ProfileCommitment,
	pub encryption_key: EncryptionKey,
	pub tenure: u32,
}

impl<AccountId: Encode, Hash: Encode> RegistrationConsent<AccountId, Hash> {
	/// The bytes the account signs.
	pub fn signing_payload(&self) -> Vec<u8> {
		let mut payload = REGISTRATION_CONTEXT.to_vec();
		self.encode_to(&mut payload);
		payload
	}
}

/// Whether `signature` is `who`'s signature of `payload`: over the bytes themselves or
/// wrapped in `<Bytes>…</Bytes>`, as browser wallets' `signRaw` signs them.
pub fn verifies<S>(
	payload: &[u8],
	signature: &S,
	who: &<S::Signer as IdentifyAccount>::AccountId,
) -> bool
where
	S: Verify,
	S::Signer: IdentifyAccount,
{
	if signature.verify(payload, who) {
		return true;
	}
	let mut wrapped = Vec::with_capacity(payload.len() + 15);
	wrapped.extend_from_slice(b"<Bytes>");
	wrapped.extend_from_slice(payload);
	wrapped.extend_from_slice(b"</Bytes>");
	signature.verify(&wrapped[..], who)
}

sp_api::decl_runtime_apis! {
	/// The account registry, for integrators and Polkadot.js (`api.call.registryApi.*`).
	pub trait RegistryApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The role, status, hospital and encryption key of `who`, and whether it may act
		/// now; `None` if it has no role.
		fn standing(who: AccountId) -> Option<Standing<AccountId>>;
		/// `Ok(role)` if `who` may act now, else why not.
		fn may_act(who: AccountId) -> Result<Role, Inability>;
		/// The pending application of `who`, if any.
		fn pending_application(who: AccountId) -> Option<PendingApplication<AccountId, BlockNumber>>;
		/// Leading zero bits an application's proof-of-work hash must have now.
		fn pow_difficulty() -> u8;
		/// How many times `who` has been registered: the `tenure` its registration proof
		/// must name.
		fn registration_tenure(who: AccountId) -> u32;
		/// The recovered accounts `who` acts for (their records are `who`'s).
		fn predecessors(who: AccountId) -> Vec<AccountId>;
	}
}
