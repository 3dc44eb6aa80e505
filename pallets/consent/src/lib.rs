// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # Consent pallet
//!
//! Who may see a patient's health records, decided by the patient, and a trail of every
//! access the patient can read.
//!
//! ## Overview
//!
//! - **Grants**: a patient (or their guardian) grants a hospital, a doctor or an insurer
//!   access to a [`Scope`] of records (all, some categories, some records) for one
//!   [`Purpose`] (treatment, payment, operations, research), until revoked or until an
//!   optional expiry. Revocation takes effect at once; an expired grant stops holding
//!   without anyone acting. A grant to a hospital covers its active doctors.
//! - **Requests**: a facility asks for access (scope, purpose, reason code); the patient
//!   approves — which creates the grant — or denies. Unanswered requests expire.
//! - **Break-glass**: an active doctor may open emergency access to a patient, with a
//!   reason code and the hash of a written justification. It lasts `BreakGlassDuration`,
//!   the patient sees it (event and audit trail), and it waits in the doctor's hospital's
//!   review queue until a staff member closes it with a verdict.
//! - **Guardians**: a patient may appoint up to `MaxGuardians` delegates (e.g. the parents
//!   of a minor) who take consent decisions for them and may read their records.
//! - **Tenure**: grants, guardians and requests belong to the patient's current membership
//!   (its tenure in the registry): when the patient leaves they end for good, even if the
//!   account is registered again.
//! - **Successor**: a patient account recovered and handed over to a new account (see the
//!   registry) is acted for, and read as owner, by that successor; the old account no
//!   longer acts or reads.
//! - **Audit**: every consent decision, every request and every release of data (a record
//!   key handed out, a record or the record list served by a node) appends an
//!   [`AuditEntry`] to the patient's trail: who, what, when, for which purpose, on which
//!   basis (grant, break-glass, ...).
//!
//! ## Calls
//!
//! `grant`, `revoke`, `request_access`, `approve_request`, `deny_request`,
//! `cancel_request`, `open_break_glass`, `close_review`, `appoint_guardian`,
//! `remove_guardian`, `record_access` (a node's service account).
//!
//! The pallet answers access questions for the rest of the runtime through
//! [`AccessPolicy`] (used by the records pallet) and the `ConsentApi` runtime API (used
//! by nodes and integrators).
//!
//! ## Terminology
//!
//! - **Acts for a patient**: the patient, or one of their guardians who may act now.
//! - **Facility**: who may request access: a hospital (or its admin on its behalf), a
//!   doctor, an insurer.
//! - **Basis** ([`AccessBasis`]): what an allowed access rests on.
//!
//! No free text is stored: reasons are codes, justifications are hashes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod access;
mod functions;
mod impls;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(any(feature = "std", feature = "try-runtime", test))]
mod invariants;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub use ehr_primitives::records::{
	AccessBasis, AccessDecision, AccessDenial, AccessTarget, AuditAction, AuditEntry, AuditEvent,
	BreakGlassId, Category, EmergencyReason, GrantId, Moment, Purpose, RecordId, RequestId,
	RequestReason, ReviewVerdict, Scope,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use ehr_primitives::{records::RecordCatalog, registry::MemberRegistry};
	use frame_support::{pallet_prelude::*, traits::UnixTime};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Roles and standing of accounts.
		type Registry: MemberRegistry<Self::AccountId>;

		/// Facts of records (patient, category, versions), for scopes naming records.
		type Records: RecordCatalog<Self::AccountId>;

		/// Wall-clock time, for grant and emergency-access expiry.
		type Time: UnixTime;

		/// Most grants a patient may have given one grantee at once.
		#[pallet::constant]
		type MaxGrantsPerGrantee: Get<u32>;

		/// Most guardians a patient may appoint.
		#[pallet::constant]
		type MaxGuardians: Get<u32>;

		/// How long a request waits for the patient's answer, in blocks.
		#[pallet::constant]
		type RequestLifetime: Get<BlockNumberFor<Self>>;

		/// Most access requests that can be made in one block (they expire together).
		#[pallet::constant]
		type MaxRequestsPerBlock: Get<u32>;

		/// Most requests one facility may have awaiting answers, over all patients (and at
		/// most one per patient). Below `MaxRequestsPerBlock`, so that no single requester
		/// can take every slot of a block.
		#[pallet::constant]
		type MaxOpenRequestsPerRequester: Get<u32>;

		/// How long emergency access lasts, in milliseconds.
		#[pallet::constant]
		type BreakGlassDuration: Get<Moment>;

		/// Most emergency accesses one doctor may have awaiting their hospital's review: a
		/// doctor cannot open emergency access to patient after patient without anyone
		/// looking.
		#[pallet::constant]
		type MaxUnreviewedBreakGlass: Get<u32>;

		/// How long a doctor may not open emergency access after one was reviewed as
		/// unjustified, in milliseconds.
		#[pallet::constant]
		type UnjustifiedBreakGlassBar: Get<Moment>;

		/// How long after a read the same read (same reader, record, purpose, basis and
		/// hospital) is counted as a repeat of its audit entry rather than a new entry, in
		/// milliseconds.
		#[pallet::constant]
		type ReadCoalescingWindow: Get<Moment>;

		/// Most items one runtime API call returns (grants, requests, audit entries).
		#[pallet::constant]
		type MaxPageSize: Get<u32>;

		/// Weights of this pallet's calls, measured by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up members and records for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: ehr_primitives::records::BenchmarkSetup<Self::AccountId>;
	}

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// Most categories a scope may list.
		pub fn max_scope_categories() -> u32 {
			ehr_primitives::records::MAX_SCOPE_CATEGORIES
		}

		/// Most records a scope may list.
		pub fn max_scope_records() -> u32 {
			ehr_primitives::records::MAX_SCOPE_RECORDS
		}
	}

	/// The grants a patient has given a grantee.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<Grant<T::AccountId>, T::MaxGrantsPerGrantee>,
		ValueQuery,
	>;

	/// Where each grant is: (patient, grantee).
	#[pallet::storage]
	pub type GrantIndex<T: Config> =
		StorageMap<_, Twox64Concat, GrantId, (T::AccountId, T::AccountId)>;

	/// The id the next grant gets.
	#[pallet::storage]
	pub type NextGrantId<T: Config> = StorageValue<_, GrantId, ValueQuery>;

	/// Pending access requests.
	#[pallet::storage]
	pub type Requests<T: Config> =
		StorageMap<_, Twox64Concat, RequestId, AccessRequest<T::AccountId, BlockNumberFor<T>>>;

	/// The pending requests of each patient.
	#[pallet::storage]
	pub type PatientRequests<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RequestId, ()>;

	/// The open request of each facility to each patient: (requester, patient).
	#[pallet::storage]
	pub type OpenRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		RequestId,
	>;

	/// How many requests each facility has awaiting answers.
	#[pallet::storage]
	pub type OpenRequestCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Requests that expire at the start of a block.
	#[pallet::storage]
	pub type RequestExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<RequestId, T::MaxRequestsPerBlock>,
		ValueQuery,
	>;

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T: Config> = StorageValue<_, RequestId, ValueQuery>;

	/// Every emergency access ever opened (kept for audit).
	#[pallet::storage]
	pub type BreakGlassSessions<T: Config> =
		StorageMap<_, Twox64Concat, BreakGlassId, BreakGlass<T::AccountId>>;

	/// The latest emergency access a doctor opened to a patient: (patient, doctor).
	#[pallet::storage]
	pub type LatestBreakGlass<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BreakGlassId,
	>;

	/// Emergency accesses each hospital has yet to review.
	#[pallet::storage]
	pub type PendingReviews<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, BreakGlassId, ()>;

	/// How many of each doctor's emergency accesses await review.
	#[pallet::storage]
	pub type UnreviewedBreakGlass<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Doctors barred from opening emergency access after an unjustified one, until when
	/// (ms since the Unix epoch).
	#[pallet::storage]
	pub type BreakGlassBarredUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Moment>;

	/// The id the next emergency access gets.
	#[pallet::storage]
	pub type NextBreakGlassId<T: Config> = StorageValue<_, BreakGlassId, ValueQuery>;

	/// The guardians of each patient, with the patient's tenure they were appointed in.
	#[pallet::storage]
	pub type Guardians<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Guardianship<T::AccountId, T::MaxGuardians>,
		ValueQuery,
	>;

	/// Each patient's audit trail, by position.
	#[pallet::storage]
	pub type AuditTrail<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u32,
		AuditEntry<T::AccountId, BlockNumberFor<T>>,
	>;

	/// The length of each patient's audit trail.
	#[pallet::storage]
	pub type AuditLength<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A patient granted access.
		AccessGranted {
			grant: GrantId,
			patient: T::AccountId,
			grantee: T::AccountId,
			purpose: Purpose,
			expires_at: Option<Moment>,
		},
		/// A patient revoked a grant; it no longer holds.
		AccessRevoked { grant: GrantId, patient: T::AccountId, grantee: T::AccountId },
		/// A facility asked a patient for access.
		AccessRequested {
			request: RequestId,
			patient: T::AccountId,
			requester: T::AccountId,
			purpose: Purpose,
			reason: RequestReason,
		},
		/// A patient approved a request, creating a grant.
		RequestApproved { request: RequestId, patient: T::AccountId, grant: GrantId },
		/// A patient denied a request.
		RequestDenied { request: RequestId, patient: T::AccountId },
		/// A facility withdrew its request.
		RequestCancelled { request: RequestId, patient: T::AccountId },
		/// A request went unanswered until it expired.
		RequestExpired { request: RequestId, patient: T::AccountId },
		/// A doctor opened emergency access to a patient.
		BreakGlassOpened {
			session: BreakGlassId,
			patient: T::AccountId,
			doctor: T::AccountId,
			hospital: T::AccountId,
			reason: EmergencyReason,
			expires_at: Moment,
		},
		/// A hospital reviewed an emergency access.
		BreakGlassReviewed {
			session: BreakGlassId,
			patient: T::AccountId,
			by: T::AccountId,
			verdict: ReviewVerdict,
		},
		/// A doctor's emergency access was reviewed as unjustified: it ended, and the
		/// doctor may open no other until `until`.
		BreakGlassBarred { doctor: T::AccountId, session: BreakGlassId, until: Moment },
		/// A patient appointed a guardian.
		GuardianAppointed { patient: T::AccountId, guardian: T::AccountId },
		/// A guardian was removed (by the patient) or resigned.
		GuardianRemoved { patient: T::AccountId, guardian: T::AccountId },
		/// A node recorded that it served a reader a patient's data.
		AccessRecorded {
			patient: T::AccountId,
			reader: T::AccountId,
			target: AccessTarget,
			basis: AccessBasis,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Only the patient or one of their guardians may do this.
		NotPatientOrGuardian,
		/// The account is not a patient.
		NotPatient,
		/// Access can be granted to an active hospital, doctor or insurer other than the
		/// patient.
		InvalidGrantee,
		/// Insurers may only be granted access for payment.
		PurposeNotAllowed,
		/// The expiry is not in the future.
		ExpiryInPast,
		/// The scope lists nothing.
		EmptyScope,
		/// The scope lists more categories or records than allowed.
		ScopeTooLarge,
		/// A record in the scope is not a record of this patient.
		UnknownRecord,
		/// The patient has given this grantee `MaxGrantsPerGrantee` grants that still hold.
		TooManyGrants,
		/// No such grant of this patient.
		UnknownGrant,
		/// Patients and unregistered accounts cannot request access.
		NotFacility,
		/// No such pending request of this patient.
		UnknownRequest,
		/// This block already holds `MaxRequestsPerBlock` requests; try the next.
		TooManyRequests,
		/// The facility already has a request awaiting this patient's answer.
		RequestAlreadyOpen,
		/// The facility already has `MaxOpenRequestsPerRequester` requests awaiting answers.
		TooManyOpenRequests,
		/// Only the facility that made a request may cancel it.
		NotRequester,
		/// Only an active doctor may open emergency access.
		NotActiveDoctor,
		/// This doctor's emergency access to this patient is still open.
		BreakGlassAlreadyOpen,
		/// The doctor has `MaxUnreviewedBreakGlass` emergency accesses awaiting review.
		TooManyUnreviewedBreakGlass,
		/// The doctor is barred from emergency access after an unjustified one.
		BreakGlassBarred,
		/// An emergency access needs the hash of a written justification.
		MissingJustification,
		/// No such emergency access.
		UnknownSession,
		/// Only the staff of the doctor's hospital may review the access.
		NotHospitalStaff,
		/// The emergency access was already reviewed.
		AlreadyReviewed,
		/// A guardian must be an active person (patient, doctor or admin), not the patient.
		InvalidGuardian,
		/// The account is already a guardian of this patient.
		AlreadyGuardian,
		/// The patient already has `MaxGuardians` guardians.
		TooManyGuardians,
		/// The account is not a guardian of this patient.
		NotGuardian,
		/// The reader may not access this data now.
		AccessDenied,
		/// Nodes record reads of a record or of the record list, not of a category.
		InvalidTarget,
		/// Only the service account of an active hospital's node records what it served.
		NotNodeAccount,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Drops the requests whose lifetime ends at this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire_requests(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Grant `grantee` access to `scope` of `patient`'s records for `purpose`, until
		/// revoked or until `expires_at` (ms since the Unix epoch).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::grant(scope_len(scope)))]
		pub fn grant(
			origin: OriginFor<T>,
			patient: T::AccountId,
			grantee: T::AccountId,
			scope: ScopeRequest,
			purpose: Purpose,
			expires_at: Option<Moment>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_acts_for(&who, &patient)?;
			let scope = Self::bounded_scope(&patient, scope)?;
			let grant = Self::do_grant(&who, &patient, &grantee, scope, purpose, expires_at)?;
			Self::audit_event(
				&patient,
				&who,
				AuditAction::AccessGranted,
				Some(purpose),
				Some(AccessBasis::Grant(grant)),
			);
			Ok(())
		}

		/// Revoke one of `patient`'s grants. It stops holding at once.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(
			origin: OriginFor<T>,
			patient: T::AccountId,
			grant: GrantId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_may_narrow_for(&who, &patient)?;
			Self::do_revoke(&who, &patient, grant)
		}

		/// Ask `patient` for access to `scope` of their records for `purpose`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::request_access(scope_len(scope)))]
		pub fn request_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			scope: ScopeRequest,
			purpose: Purpose,
			reason: RequestReason,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_access(who, patient, scope, purpose, reason)
		}

		/// Approve a pending request: the requester is granted what it asked for, until
		/// revoked or `expires_at`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::approve_request())]
		pub fn approve_request(
			origin: OriginFor<T>,
			patient: T::AccountId,
			request: RequestId,
			expires_at: Option<Moment>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_acts_for(&who, &patient)?;
			Self::do_approve_request(&who, &patient, request, expires_at)
		}

		/// Deny a pending request.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::deny_request())]
		pub fn deny_request(
			origin: OriginFor<T>,
			patient: T::AccountId,
			request: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::ensure_may_narrow_for(&who, &patient)?;
			Self::do_deny_request(&who, &patient, request)
		}

		/// Withdraw a request the caller's facility made.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::cancel_request())]
		pub fn cancel_request(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_request(&who, request)
		}

		/// Open emergency access to `patient`'s records, as an active doctor, for
		/// `BreakGlassDuration`. `justification` is the hash of the written justification
		/// the hospital keeps.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::open_break_glass())]
		pub fn open_break_glass(
			origin: OriginFor<T>,
			patient: T::AccountId,
			reason: EmergencyReason,
			justification: H256,
		) -> DispatchResult {
			let doctor = ensure_signed(origin)?;
			Self::do_open_break_glass(doctor, patient, reason, justification)
		}

		/// Close the review of an emergency access, as staff of the doctor's hospital.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::close_review())]
		pub fn close_review(
			origin: OriginFor<T>,
			session: BreakGlassId,
			verdict: ReviewVerdict,
		) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_close_review(staff, session, verdict)
		}

		/// Appoint `guardian` to take consent decisions for the calling patient.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::appoint_guardian())]
		pub fn appoint_guardian(origin: OriginFor<T>, guardian: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_appoint_guardian(patient, guardian)
		}

		/// Remove a guardian of `patient`: by the patient, or by the guardian resigning.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::remove_guardian())]
		pub fn remove_guardian(
			origin: OriginFor<T>,
			patient: T::AccountId,
			guardian: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_guardian(who, patient, guardian)
		}

		/// Record in `patient`'s audit trail that the caller's node served `reader` a record
		/// or the record list for `purpose`. Refused if the reader may not access it now.
		/// Only for node service accounts.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::record_access())]
		pub fn record_access(
			origin: OriginFor<T>,
			reader: T::AccountId,
			patient: T::AccountId,
			target: AccessTarget,
			purpose: Purpose,
		) -> DispatchResult {
			let node = ensure_signed(origin)?;
			Self::do_record_access(node, reader, patient, target, purpose)
		}
	}
}

/// The number of items a scope request lists, for weights.
pub fn scope_len(scope: &ScopeRequest) -> u32 {
	match scope {
		ScopeRequest::AllRecords => 0,
		ScopeRequest::Categories(kinds) => kinds.len() as u32,
		ScopeRequest::Records(ids) => ids.len() as u32,
	}
}
