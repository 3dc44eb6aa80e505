// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # Registry pallet
//!
//! The account registry of ehr-chain: who is who in the consortium, and who may transact.
//!
//! ## Overview
//!
//! Every account that acts on ehr-chain is a *member* with one [`Role`]: a hospital, a
//! doctor or an admin of a hospital, a patient, or an insurer. The pallet keeps each
//! member's role, status, affiliation, x25519 public encryption key and a salted hash
//! commitment of their off-chain profile; nothing personal is stored.
//!
//! - Hospitals and insurers are admitted by the consortium's admin origin.
//! - A hospital appoints admins, who act for it.
//! - A doctor applies to a hospital; the hospital (or its admin) verifies the credential
//!   off chain and activates the doctor with a credential reference and an expiry. An
//!   expired credential stops working by itself.
//! - A patient is activated by a hospital at the first visit: on the patient's own
//!   application, or registered directly with the patient's **registration proof** (the
//!   patient's signature over the registration, see [`RegistrationConsent`]).
//! - A hospital appoints the **service accounts of its nodes** (role `Node`, with the
//!   node's registration proof): they may only record what the node serves.
//! - Members can be suspended, reinstated and revoked (a patient only by the consortium);
//!   a patient can deregister. Leaving ends the tenure to which consent was bound.
//! - A patient account recovered by its friends (`pallet-recovery`) is handed over to a
//!   successor account, which acts for it from then on.
//!
//! ## Calls
//!
//! `apply`, `withdraw_application`, `register_hospital`, `register_insurer`,
//! `appoint_admin`, `activate_doctor`, `renew_credential`, `activate_patient`,
//! `register_patient`, `reject_application`, `suspend`, `reinstate`, `revoke`,
//! `deregister`, `update_profile`, `set_pow_difficulty`, `appoint_node`, `hand_over`.
//!
//! The chain has no fees. [`CheckMembership`], a transaction extension, admits signed
//! transactions only from members who may act now, and — for accounts with no standing —
//! only an application carrying a proof-of-work ticket ([`pow`]). Everyone else is
//! refused by the transaction pool, before any block is touched. Members hold a
//! frame-system provider reference, which gives them a nonce; leaving drops it.
//!
//! ## Terminology
//!
//! - **Member**: an account with a role in [`Members`].
//! - **Standing**: being a member, or having a pending application.
//! - **Staff of a hospital**: the hospital account itself and its active admins.
//! - **Authority over a member**: the admin origin over anyone; for doctors, admins and
//!   node accounts also the staff of their hospital; for patients, the staff may suspend
//!   and reinstate, only the admin origin may revoke.
//! - **Tenure**: how many times an account has been registered. Registration proofs and
//!   consent name it, so neither outlives the membership it was given for.
//! - **Successor**: the account a recovered patient account was handed over to.
//! - **May act**: active, with an active hospital (doctors, admins) and an unexpired
//!   credential (doctors).
//!
//! ## Refusals in the transaction pool
//!
//! [`CheckMembership`] refuses with `InvalidTransaction::Custom(code)`, where `code` is the
//! index of the matching [`Error`] variant in this pallet's metadata (e.g. `NotMember`),
//! so Polkadot.js and integrators can name the reason without custom types. A node at
//! capacity refuses new submissions the same way, with [`Error::Busy`] (the node's
//! admission check, not the runtime's): retry after a slot.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod applications;
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper;
mod extension;
mod functions;
mod impls;
#[cfg(any(feature = "std", feature = "try-runtime", test))]
mod invariants;
mod origins;
pub mod pow;
pub mod quota;
mod recovery;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::*;
pub use extension::{refusal, CheckMembership};
pub use origins::EnsureApplicant;
pub use pallet::*;
pub use quota::{CheckNonceWithinQuota, Quota, TransactionPolicy, Usage};
pub use types::*;
pub use weights::WeightInfo;

pub use ehr_primitives::registry::{
	ApplicantRole, EncryptionKey, Inability, MemberStatus, ProfileCommitment, RecoveredAccounts,
	RegistrationConsent, Role,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{EnsureOrigin, UnixTime},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{IdentifyAccount, Verify};

	/// The in-code storage version. The runtime-upgrade rehearsal (feature
	/// `upgrade-rehearsal`, test chains only) migrates `Members` to version 2.
	#[cfg(not(feature = "upgrade-rehearsal"))]
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);
	#[cfg(feature = "upgrade-rehearsal")]
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Admits and removes hospitals and insurers, sets the proof-of-work difficulty,
		/// and has authority over every member: the consortium (a bootstrap admin on dev
		/// and local chains, the hospital council later).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The origin [`CheckMembership`] gives a valid application from an account with no
		/// standing: [`EnsureApplicant`] in a runtime.
		type ApplicantOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// Wall-clock time, for credential expiry.
		type Time: UnixTime;

		/// Longest credential reference a hospital may record, in bytes.
		#[pallet::constant]
		type MaxCredentialLen: Get<u32>;

		/// How long an application stays pending before it is dropped, in blocks.
		#[pallet::constant]
		type ApplicationLifetime: Get<BlockNumberFor<Self>>;

		/// Most applications that can be submitted in one block (they expire together
		/// `ApplicationLifetime` later, and expiry work per block must stay bounded).
		#[pallet::constant]
		type MaxApplicationsPerBlock: Get<u32>;

		/// How many blocks a proof-of-work ticket stays good for after the block it names.
		#[pallet::constant]
		type PowTicketLifetime: Get<BlockNumberFor<Self>>;

		/// Most applications pending at one hospital: an outsider who floods one hospital
		/// with applications leaves the others open.
		#[pallet::constant]
		type MaxPendingApplicationsPerHospital: Get<u32>;

		/// Highest proof-of-work difficulty the admin origin may set, in leading zero bits.
		#[pallet::constant]
		type MaxPowDifficulty: Get<u8>;

		/// Most doctors, admins and node accounts one hospital may have.
		#[pallet::constant]
		type MaxStaffPerHospital: Get<u32>;

		/// A signature an account makes off chain: its registration proof.
		type OffchainSignature: Verify<Signer = Self::SigningPublicKey> + Parameter;

		/// The public key behind an [`Config::OffchainSignature`], identifying an account.
		type SigningPublicKey: IdentifyAccount<AccountId = Self::AccountId>;

		/// Which accounts were recovered by their friends (`pallet-recovery`).
		type Recovery: RecoveredAccounts<Self::AccountId>;

		/// What each role may submit, how long a transaction and how many per window it
		/// may send, and at which pool priority (see [`quota`]).
		type Policy: TransactionPolicy<<Self as frame_system::Config>::RuntimeCall>;

		/// The length of a quota window, in blocks: each member's budget of transactions
		/// and bytes ([`TransactionPolicy::quota`]) is for this many blocks.
		#[pallet::constant]
		type QuotaWindow: Get<BlockNumberFor<Self>>;

		/// Most recovered accounts one successor may act for (each recovery of a successor
		/// adds its own predecessors).
		#[pallet::constant]
		type MaxPredecessors: Get<u32>;

		/// Weights of this pallet's calls, measured by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Makes accounts that sign registration proofs, and recovered accounts, for the
		/// benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::OffchainSignature>;
	}

	/// The origins this pallet creates.
	#[pallet::origin]
	pub type Origin<T> = RawOrigin<<T as frame_system::Config>::AccountId>;

	/// An origin of this pallet.
	#[derive(
		PartialEq, Eq, Clone, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
	)]
	pub enum RawOrigin<AccountId> {
		/// An account with no standing whose application passed [`CheckMembership`]
		/// (valid proof of work, no pending application).
		Applicant(AccountId),
	}

	/// Members by account.
	#[pallet::storage]
	pub type Members<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		MemberInfo<T::AccountId, BlockNumberFor<T>, T::MaxCredentialLen>,
	>;

	/// Pending applications by applicant.
	#[pallet::storage]
	pub type Applications<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Application<T::AccountId, BlockNumberFor<T>>>;

	/// Applicants whose application expires at the start of a block.
	#[pallet::storage]
	pub type ApplicationExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<T::AccountId, T::MaxApplicationsPerBlock>,
		ValueQuery,
	>;

	/// Applications pending at each hospital.
	#[pallet::storage]
	pub type PendingApplicationCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Doctors and admins per hospital.
	#[pallet::storage]
	pub type StaffCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Leading zero bits an application's proof-of-work ticket must have.
	#[pallet::storage]
	pub type PowDifficulty<T: Config> = StorageValue<_, u8, ValueQuery>;

	/// How many times each account was registered; never removed, so that consent and
	/// registration proofs of a past membership stay dead.
	#[pallet::storage]
	pub type Tenures<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The successor each recovered patient account was handed over to.
	#[pallet::storage]
	pub type Successors<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The recovered accounts each successor acts for.
	#[pallet::storage]
	pub type Predecessors<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<T::AccountId, T::MaxPredecessors>,
		ValueQuery,
	>;

	/// What each account submitted in its latest quota window (see [`quota`]). One entry
	/// per account that ever transacted as a member; removed with the member.
	#[pallet::storage]
	pub type QuotaUsage<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Usage<BlockNumberFor<T>>>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Members at genesis. Hospitals must come before their doctors and admins.
		pub members: Vec<GenesisMember<T::AccountId>>,
		/// The initial proof-of-work difficulty.
		pub pow_difficulty: u8,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.pow_difficulty <= T::MaxPowDifficulty::get(),
				"genesis proof-of-work difficulty exceeds MaxPowDifficulty"
			);
			PowDifficulty::<T>::put(self.pow_difficulty);
			for member in &self.members {
				if let Err(e) = Pallet::<T>::register_member(member) {
					panic!("invalid genesis member {:?}: {:?}", member.account, e);
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account with no standing applied to a hospital.
		Applied {
			applicant: T::AccountId,
			role: ApplicantRole,
			hospital: T::AccountId,
			expires_at: BlockNumberFor<T>,
		},
		/// An applicant withdrew their application.
		ApplicationWithdrawn { applicant: T::AccountId },
		/// A hospital turned an application down.
		ApplicationRejected { applicant: T::AccountId, by: T::AccountId, reason: RejectionReason },
		/// An application was still pending when its lifetime ran out.
		ApplicationExpired { applicant: T::AccountId },
		/// The consortium admitted a hospital.
		HospitalRegistered { hospital: T::AccountId },
		/// The consortium admitted an insurer.
		InsurerRegistered { insurer: T::AccountId },
		/// A hospital appointed an admin.
		AdminAppointed { admin: T::AccountId, hospital: T::AccountId },
		/// A hospital verified a doctor's credential and activated the doctor.
		DoctorActivated {
			doctor: T::AccountId,
			hospital: T::AccountId,
			by: T::AccountId,
			credential_expires_at: Moment,
		},
		/// A hospital recorded a renewed credential for its doctor.
		CredentialRenewed { doctor: T::AccountId, by: T::AccountId, expires_at: Moment },
		/// A hospital activated a patient.
		PatientActivated { patient: T::AccountId, hospital: T::AccountId, by: T::AccountId },
		/// A member was suspended.
		MemberSuspended { member: T::AccountId, by: Actor<T::AccountId> },
		/// A suspended member was reinstated.
		MemberReinstated { member: T::AccountId, by: Actor<T::AccountId> },
		/// A member was removed from the consortium.
		MemberRevoked { member: T::AccountId, role: Role, by: Actor<T::AccountId> },
		/// A patient left the consortium.
		PatientDeregistered { patient: T::AccountId },
		/// A member changed their profile commitment or encryption key.
		ProfileUpdated { member: T::AccountId },
		/// The consortium set the proof-of-work difficulty of applications.
		PowDifficultySet { bits: u8 },
		/// A hospital appointed the service account of one of its nodes.
		NodeAppointed { node: T::AccountId, hospital: T::AccountId },
		/// A recovered patient account was handed over to its successor.
		AccountHandedOver { lost: T::AccountId, successor: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has no role in the consortium.
		NotMember,
		/// The account already has a role.
		AlreadyMember,
		/// The member is suspended.
		Suspended,
		/// The doctor's credential has expired.
		CredentialExpired,
		/// The doctor's or admin's hospital is suspended or no longer a member.
		HospitalInactive,
		/// The account already has a pending application.
		ApplicationPending,
		/// The account has no pending application.
		NoApplication,
		/// The application is for another role than this call activates.
		WrongApplicationRole,
		/// The application was made to another hospital.
		WrongHospital,
		/// The named account is not a hospital of the consortium.
		NotHospital,
		/// The proof-of-work ticket does not meet the current difficulty.
		InsufficientProofOfWork,
		/// The caller is neither the hospital nor one of its active admins.
		NotHospitalStaff,
		/// The caller has no authority over this member.
		NoAuthority,
		/// The member is not suspended.
		NotSuspended,
		/// Only a patient can deregister; others are revoked by an authority.
		NotPatient,
		/// The member is not a doctor.
		NotDoctor,
		/// The credential reference is empty.
		EmptyCredentialReference,
		/// The credential reference is longer than `MaxCredentialLen`.
		CredentialReferenceTooLong,
		/// The credential's expiry is not in the future.
		CredentialExpiryInPast,
		/// The encryption key is all zeros: not a usable x25519 public key.
		InvalidEncryptionKey,
		/// The profile commitment is all zeros: not a commitment.
		InvalidProfileCommitment,
		/// The difficulty exceeds `MaxPowDifficulty`.
		DifficultyTooHigh,
		/// This block already holds `MaxApplicationsPerBlock` applications; try the next.
		TooManyApplications,
		/// The hospital already has `MaxStaffPerHospital` doctors and admins.
		TooManyStaff,
		/// A hospital with doctors or admins cannot be revoked; revoke them first.
		HospitalHasStaff,
		/// Nothing to update.
		NothingToUpdate,
		/// The registration proof is not the account's signature of this registration (its
		/// role, hospital, keys and tenure, on this chain).
		InvalidRegistrationProof,
		/// The account was recovered into a successor account and no longer acts.
		AccountRecovered,
		/// A node service account may only record what its node served.
		NotNodeCall,
		/// Only a patient may be recovered and handed over.
		NotRecoverable,
		/// The account's recovery by its friends has not finished (`pallet-recovery`).
		NotRecovered,
		/// The successor must be another active patient that is not itself a predecessor.
		InvalidSuccessor,
		/// The successor already acts for `MaxPredecessors` recovered accounts.
		TooManyPredecessors,
		/// The proof-of-work ticket names no block of the last `PowTicketLifetime` blocks.
		StaleProofOfWork,
		/// The hospital already has `MaxPendingApplicationsPerHospital` pending applications.
		HospitalApplicationsFull,
		/// Members of the signer's role may not submit this call (e.g. `system.remark`).
		CallNotForRole,
		/// The transaction is longer than the signer's role may send.
		TransactionTooLong,
		/// The signer's budget of transactions or bytes for this quota window is spent, or
		/// the pool already holds as many of its transactions as the budget allows.
		QuotaExhausted,
		/// The network holds as many transactions as it can carry in the next few blocks (a
		/// node refuses at submission, before validation): retry after a slot or two.
		Busy,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Drops the applications whose lifetime ends at this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire_applications(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Apply to `hospital` for `role`, from an account with no standing. Admitted to the
		/// pool by [`CheckMembership`] only with a proof-of-work ticket: `pow_nonce` worked
		/// against the hash of the recent block `pow_block` (see [`pow`]).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::apply())]
		pub fn apply(
			origin: OriginFor<T>,
			role: ApplicantRole,
			hospital: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
			pow_block: BlockNumberFor<T>,
			pow_nonce: u64,
		) -> DispatchResult {
			let applicant = T::ApplicantOrigin::ensure_origin(origin)?;
			Self::do_apply(
				applicant,
				role,
				hospital,
				profile_commitment,
				encryption_key,
				pow_block,
				pow_nonce,
			)
		}

		/// Withdraw one's own pending application.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::withdraw_application())]
		pub fn withdraw_application(origin: OriginFor<T>) -> DispatchResult {
			let applicant = T::ApplicantOrigin::ensure_origin(origin)?;
			Self::do_withdraw_application(applicant)
		}

		/// Admit a hospital to the consortium.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_hospital())]
		pub fn register_hospital(
			origin: OriginFor<T>,
			hospital: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_register_organisation(
				hospital,
				Role::Hospital,
				profile_commitment,
				encryption_key,
			)
		}

		/// Admit an insurer to the consortium.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_insurer())]
		pub fn register_insurer(
			origin: OriginFor<T>,
			insurer: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_register_organisation(
				insurer,
				Role::Insurer,
				profile_commitment,
				encryption_key,
			)
		}

		/// Appoint `admin` to act for the calling hospital, with the admin's registration
		/// proof.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::appoint_admin())]
		pub fn appoint_admin(
			origin: OriginFor<T>,
			admin: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
			proof: T::OffchainSignature,
		) -> DispatchResult {
			let hospital = ensure_signed(origin)?;
			Self::do_appoint_admin(hospital, admin, profile_commitment, encryption_key, &proof)
		}

		/// Activate a doctor who applied to the caller's hospital, recording the verified
		/// credential's reference and expiry (ms since the Unix epoch).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::activate_doctor(credential_reference.len() as u32))]
		pub fn activate_doctor(
			origin: OriginFor<T>,
			doctor: T::AccountId,
			credential_reference: Vec<u8>,
			expires_at: Moment,
		) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_activate_doctor(staff, doctor, credential_reference, expires_at)
		}

		/// Record a renewed credential for a doctor of the caller's hospital.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::renew_credential(credential_reference.len() as u32))]
		pub fn renew_credential(
			origin: OriginFor<T>,
			doctor: T::AccountId,
			credential_reference: Vec<u8>,
			expires_at: Moment,
		) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_renew_credential(staff, doctor, credential_reference, expires_at)
		}

		/// Activate a patient who applied to the caller's hospital (first visit).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::activate_patient())]
		pub fn activate_patient(origin: OriginFor<T>, patient: T::AccountId) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_activate_patient(staff, patient)
		}

		/// Register and activate a patient directly at the first visit, with the profile
		/// commitment and encryption key the patient's client produced and the patient's
		/// registration proof.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::register_patient())]
		pub fn register_patient(
			origin: OriginFor<T>,
			patient: T::AccountId,
			profile_commitment: ProfileCommitment,
			encryption_key: EncryptionKey,
			proof: T::OffchainSignature,
		) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_register_patient(staff, patient, profile_commitment, encryption_key, &proof)
		}

		/// Turn down an application made to the caller's hospital.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::reject_application())]
		pub fn reject_application(
			origin: OriginFor<T>,
			applicant: T::AccountId,
			reason: RejectionReason,
		) -> DispatchResult {
			let staff = ensure_signed(origin)?;
			Self::do_reject_application(staff, applicant, reason)
		}

		/// Suspend a member (admin origin, or staff of the member's hospital).
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::suspend())]
		pub fn suspend(origin: OriginFor<T>, member: T::AccountId) -> DispatchResult {
			let actor = Self::ensure_authority(origin, &member)?;
			Self::do_set_status(actor, member, MemberStatus::Suspended)
		}

		/// Lift a member's suspension (admin origin, or staff of the member's hospital).
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::reinstate())]
		pub fn reinstate(origin: OriginFor<T>, member: T::AccountId) -> DispatchResult {
			let actor = Self::ensure_authority(origin, &member)?;
			Self::do_set_status(actor, member, MemberStatus::Active)
		}

		/// Remove a member from the consortium (admin origin, or staff of the member's
		/// hospital for its doctors, admins and nodes; a patient only by the admin origin).
		/// A hospital must have no doctors, admins or nodes left.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(origin: OriginFor<T>, member: T::AccountId) -> DispatchResult {
			let actor = Self::ensure_removal_authority(origin, &member)?;
			Self::do_revoke(actor, member)
		}

		/// Leave the consortium as a patient.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::deregister())]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_deregister(patient)
		}

		/// Replace one's profile commitment and/or encryption key.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::update_profile())]
		pub fn update_profile(
			origin: OriginFor<T>,
			profile_commitment: Option<ProfileCommitment>,
			encryption_key: Option<EncryptionKey>,
		) -> DispatchResult {
			let member = ensure_signed(origin)?;
			Self::do_update_profile(member, profile_commitment, encryption_key)
		}

		/// Set the proof-of-work difficulty of applications, in leading zero bits.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_pow_difficulty())]
		pub fn set_pow_difficulty(origin: OriginFor<T>, bits: u8) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(bits <= T::MaxPowDifficulty::get(), Error::<T>::DifficultyTooHigh);
			PowDifficulty::<T>::put(bits);
			Self::deposit_event(Event::PowDifficultySet { bits });
			Ok(())
		}

		/// Appoint `node` as the service account of one of the calling hospital's nodes,
		/// with the node account's registration proof. Only the hospital's own account may.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::appoint_node())]
		pub fn appoint_node(
			origin: OriginFor<T>,
			node: T::AccountId,
			proof: T::OffchainSignature,
		) -> DispatchResult {
			let hospital = ensure_signed(origin)?;
			Self::do_appoint_node(hospital, node, &proof)
		}

		/// Hand the calling patient account, recovered by its friends, over to `successor`
		/// (an active patient): dispatched by the inheritor through
		/// `recovery.control_inherited_account`. The account is barred for good; the
		/// successor acts for it and reads its records.
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::hand_over())]
		pub fn hand_over(origin: OriginFor<T>, successor: T::AccountId) -> DispatchResult {
			let lost = ensure_signed(origin)?;
			Self::do_hand_over(lost, successor)
		}
	}
}
