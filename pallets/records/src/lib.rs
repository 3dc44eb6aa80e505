// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # Records pallet
//!
//! Anchors of patients' health records: what identifies, orders and protects each record,
//! never its content.
//!
//! ## Overview
//!
//! A doctor's client builds the record as a FHIR R4 Bundle, encrypts it with a fresh
//! symmetric key, stores the ciphertext off chain under its content id (CIDv1, raw,
//! sha2-256), and wraps the key to the patient, to itself and to its hospital's custody
//! key, and escrows Shamir shares of it with the other hospitals ([`RecordKeys`]). This
//! pallet anchors that record: patient, author, hospital, [`Category`], content id,
//! SHA-256 of the ciphertext, time, version, and the wrapped keys. The custody model is
//! `docs/keys.md`.
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
//! - **Wrapped keys**: one small bounded blob per (record, reader). The patient's, the
//!   author's and the custodian hospital's come with the record; the patient (or a
//!   guardian, or the author) may hand the key to more readers, but only to readers the
//!   consent pallet says may access the record, never over a key already held — and every
//!   such release is in the patient's audit trail.
//! - **Escrow**: with a council-set threshold `t ≥ 2`, one Shamir share of the key per
//!   other consortium hospital, each wrapped to its custody key; `t` of them rebuild it.
//! - **Key release**: a hospital node that re-wraps a key for a reader first records the
//!   release with [`Pallet::release_key`]: the reader's signed request is checked again
//!   here (signature, chain, age, replay, the record's state, consent), and the release is
//!   appended to the patient's audit trail with its basis and the releasing hospital.
//! - **Erasure**: the patient erases a version: its wrapped keys are deleted and its anchor
//!   becomes a tombstone keeping only the ciphertext hash, for audit.
//!
//! ## Terminology
//!
//! - **Anchor** ([`RecordAnchor`]): the on-chain entry of one record version.
//! - **Root**: the id of a record's first version.
//! - **Wrapped key**: the record's symmetric key encrypted to one reader's x25519 key.
//! - **Custodian**: the hospital of a version's author, whose nodes hold the key.
//! - **Escrow holder**: another consortium hospital holding one share of the key.
//!
//! ## Calls
//!
//! `create`, `create_batch`, `amend`, `confirm`, `reject`, `add_reader_key`,
//! `remove_reader_key`, `erase`, `release_key` (a node's service account),
//! `set_escrow_threshold` (the consortium).
//!
//! `create_batch` anchors up to `MaxBatchRecords` new records in one transaction, each
//! checked and written as by `create` and on its own: a refused record is reported with
//! its index and leaves the others standing. What a transaction costs every node (pool
//! validation, gossip, a signature check, the membership and quota checks) is paid once.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod escrow;
mod functions;
mod impls;
mod release;
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
	Category, ContentId, Moment, RecordId, RecordKeys, RecordRejection, RecordStatus,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use ehr_primitives::{
		blobs::KeyRequest,
		records::{AccessBasis, AccessPolicy},
		registry::MemberRegistry,
	};
	use frame_support::{pallet_prelude::*, traits::UnixTime};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::traits::{IdentifyAccount, Verify};

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

		/// The consortium's hospitals, sorted: the custodians and escrow holders.
		type Hospitals: Get<Vec<Self::AccountId>>;

		/// Sets the escrow threshold: the consortium (a two-thirds council motion).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// A reader's signature of a key request.
		type OffchainSignature: Verify<Signer = Self::SigningPublicKey> + Parameter;

		/// The public key behind an [`Config::OffchainSignature`], identifying an account.
		type SigningPublicKey: IdentifyAccount<AccountId = Self::AccountId>;

		/// Most escrow holders of one record (the consortium's size bounds it).
		#[pallet::constant]
		type MaxEscrowHolders: Get<u32>;

		/// How far a key request's `issued_at` may be from the block's time, in ms.
		#[pallet::constant]
		type MaxRequestAge: Get<Moment>;

		/// How long released requests are remembered, in blocks, so none is released twice:
		/// at least twice `MaxRequestAge` worth of blocks.
		#[pallet::constant]
		type ReleaseMemory: Get<BlockNumberFor<Self>>;

		/// Most key releases one block may record (they are forgotten together).
		#[pallet::constant]
		type MaxReleasesPerBlock: Get<u32>;

		/// Most records one `create_batch` carries: bounds its weight (and, with the
		/// transaction length limit, its size).
		#[pallet::constant]
		type MaxBatchRecords: Get<u32>;

		/// Weights of this pallet's calls, measured by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up members and grants, and signs key requests, for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: ehr_primitives::records::BenchmarkSetup<Self::AccountId>
			+ ehr_primitives::registry::BenchmarkSigner<Self::AccountId, Self::OffchainSignature>;
	}

	/// Record anchors by id.
	#[pallet::storage]
	pub type Anchors<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordAnchor<T::AccountId>>;

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

	/// The latest version of each amended record, by root (a record never amended has no
	/// entry: its first version is its latest, see `Pallet::latest_version`).
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

	/// Shares of a record key needed to rebuild it, when it is escrowed (0: no escrow).
	#[pallet::storage]
	pub type EscrowThreshold<T: Config> = StorageValue<_, u8, ValueQuery>;

	/// The escrowed shares of each record version's key.
	#[pallet::storage]
	pub type Escrow<T: Config> = StorageMap<
		_,
		Twox64Concat,
		RecordId,
		EscrowShares<T::AccountId, T::MaxWrappedKeyLen, T::MaxEscrowHolders>,
	>;

	/// Which patient's records use each content (by the ciphertext's SHA-256), and how
	/// many: no other patient's record may anchor it.
	#[pallet::storage]
	pub type ContentUses<T: Config> = StorageMap<_, Identity, [u8; 32], ContentUse<T::AccountId>>;

	/// Contents their patients erased (by the ciphertext's SHA-256): never anchored again.
	#[pallet::storage]
	pub type ErasedContent<T: Config> = StorageMap<_, Identity, [u8; 32], ()>;

	/// Key requests released recently (by hash), with the block at whose start each is
	/// forgotten: a request is released once.
	#[pallet::storage]
	pub type ReleasedRequests<T: Config> = StorageMap<_, Identity, H256, BlockNumberFor<T>>;

	/// The requests forgotten at the start of each block.
	#[pallet::storage]
	pub type ReleaseExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<H256, T::MaxReleasesPerBlock>,
		ValueQuery,
	>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Made-up anchors to start with, for benchmarks of a chain holding many records
		/// (see [`SyntheticAnchors`]); none by default.
		pub synthetic_anchors: Option<SyntheticAnchors<T::AccountId>>,
		/// The escrow threshold to start with (0: no escrow; else at least 2).
		pub escrow_threshold: u8,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.escrow_threshold == 0 || self.escrow_threshold >= 2,
				"an escrow threshold must be 0 (off) or at least 2"
			);
			EscrowThreshold::<T>::put(self.escrow_threshold);
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
		/// A hospital's node recorded the release of a record's key to a reader, for the
		/// reader's signed request `request` (its hash).
		KeyReleaseRecorded {
			request: H256,
			record: RecordId,
			reader: T::AccountId,
			basis: AccessBasis,
			hospital: T::AccountId,
		},
		/// The consortium set the escrow threshold of record keys written from now on.
		EscrowThresholdSet { threshold: u8 },
		/// A record of a doctor's batch was refused, the others standing: its position in
		/// the batch and why.
		BatchRecordRefused { index: u32, author: T::AccountId, error: DispatchError },
		/// A doctor's batch was done: how many of its records were anchored and refused.
		BatchCreated { author: T::AccountId, created: u32, refused: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Only an active doctor of an active hospital may write records.
		NotActiveDoctor,
		/// Records are written for an active patient.
		NotActivePatient,
		/// The doctor has no treatment grant covering this category, nor emergency access.
		NoTreatingRelationship,
		/// The content id is not a CIDv1 with the raw codec and a sha2-256 digest.
		InvalidCid,
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
		/// The patient's and the custodian's keys cannot be replaced or removed; erase the
		/// record instead.
		ProtectedKey,
		/// The reader already holds a key to this record; wrapped keys are never overwritten.
		KeyAlreadyHeld,
		/// The escrow shares do not match the escrow policy: one per holder of
		/// `RecordsApi::escrow_policy`, or none when escrow is off.
		EscrowMismatch,
		/// An escrow threshold must be 0 (off) or at least 2.
		ThresholdTooLow,
		/// Only the service account of an active hospital's node records key releases.
		NotNodeAccount,
		/// The key request was made for another chain.
		WrongChain,
		/// The key request was issued too far from the block's time (`MaxRequestAge`).
		StaleRequest,
		/// The key request is not signed by its reader.
		InvalidRequestSignature,
		/// This key request was released already.
		RequestReplayed,
		/// This block already records `MaxReleasesPerBlock` key releases; try the next.
		TooManyReleases,
		/// Only the patient, a guardian or the author get the key of a record that is not
		/// confirmed.
		NotReleasable,
		/// Another patient's record already anchors this content.
		ContentOfAnotherPatient,
		/// The patient erased this content; it cannot be anchored again.
		ContentErased,
		/// A batch carries at least one record.
		EmptyBatch,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Forgets the key requests released `ReleaseMemory` blocks ago.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::forget_releases(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor a new record of `patient`, as its author, with its key wrapped to the
		/// patient, the author and the custodian, and escrowed (see [`RecordKeys`]).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create(keys.escrow.len() as u32))]
		pub fn create(
			origin: OriginFor<T>,
			patient: T::AccountId,
			category: Category,
			cid: ContentId,
			ciphertext_sha256: [u8; 32],
			keys: RecordKeys,
		) -> DispatchResult {
			let author = ensure_signed(origin)?;
			let content = Self::content(cid, ciphertext_sha256, keys)?;
			Self::do_create(author, patient, category, content)
		}

		/// Anchor new records, as their author: each as by `create`, on its own. A refused
		/// record is reported (`BatchRecordRefused`, with its index) and the others stand;
		/// only a caller who is no active doctor, or an empty batch, fails the call.
		///
		/// Charged as if every record were of another patient; the part of that a patient's
		/// second and later records do not cost (their record count and audit length are
		/// read and written once) is refunded.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::create_batch(
			records.len() as u32,
			Pallet::<T>::most_escrow_shares(records),
		))]
		pub fn create_batch(
			origin: OriginFor<T>,
			records: BoundedVec<NewRecord<T::AccountId>, T::MaxBatchRecords>,
		) -> DispatchResultWithPostInfo {
			let author = ensure_signed(origin)?;
			let charged = T::WeightInfo::create_batch(
				records.len() as u32,
				Self::most_escrow_shares(&records),
			);
			let actual = Self::batch_weight(charged, &records);
			Self::do_create_batch(author, records.into_inner())?;
			Ok(Some(actual).into())
		}

		/// Anchor a new version of the record `previous` (its latest, confirmed version), as
		/// its author, under a fresh key wrapped as for `create`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::amend(keys.escrow.len() as u32))]
		pub fn amend(
			origin: OriginFor<T>,
			previous: RecordId,
			cid: ContentId,
			ciphertext_sha256: [u8; 32],
			keys: RecordKeys,
		) -> DispatchResult {
			let author = ensure_signed(origin)?;
			let content = Self::content(cid, ciphertext_sha256, keys)?;
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
		/// patient has granted access (or who has emergency access) and who holds none yet.
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

		/// Record, as the service account of a hospital's node, that the node releases
		/// `record`'s key to the reader of `request`, whose `signature` it carries. Every
		/// condition of the release is checked here, at this block; the release is appended
		/// to the patient's audit trail. Nodes hand out key material only once this is in a
		/// block.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::release_key())]
		pub fn release_key(
			origin: OriginFor<T>,
			request: KeyRequest<T::AccountId>,
			signature: T::OffchainSignature,
		) -> DispatchResult {
			let node = ensure_signed(origin)?;
			Self::do_release_key(node, request, &signature)
		}

		/// Set how many escrow shares rebuild a record key written from now on: 0 turns
		/// escrow off, else at least 2. For the consortium.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_escrow_threshold())]
		pub fn set_escrow_threshold(origin: OriginFor<T>, threshold: u8) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(threshold == 0 || threshold >= 2, Error::<T>::ThresholdTooLow);
			EscrowThreshold::<T>::put(threshold);
			Self::deposit_event(Event::EscrowThresholdSet { threshold });
			Ok(())
		}
	}
}
