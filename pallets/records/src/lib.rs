//! # Records pallet
//!
//! Anchors of patients' health records: what identifies, orders and protects each record,
//! never its content.
//!
//! ## Overview
//!
//! A doctor's client builds the record as a FHIR R4 Bundle, encrypts it with a fresh
//! symmetric key, stores the ciphertext off chain under its content id (CIDv1, raw,
//! sha2-256), and wraps the key to the patient's and its own x25519 keys. This pallet
//! anchors that record: patient, author, hospital, [`Category`], content id, SHA-256 of
//! the ciphertext, time, version, and the wrapped keys.
//!
//! - **Writing** needs an active doctor of an active hospital, an active patient, and a
//!   treating relationship: a treatment grant covering the category (to the doctor or
//!   their hospital) or an open emergency access (see the consent pallet).
//! - **Confirmation**: a new record (or version) is `Pending` until the patient (or a
//!   guardian) confirms it — only then does it count — or rejects it with a reason code.
//!   A record left pending for `PendingLifetime` blocks is `Expired`.
//! - **Versions**: a record is never overwritten. Its author amends a confirmed record
//!   by anchoring a new version linked to the previous one; all versions share the first
//!   version's id as `root`.
//! - **Wrapped keys**: one small bounded blob per (record, reader). The patient's and the
//!   author's come with the record; the patient (or a guardian, or the author) hands the
//!   key to more readers, but only to readers the consent pallet says may access the
//!   record — and every such release is in the patient's audit trail.
//! - **Erasure**: the patient erases a version: its wrapped keys are deleted and its anchor
//!   becomes a tombstone keeping only the ciphertext hash, for audit.
//!
//! ## Terminology
//!
//! - **Anchor** ([`RecordAnchor`]): the on-chain entry of one record version.
//! - **Root**: the id of a record's first version.
//! - **Wrapped key**: the record's symmetric key encrypted to one reader's x25519 key.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod functions;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(any(feature = "try-runtime", test))]
mod invariants;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

pub use ehr_primitives::records::{
	Category, ContentId, Moment, RecordId, RecordRejection, RecordStatus,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use ehr_primitives::{records::AccessPolicy, registry::MemberRegistry};
	use frame_support::{pallet_prelude::*, traits::UnixTime};
	use frame_system::pallet_prelude::*;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Roles and standing of accounts.
		type Registry: MemberRegistry<Self::AccountId>;

		/// Access decisions and the audit trail (the consent pallet).
		type Access: AccessPolicy<Self::AccountId>;

		/// Wall-clock time, for `created_at`.
		type Time: UnixTime;

		/// Longest wrapped key, in bytes (an x25519 public key, a nonce, and the sealed
		/// 32-byte record key fit in 128).
		#[pallet::constant]
		type MaxWrappedKeyLen: Get<u32>;

		/// Most readers holding a wrapped key to one record version.
		#[pallet::constant]
		type MaxReadersPerRecord: Get<u32>;

		/// How long a record waits for the patient's confirmation, in blocks.
		#[pallet::constant]
		type PendingLifetime: Get<BlockNumberFor<Self>>;

		/// Most records one runtime API call returns.
		#[pallet::constant]
		type MaxPageSize: Get<u32>;

		/// Weights of this pallet's calls, measured by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up members and grants for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: ehr_primitives::records::BenchmarkSetup<Self::AccountId>;
	}

	/// Record anchors by id.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordAnchor<T::AccountId>>;

	/// When each pending record stops waiting for confirmation (removed once answered).
	#[pallet::storage]
	pub type ConfirmBy<T: Config> = StorageMap<_, Twox64Concat, RecordId, BlockNumberFor<T>>;

	/// The id the next record gets.
	#[pallet::storage]
	pub type NextRecordId<T: Config> = StorageValue<_, RecordId, ValueQuery>;

	/// Each patient's records, in the order they were anchored.
	#[pallet::storage]
	pub type PatientRecords<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, RecordId>;

	/// How many records each patient has.
	#[pallet::storage]
	pub type PatientRecordCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The latest version of each record, by root.
	#[pallet::storage]
	pub type LatestVersion<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordId>;

	/// Record keys wrapped to readers: (record, reader).
	#[pallet::storage]
	pub type WrappedKeys<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RecordId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<u8, T::MaxWrappedKeyLen>,
	>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Made-up anchors to start with, for benchmarks of a chain holding many records
		/// (see [`SyntheticAnchors`]); none by default.
		pub synthetic_anchors: Option<SyntheticAnchors<T::AccountId>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(synthetic) = &self.synthetic_anchors {
				Pallet::<T>::insert_synthetic_anchors(synthetic);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A doctor anchored a new record, pending the patient's confirmation.
		RecordCreated {
			record: RecordId,
			patient: T::AccountId,
			author: T::AccountId,
			hospital: T::AccountId,
			category: Category,
		},
		/// A doctor anchored a new version of a record, pending confirmation.
		RecordAmended {
			record: RecordId,
			previous: RecordId,
			patient: T::AccountId,
			author: T::AccountId,
			version: u32,
		},
		/// The patient confirmed a record: it counts.
		RecordConfirmed { record: RecordId, patient: T::AccountId, by: T::AccountId },
		/// The patient rejected a record.
		RecordRejected {
			record: RecordId,
			patient: T::AccountId,
			by: T::AccountId,
			reason: RecordRejection,
		},
		/// A record's key was wrapped to a reader.
		ReaderKeyAdded { record: RecordId, reader: T::AccountId, by: T::AccountId },
		/// A reader's wrapped key was deleted.
		ReaderKeyRemoved { record: RecordId, reader: T::AccountId, by: T::AccountId },
		/// The patient erased a record version: a tombstone remains.
		RecordErased { record: RecordId, patient: T::AccountId, by: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Only an active doctor of an active hospital may write records.
		NotAnActiveDoctor,
		/// Records are written for an active patient.
		NotAnActivePatient,
		/// The doctor has no treatment grant covering this category, nor emergency access.
		NoTreatingRelationship,
		/// The content id is not a CIDv1 with the raw codec and a sha2-256 digest.
		MalformedCid,
		/// The content id's digest is not the SHA-256 of the ciphertext given.
		CidHashMismatch,
		/// A wrapped key is empty.
		EmptyWrappedKey,
		/// A wrapped key is longer than `MaxWrappedKeyLen`.
		WrappedKeyTooLong,
		/// No such record.
		UnknownRecord,
		/// Only the latest version of a record can be amended.
		NotLatestVersion,
		/// Only the author of a record may amend it.
		NotAuthor,
		/// The record is not confirmed (it is pending, rejected or expired).
		NotConfirmed,
		/// The record is not pending confirmation.
		NotPending,
		/// The record waited too long for confirmation.
		RecordExpired,
		/// Only the patient or one of their guardians may do this.
		NotPatientOrGuardian,
		/// Only the patient, a guardian or the record's author may hand out its key.
		NotKeyHolder,
		/// The record was erased.
		RecordErased,
		/// The reader may not access this record now.
		ReaderHasNoAccess,
		/// The record already has `MaxReadersPerRecord` readers.
		TooManyReaders,
		/// The reader holds no key to this record.
		NoReaderKey,
		/// The patient's own key cannot be removed; erase the record instead.
		ProtectedKey,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor a new record of `patient`, as its author. `patient_key` and `author_key` are
		/// the record key wrapped to the patient's and the author's x25519 keys.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create())]
		pub fn create(
			origin: OriginFor<T>,
			patient: T::AccountId,
			category: Category,
			cid: ContentId,
			ciphertext_sha256: [u8; 32],
			patient_key: Vec<u8>,
			author_key: Vec<u8>,
		) -> DispatchResult {
			let author = ensure_signed(origin)?;
			let content = Self::content(cid, ciphertext_sha256, patient_key, author_key)?;
			Self::do_create(author, patient, category, content)
		}

		/// Anchor a new version of the record `previous` (its latest, confirmed version), as
		/// its author.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::amend())]
		pub fn amend(
			origin: OriginFor<T>,
			previous: RecordId,
			cid: ContentId,
			ciphertext_sha256: [u8; 32],
			patient_key: Vec<u8>,
			author_key: Vec<u8>,
		) -> DispatchResult {
			let author = ensure_signed(origin)?;
			let content = Self::content(cid, ciphertext_sha256, patient_key, author_key)?;
			Self::do_amend(author, previous, content)
		}

		/// Confirm a pending record, as its patient or a guardian: it counts from now on.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::confirm())]
		pub fn confirm(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_answer(who, record, None)
		}

		/// Reject a pending record, as its patient or a guardian.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::reject())]
		pub fn reject(
			origin: OriginFor<T>,
			record: RecordId,
			reason: RecordRejection,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_answer(who, record, Some(reason))
		}

		/// Hand a confirmed record's key, wrapped to `reader`'s x25519 key, to a reader the
		/// patient has granted access (or who has emergency access).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::add_reader_key())]
		pub fn add_reader_key(
			origin: OriginFor<T>,
			record: RecordId,
			reader: T::AccountId,
			wrapped_key: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let wrapped_key = Self::bounded_key(wrapped_key)?;
			Self::do_add_reader_key(who, record, reader, wrapped_key)
		}

		/// Delete a reader's wrapped key, as the patient or a guardian.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::remove_reader_key())]
		pub fn remove_reader_key(
			origin: OriginFor<T>,
			record: RecordId,
			reader: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_reader_key(who, record, reader)
		}

		/// Erase a record version, as the patient or a guardian: every wrapped key is
		/// deleted and the anchor keeps only the ciphertext hash.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::erase(T::MaxReadersPerRecord::get()))]
		pub fn erase(origin: OriginFor<T>, record: RecordId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let readers = Self::do_erase(who, record)?;
			Ok(Some(T::WeightInfo::erase(readers)).into())
		}
	}
}
