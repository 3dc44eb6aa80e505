// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Health records and consent: the vocabulary shared by the records and consent pallets,
//! the runtime API integrators call, the node and clients.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_core::H256;
use sp_runtime::BoundedVec;

/// A health record anchor's id; every version of a record has its own.
pub type RecordId = u64;

/// A consent grant's id.
pub type GrantId = u64;

/// An access request's id.
pub type RequestId = u64;

/// A break-glass (emergency access) session's id.
pub type BreakGlassId = u64;

pub use crate::Moment;

mod audit;
mod content_id;
pub use audit::*;
pub use content_id::*;

/// The FHIR R4 resource kind a record carries.
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
	PartialOrd,
	Ord,
	Debug,
)]
pub enum Category {
	/// A diagnosis, problem or health concern (the seed's disease and diagnosis).
	Condition,
	/// A prescription (the seed's medication).
	MedicationRequest,
	/// A visit: where, when, with whom (the seed's location, date, doctor, hospital).
	Encounter,
	/// A plan of care (the seed's suggestion).
	CarePlan,
	/// A scheduled visit (the seed's next review).
	Appointment,
	/// A measurement or finding; clinical notes.
	Observation,
	/// A report of diagnostic tests.
	DiagnosticReport,
	/// An allergy or intolerance.
	AllergyIntolerance,
	/// A procedure performed.
	Procedure,
	/// A vaccination.
	Immunization,
	/// A document (a scan, a discharge letter).
	DocumentReference,
}

/// Why data is accessed (after HIPAA's treatment, payment and operations, plus research).
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
pub enum Purpose {
	Treatment,
	Payment,
	Operations,
	Research,
}

/// Most categories a scope may list (there are 11 kinds).
pub const MAX_SCOPE_CATEGORIES: u32 = 11;

/// Most records a scope may list.
pub const MAX_SCOPE_RECORDS: u32 = 32;

/// Which of a patient's records a grant or request covers.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum Scope {
	/// Every record of the patient, present and future, and the list of them.
	AllRecords,
	/// Records of these kinds.
	Categories(BoundedVec<Category, ConstU32<MAX_SCOPE_CATEGORIES>>),
	/// These records, every version (listed by the id of their first version).
	Records(BoundedVec<RecordId, ConstU32<MAX_SCOPE_RECORDS>>),
}

impl Scope {
	/// Whether the scope covers `target`, a record being known by its category and root.
	pub fn covers(&self, target: &ScopedTarget) -> bool {
		match (self, target) {
			(Scope::AllRecords, _) => true,
			(Scope::Categories(kinds), ScopedTarget::Category(kind)) => kinds.contains(kind),
			(Scope::Categories(kinds), ScopedTarget::Record { category, .. }) => {
				kinds.contains(category)
			}
			(Scope::Records(ids), ScopedTarget::Record { root, .. }) => ids.contains(root),
			_ => false,
		}
	}
}

/// An access target as a scope sees it: a record with its category and root resolved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ScopedTarget {
	Record { root: RecordId, category: Category },
	Category(Category),
	History,
}

/// What an access is about: one record, or a category of records.
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
pub enum AccessTarget {
	/// A record (any version), by id.
	Record(RecordId),
	/// Records of a kind, including ones not yet written.
	Category(Category),
	/// The list of the patient's records (their history), not their content.
	History,
}

/// What an access rests on.
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
pub enum AccessBasis {
	/// The patient's own data.
	Owner,
	/// A guardian the patient appointed.
	Guardian,
	/// The doctor who wrote the record.
	Author,
	/// A consent grant.
	Grant(GrantId),
	/// An emergency (break-glass) session.
	BreakGlass(BreakGlassId),
}

/// Why access is refused.
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
pub enum AccessDenial {
	/// The accessor may not act now (not a member, suspended, expired credential, ...).
	AccessorInactive,
	/// The patient is not an active patient.
	NotPatient,
	/// No such record of this patient.
	UnknownRecord,
	/// The record was erased.
	Erased,
	/// No grant, emergency session or other basis covers this access.
	NoGrant,
}

/// The answer of `can_access`.
pub type AccessDecision = Result<AccessBasis, AccessDenial>;

/// A record anchor's life cycle.
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
pub enum RecordStatus {
	/// Written by a doctor, awaiting the patient's confirmation.
	Pending,
	/// Confirmed by the patient: the record counts.
	Confirmed,
	/// Turned down by the patient.
	Rejected(RecordRejection),
	/// Still pending when its time ran out.
	Expired,
	/// Erased by the patient: a tombstone; only the hash remains.
	Erased,
}

/// Why a patient turned a record down: codes, never text.
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
pub enum RecordRejection {
	/// The record is about someone else.
	WrongPatient,
	/// The content is wrong.
	Inaccurate,
	/// The patient does not recognise the visit.
	UnknownEncounter,
	/// Any other reason, explained off chain.
	Other,
}

/// What the runtime API reports of a record anchor.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RecordView<AccountId> {
	pub id: RecordId,
	pub patient: AccountId,
	pub author: AccountId,
	pub hospital: AccountId,
	pub category: Category,
	/// `None` once erased.
	pub cid: Option<ContentId>,
	pub ciphertext_sha256: [u8; 32],
	pub created_at: Moment,
	pub version: u32,
	/// The id of the record's first version (all versions share it).
	pub root: RecordId,
	pub previous: Option<RecordId>,
	pub status: RecordStatus,
}

/// A record key wrapped to one reader, as the runtime API reports it. (A struct rather
/// than bare bytes, which some clients' decoders treat specially.)
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct WrappedKeyView<AccountId> {
	pub record: RecordId,
	pub reader: AccountId,
	/// The record's symmetric key sealed to the reader's x25519 key.
	pub key: Vec<u8>,
}

/// A record version's key, wrapped to each of its holders, as a writer hands it to
/// `records.create` and `records.amend` (see `docs/keys.md`).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct RecordKeys {
	/// Wrapped to the patient's registered encryption key.
	pub patient: Vec<u8>,
	/// Wrapped to the author's registered encryption key.
	pub author: Vec<u8>,
	/// Wrapped to the custody key of the author's hospital (its registered encryption key).
	pub custodian: Vec<u8>,
	/// One Shamir share of the key per escrow holder, each wrapped to that hospital's
	/// custody key, in the order `RecordsApi::escrow_policy` lists the holders; empty when
	/// escrow is off.
	pub escrow: Vec<Vec<u8>>,
}

/// How a writer must escrow a record key now: `threshold` shares of the holders' rebuild
/// it. `threshold == 0` (and no holders): escrow is off.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct EscrowPolicy<AccountId> {
	pub threshold: u8,
	/// The escrow holders (every consortium hospital but the custodian) and their custody
	/// keys, in the order shares are given.
	pub holders: Vec<(AccountId, crate::registry::EncryptionKey)>,
}

/// Who holds a record version's key besides its readers, as nodes route key requests.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct CustodyView<AccountId> {
	/// The hospital whose nodes hold the whole key.
	pub custodian: AccountId,
	/// Shares needed to rebuild the key (0: not escrowed).
	pub threshold: u8,
	/// The hospitals holding one share each.
	pub holders: Vec<AccountId>,
}

/// What other pallets ask of the records pallet.
pub trait RecordCatalog<AccountId> {
	/// The patient, category and root (first version's id) of a record, and whether it
	/// was erased.
	fn record_facts(record: RecordId) -> Option<RecordFacts<AccountId>>;
}

/// The facts of a record other pallets decide on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordFacts<AccountId> {
	pub patient: AccountId,
	pub author: AccountId,
	pub category: Category,
	pub root: RecordId,
	pub erased: bool,
}

/// What the records pallet asks of the consent pallet: access decisions and the audit.
pub trait AccessPolicy<AccountId> {
	/// Whether `who` may access `target` of `patient` for `purpose` now, and on what basis.
	/// `purpose: None` accepts a grant of any purpose (e.g. to hand a key to a grantee).
	fn can_access(
		who: &AccountId,
		patient: &AccountId,
		target: AccessTarget,
		purpose: Option<Purpose>,
	) -> AccessDecision;

	/// Whether `who` may take consent decisions for `patient`: the patient or a guardian.
	fn acts_for(who: &AccountId, patient: &AccountId) -> bool;

	/// Appends an entry to `patient`'s audit trail.
	fn audit(patient: &AccountId, entry: AuditEvent<AccountId>);
}

/// Why a facility asks for access: codes, never text.
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
pub enum RequestReason {
	/// The patient was referred to the requester.
	Referral,
	/// The patient is being admitted.
	Admission,
	/// An insurance claim is being processed.
	Claim,
	/// A second opinion.
	SecondOpinion,
	/// A research study the patient may join.
	Study,
	/// Any other reason, explained off chain.
	Other,
}

/// Why a doctor opens emergency access: codes, with the free-text justification kept off
/// chain and only its hash recorded.
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
pub enum EmergencyReason {
	/// The patient cannot consent (unconscious, confused, ...).
	PatientUnableToConsent,
	/// Immediate danger to life.
	LifeThreatening,
	/// No guardian can be reached for a patient who needs one.
	GuardianUnreachable,
}

/// The hospital's verdict on an emergency access.
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
pub enum ReviewVerdict {
	Justified,
	Unjustified,
}

/// A consent grant, as the runtime API reports it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct GrantView<AccountId> {
	pub id: GrantId,
	pub grantee: AccountId,
	pub scope: Scope,
	pub purpose: Purpose,
	pub granted_at: Moment,
	pub expires_at: Option<Moment>,
	/// Whether the grant holds now (it has not expired).
	pub active: bool,
}

/// A pending access request, as the runtime API reports it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RequestView<AccountId, BlockNumber> {
	pub id: RequestId,
	pub requester: AccountId,
	pub scope: Scope,
	pub purpose: Purpose,
	pub reason: RequestReason,
	pub expires_at: BlockNumber,
}

/// An emergency access session, as the runtime API reports it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct BreakGlassView<AccountId> {
	pub id: BreakGlassId,
	pub doctor: AccountId,
	pub patient: AccountId,
	pub hospital: AccountId,
	pub reason: EmergencyReason,
	/// Hash of the written justification kept by the hospital.
	pub justification: H256,
	pub opened_at: Moment,
	pub expires_at: Moment,
	pub verdict: Option<ReviewVerdict>,
}

sp_api::decl_runtime_apis! {
	/// Health records, for integrators and Polkadot.js (`api.call.recordsApi.*`).
	pub trait RecordsApi<AccountId>
	where
		AccountId: codec::Codec,
	{
		/// One record anchor.
		fn record(id: RecordId) -> Option<RecordView<AccountId>>;
		/// A patient's records in the order they were anchored, from position `from`, at most
		/// `limit` (capped by the pallet's `MaxPageSize`).
		fn records_of(patient: AccountId, from: u32, limit: u32) -> Vec<RecordView<AccountId>>;
		/// The key of `record` wrapped to `reader`, if one was handed out.
		fn wrapped_key(record: RecordId, reader: AccountId) -> Option<WrappedKeyView<AccountId>>;
		/// Who holds `record`'s key: its custodian and escrow holders.
		fn custody(record: RecordId) -> Option<CustodyView<AccountId>>;
		/// The escrow share of `record` wrapped to `holder`'s custody key, if it holds one.
		fn escrow_share(record: RecordId, holder: AccountId) -> Option<Vec<u8>>;
		/// How a doctor of `custodian` must escrow the key of a record written now.
		fn escrow_policy(custodian: AccountId) -> EscrowPolicy<AccountId>;
	}

	/// Consent, access decisions and the audit trail (`api.call.consentApi.*`).
	pub trait ConsentApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// Whether `who` may access `target` of `patient` for `purpose` now, and on what
		/// basis (`purpose: None`: for any purpose).
		fn can_access(who: AccountId, patient: AccountId, target: AccessTarget, purpose: Option<Purpose>) -> AccessDecision;
		/// The grants a patient has given, with whether each holds now: from the `from`-th,
		/// at most `limit` (capped).
		fn grants_of(patient: AccountId, from: u32, limit: u32) -> Vec<GrantView<AccountId>>;
		/// The access requests awaiting a patient's answer: from the `from`-th, at most
		/// `limit` (capped).
		fn requests_of(patient: AccountId, from: u32, limit: u32) -> Vec<RequestView<AccountId, BlockNumber>>;
		/// A patient's audit trail from entry `from`, at most `limit` entries (capped).
		fn audit_of(patient: AccountId, from: u32, limit: u32) -> Vec<AuditEntry<AccountId, BlockNumber>>;
		/// The emergency accesses a hospital has yet to review: from the `from`-th, at most
		/// `limit` (capped).
		fn pending_reviews(hospital: AccountId, from: u32, limit: u32) -> Vec<BreakGlassView<AccountId>>;
	}
}

/// What the consent and records pallets' benchmarks need set up in a runtime, which only
/// the runtime (knowing all pallets) can do: members, grants and records.
pub trait BenchmarkSetup<AccountId> {
	/// Registers `who` as an active member with `role` (doctors, admins and node accounts
	/// at `hospital`); a hospital joins the consortium with a custody key of its own (so
	/// it holds escrow shares).
	fn register(who: &AccountId, role: crate::registry::Role, hospital: Option<&AccountId>);
	/// `patient` grants `grantee` access to all their records for `purpose`.
	fn grant_all(patient: &AccountId, grantee: &AccountId, purpose: Purpose);
	/// `author` (a doctor with a treatment grant) writes a record of `patient`, which the
	/// patient confirms; returns its id.
	fn confirmed_record(patient: &AccountId, author: &AccountId) -> RecordId;
}
