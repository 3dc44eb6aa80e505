// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The records pallet's logic, called by the thin dispatchables in `lib.rs`, by the
//! consent pallet (see `impls.rs`) and by the runtime API.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use ehr_primitives::{
	records::{
		AccessBasis, AccessPolicy, AccessTarget, AuditAction, AuditEvent, Category, ContentId,
		Moment, Purpose, RecordId, RecordKeys, RecordRejection, RecordStatus, RecordView,
		WrappedKeyView,
	},
	registry::{MemberRegistry, Role},
};
use frame_support::{
	ensure, pallet_prelude::*, storage::with_storage_layer, traits::UnixTime, BoundedVec,
};
use sp_runtime::{traits::Saturating, DispatchResult};

/// A wrapped key as stored.
pub type WrappedKeyOf<T> = BoundedVec<u8, <T as Config>::MaxWrappedKeyLen>;

/// The checked content of a record version: where it is and the keys to it.
pub struct Content<T: Config> {
	pub(crate) cid: ContentId,
	pub(crate) ciphertext_sha256: [u8; 32],
	pub(crate) patient_key: WrappedKeyOf<T>,
	pub(crate) author_key: WrappedKeyOf<T>,
	pub(crate) custodian_key: WrappedKeyOf<T>,
	/// Escrow shares, in the order of the escrow holders (checked against the custodian's
	/// escrow policy once the custodian is known).
	pub(crate) escrow: Vec<WrappedKeyOf<T>>,
}

/// A record key's escrow as stored.
pub type EscrowSharesOf<T> = EscrowShares<
	<T as frame_system::Config>::AccountId,
	<T as Config>::MaxWrappedKeyLen,
	<T as Config>::MaxEscrowHolders,
>;

impl<T: Config> Pallet<T> {
	/// Now, in milliseconds since the Unix epoch, as the current block's timestamp says.
	pub(crate) fn now_ms() -> Moment {
		ehr_primitives::unix_millis(T::Time::now())
	}

	pub(crate) fn bounded_key(
		key: Vec<u8>,
	) -> Result<BoundedVec<u8, T::MaxWrappedKeyLen>, Error<T>> {
		ensure!(!key.is_empty(), Error::<T>::EmptyWrappedKey);
		key.try_into().map_err(|_| Error::<T>::WrappedKeyTooLong)
	}

	/// Checks a content id against the ciphertext hash, and the wrapped keys' sizes.
	pub(crate) fn content(
		cid: ContentId,
		ciphertext_sha256: [u8; 32],
		keys: RecordKeys,
	) -> Result<Content<T>, Error<T>> {
		ensure!(cid.is_well_formed(), Error::<T>::InvalidCid);
		ensure!(cid.sha256() == ciphertext_sha256, Error::<T>::CidHashMismatch);
		ensure!(
			keys.escrow.len() <= T::MaxEscrowHolders::get() as usize,
			Error::<T>::EscrowMismatch
		);
		Ok(Content {
			cid,
			ciphertext_sha256,
			patient_key: Self::bounded_key(keys.patient)?,
			author_key: Self::bounded_key(keys.author)?,
			custodian_key: Self::bounded_key(keys.custodian)?,
			escrow: keys.escrow.into_iter().map(Self::bounded_key).collect::<Result<_, _>>()?,
		})
	}

	/// The hospital of `author` if it is an active doctor writing for an active `patient`
	/// within a treating relationship for `category`, and what that relationship rests on.
	fn ensure_may_write(
		author: &T::AccountId,
		patient: &T::AccountId,
		category: Category,
	) -> Result<(T::AccountId, AccessBasis), Error<T>> {
		ensure!(T::Registry::acting_role(author) == Ok(Role::Doctor), Error::<T>::NotActiveDoctor);
		let hospital = T::Registry::hospital_of(author).ok_or(Error::<T>::NotActiveDoctor)?;
		ensure!(
			T::Registry::acting_role(patient) == Ok(Role::Patient),
			Error::<T>::NotActivePatient
		);
		match T::Access::can_access(
			author,
			patient,
			AccessTarget::Category(category),
			Some(Purpose::Treatment),
		) {
			Ok(basis @ (AccessBasis::Grant(_) | AccessBasis::BreakGlass(_))) => {
				Ok((hospital, basis))
			}
			_ => Err(Error::<T>::NoTreatingRelationship),
		}
	}

	/// Stores a new anchor (pending), its wrapped keys (patient, author, custodian), its
	/// escrow, and its place in the patient's list; returns its id.
	// One argument per part of the anchor: a struct would only be built to be taken apart.
	#[allow(clippy::too_many_arguments)]
	fn insert_version(
		author: &T::AccountId,
		patient: &T::AccountId,
		hospital: T::AccountId,
		category: Category,
		content: Content<T>,
		escrow: Option<EscrowSharesOf<T>>,
		lineage: Option<(RecordId, &RecordAnchor<T::AccountId>)>,
		created_at: Moment,
	) -> Result<RecordId, Error<T>> {
		Self::claim_content(patient, &content.ciphertext_sha256)?;
		let id = NextRecordId::<T>::get();
		NextRecordId::<T>::put(id.saturating_add(1));
		let (root, version, previous) = match lineage {
			Some((previous, anchor)) => {
				(anchor.root, anchor.version.saturating_add(1), Some(previous))
			}
			None => (id, 1, None),
		};
		WrappedKeys::<T>::insert(id, &hospital, content.custodian_key);
		if let Some(escrow) = escrow {
			Escrow::<T>::insert(id, escrow);
		}
		Anchors::<T>::insert(
			id,
			RecordAnchor {
				patient: patient.clone(),
				author: author.clone(),
				hospital,
				category,
				cid: Some(content.cid),
				ciphertext_sha256: content.ciphertext_sha256,
				created_at,
				version,
				root,
				previous,
				status: RecordStatus::Pending,
				readers: 3,
			},
		);
		ConfirmBy::<T>::insert(
			id,
			frame_system::Pallet::<T>::block_number().saturating_add(T::PendingLifetime::get()),
		);
		WrappedKeys::<T>::insert(id, patient, content.patient_key);
		WrappedKeys::<T>::insert(id, author, content.author_key);
		// A first version is its record's latest until amended: no entry is written for it
		// (one write fewer on the hot path; see `latest_version`).
		if previous.is_some() {
			LatestVersion::<T>::insert(root, id);
		}
		let position = PatientRecordCount::<T>::get(patient);
		PatientRecords::<T>::insert(patient, position, id);
		PatientRecordCount::<T>::insert(patient, position.saturating_add(1));
		Ok(id)
	}

	/// Inserts the made-up, confirmed anchors of `synthetic` (genesis only).
	pub(crate) fn insert_synthetic_anchors(synthetic: &SyntheticAnchors<T::AccountId>) {
		if synthetic.writers.is_empty() {
			return;
		}
		// A wrapped key of the usual length (ephemeral key, nonce, sealed key and tag).
		let key: BoundedVec<u8, T::MaxWrappedKeyLen> =
			alloc::vec![0xa5; 104].try_into().unwrap_or_default();
		for i in 0..synthetic.count {
			let (patient, author, hospital) =
				&synthetic.writers[i as usize % synthetic.writers.len()];
			let digest = sp_io::hashing::sha2_256(
				&[&b"ehr-chain synthetic anchor"[..], &i.to_le_bytes()].concat(),
			);
			let content = Content {
				cid: ContentId::from_sha256(digest),
				ciphertext_sha256: digest,
				patient_key: key.clone(),
				author_key: key.clone(),
				custodian_key: key.clone(),
				escrow: Vec::new(),
			};
			// Made-up anchors carry no escrow (genesis has no consortium yet to ask).
			let id = Self::insert_version(
				author,
				patient,
				hospital.clone(),
				Category::Observation,
				content,
				None,
				None,
				// Genesis has no timestamp yet (and asking for one logs a warning per anchor).
				0,
			);
			// Each synthetic digest is new: nothing to refuse.
			let Ok(id) = id else { continue };
			ConfirmBy::<T>::remove(id);
			Anchors::<T>::mutate(id, |anchor| {
				if let Some(anchor) = anchor {
					anchor.status = RecordStatus::Confirmed;
				}
			});
		}
	}

	pub(crate) fn audit(
		patient: &T::AccountId,
		actor: &T::AccountId,
		action: AuditAction,
		record: RecordId,
		basis: Option<AccessBasis>,
	) {
		let purpose = matches!(action, AuditAction::RecordDocumented).then_some(Purpose::Treatment);
		T::Access::audit(
			patient,
			AuditEvent {
				actor: actor.clone(),
				action,
				record: Some(record),
				purpose,
				basis,
				via: None,
			},
		);
	}

	pub(crate) fn do_create(
		author: T::AccountId,
		patient: T::AccountId,
		category: Category,
		content: Content<T>,
	) -> DispatchResult {
		let (hospital, basis) = Self::ensure_may_write(&author, &patient, category)?;
		let (content, escrow) = Self::escrow_for(&hospital, content)?;
		let record = Self::insert_version(
			&author,
			&patient,
			hospital.clone(),
			category,
			content,
			escrow,
			None,
			Self::now_ms(),
		)?;
		Self::audit(&patient, &author, AuditAction::RecordDocumented, record, Some(basis));
		Self::deposit_event(Event::RecordCreated { record, patient, author, hospital, category });
		Ok(())
	}

	/// Anchors each of `records` as `do_create` would, each in its own storage layer so
	/// that a refused one changes nothing and the others stand.
	pub(crate) fn do_create_batch(
		author: T::AccountId,
		records: Vec<NewRecord<T::AccountId>>,
	) -> DispatchResult {
		ensure!(!records.is_empty(), Error::<T>::EmptyBatch);
		// Checked again for each record; refused here so that a batch nobody could write
		// fails as a whole, with the reason, instead of as many refusals.
		ensure!(T::Registry::acting_role(&author) == Ok(Role::Doctor), Error::<T>::NotActiveDoctor);
		let (mut created, mut refused) = (0u32, 0u32);
		for (index, record) in (0u32..).zip(records) {
			let NewRecord { patient, category, cid, ciphertext_sha256, keys } = record;
			let outcome = with_storage_layer(|| -> DispatchResult {
				let content = Self::content(cid, ciphertext_sha256, keys)?;
				Self::do_create(author.clone(), patient, category, content)
			});
			match outcome {
				Ok(()) => created = created.saturating_add(1),
				Err(error) => {
					refused = refused.saturating_add(1);
					Self::deposit_event(Event::BatchRecordRefused {
						index,
						author: author.clone(),
						error,
					});
				}
			}
		}
		Self::deposit_event(Event::BatchCreated { author, created, refused });
		Ok(())
	}

	/// The most escrow shares any record of a batch carries (for its weight), at most
	/// `MaxEscrowHolders`: the content check refuses more.
	pub(crate) fn most_escrow_shares(records: &[NewRecord<T::AccountId>]) -> u32 {
		let most = records.iter().map(|record| record.keys.escrow.len()).max().unwrap_or(0);
		u32::try_from(most).unwrap_or(u32::MAX).min(T::MaxEscrowHolders::get())
	}

	/// What a batch costs of the `charged` worst case (every record of another patient):
	/// the benchmark counts each record's patient record count and audit length as read and
	/// written, but a patient's later records in the same batch find them in the overlay and
	/// the block writes them once.
	pub(crate) fn batch_weight(charged: Weight, records: &[NewRecord<T::AccountId>]) -> Weight {
		let patients = records
			.iter()
			.map(|record| &record.patient)
			.collect::<alloc::collections::BTreeSet<_>>()
			.len();
		let repeated = records.len().saturating_sub(patients) as u64;
		let per_repeat = <T as frame_system::Config>::DbWeight::get().reads_writes(2, 2);
		charged.saturating_sub(per_repeat.saturating_mul(repeated))
	}

	/// The latest version of the record whose first version is `root`: the root itself
	/// until the record is amended.
	pub fn latest_version(root: RecordId) -> RecordId {
		LatestVersion::<T>::get(root).unwrap_or(root)
	}

	pub(crate) fn do_amend(
		author: T::AccountId,
		previous: RecordId,
		content: Content<T>,
	) -> DispatchResult {
		let anchor = Anchors::<T>::get(previous).ok_or(Error::<T>::UnknownRecord)?;
		ensure!(anchor.author == author, Error::<T>::NotAuthor);
		ensure!(Self::latest_version(anchor.root) == previous, Error::<T>::NotLatestVersion);
		match anchor.status {
			RecordStatus::Confirmed => {}
			RecordStatus::Erased => return Err(Error::<T>::RecordErased.into()),
			_ => return Err(Error::<T>::NotConfirmed.into()),
		}
		let patient = anchor.patient.clone();
		let (hospital, basis) = Self::ensure_may_write(&author, &patient, anchor.category)?;
		let (content, escrow) = Self::escrow_for(&hospital, content)?;
		let record = Self::insert_version(
			&author,
			&patient,
			hospital,
			anchor.category,
			content,
			escrow,
			Some((previous, &anchor)),
			Self::now_ms(),
		)?;
		Self::audit(&patient, &author, AuditAction::RecordDocumented, record, Some(basis));
		Self::deposit_event(Event::RecordAmended {
			record,
			previous,
			patient,
			author,
			version: anchor.version.saturating_add(1),
		});
		Ok(())
	}

	/// The anchor of `record`, if `who` acts for its patient.
	fn anchor_for_patient_side(
		who: &T::AccountId,
		record: RecordId,
	) -> Result<RecordAnchor<T::AccountId>, Error<T>> {
		let anchor = Anchors::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
		ensure!(T::Access::acts_for(who, &anchor.patient), Error::<T>::NotPatientOrGuardian);
		Ok(anchor)
	}

	/// Confirms (`rejection: None`) or rejects a pending record.
	pub(crate) fn do_answer(
		who: T::AccountId,
		record: RecordId,
		rejection: Option<RecordRejection>,
	) -> DispatchResult {
		let mut anchor = Self::anchor_for_patient_side(&who, record)?;
		ensure!(anchor.status == RecordStatus::Pending, Error::<T>::NotPending);
		ensure!(!Self::pending_expired(record), Error::<T>::RecordExpired);
		ConfirmBy::<T>::remove(record);
		let patient = anchor.patient.clone();
		let (status, action) = match rejection {
			None => (RecordStatus::Confirmed, AuditAction::RecordConfirmed),
			Some(reason) => (RecordStatus::Rejected(reason), AuditAction::RecordRejected),
		};
		anchor.status = status;
		Anchors::<T>::insert(record, anchor);
		Self::audit(&patient, &who, action, record, None);
		Self::deposit_event(match rejection {
			None => Event::RecordConfirmed { record, patient, by: who },
			Some(reason) => Event::RecordRejected { record, patient, by: who, reason },
		});
		Ok(())
	}

	/// Whether `record` is pending past its confirmation deadline.
	fn pending_expired(record: RecordId) -> bool {
		ConfirmBy::<T>::get(record)
			.is_some_and(|deadline| frame_system::Pallet::<T>::block_number() >= deadline)
	}

	/// The status `record` has now: a pending record past its deadline is expired.
	pub(crate) fn status_now(
		record: RecordId,
		anchor: &RecordAnchor<T::AccountId>,
	) -> RecordStatus {
		if anchor.status == RecordStatus::Pending && Self::pending_expired(record) {
			RecordStatus::Expired
		} else {
			anchor.status
		}
	}

	pub(crate) fn do_add_reader_key(
		who: T::AccountId,
		record: RecordId,
		reader: T::AccountId,
		wrapped_key: BoundedVec<u8, T::MaxWrappedKeyLen>,
	) -> DispatchResult {
		let mut anchor = Anchors::<T>::get(record).ok_or(Error::<T>::UnknownRecord)?;
		ensure!(
			T::Access::acts_for(&who, &anchor.patient) || who == anchor.author,
			Error::<T>::NotKeyHolder
		);
		ensure!(reader != anchor.patient && reader != anchor.hospital, Error::<T>::ProtectedKey);
		ensure!(!WrappedKeys::<T>::contains_key(record, &reader), Error::<T>::KeyAlreadyHeld);
		match anchor.status {
			RecordStatus::Confirmed => {}
			RecordStatus::Erased => return Err(Error::<T>::RecordErased.into()),
			_ => return Err(Error::<T>::NotConfirmed.into()),
		}
		let basis =
			T::Access::can_access(&reader, &anchor.patient, AccessTarget::Record(record), None)
				.map_err(|_| Error::<T>::ReaderHasNoAccess)?;
		ensure!(anchor.readers < T::MaxReadersPerRecord::get(), Error::<T>::TooManyReaders);
		anchor.readers = anchor.readers.saturating_add(1);
		WrappedKeys::<T>::insert(record, &reader, wrapped_key);
		let patient = anchor.patient.clone();
		Anchors::<T>::insert(record, anchor);
		// The reader is who received data; the basis says under which consent.
		Self::audit(&patient, &reader, AuditAction::KeyReleased, record, Some(basis));
		Self::deposit_event(Event::ReaderKeyAdded { record, reader, by: who });
		Ok(())
	}

	pub(crate) fn do_remove_reader_key(
		who: T::AccountId,
		record: RecordId,
		reader: T::AccountId,
	) -> DispatchResult {
		let mut anchor = Self::anchor_for_patient_side(&who, record)?;
		ensure!(reader != anchor.patient && reader != anchor.hospital, Error::<T>::ProtectedKey);
		ensure!(WrappedKeys::<T>::contains_key(record, &reader), Error::<T>::NoReaderKey);
		WrappedKeys::<T>::remove(record, &reader);
		anchor.readers = anchor.readers.saturating_sub(1);
		Anchors::<T>::insert(record, anchor);
		Self::deposit_event(Event::ReaderKeyRemoved { record, reader, by: who });
		Ok(())
	}

	/// Erases a record version; returns how many wrapped keys were deleted.
	pub(crate) fn do_erase(who: T::AccountId, record: RecordId) -> Result<u32, DispatchError> {
		let mut anchor = Self::anchor_for_patient_side(&who, record)?;
		ensure!(anchor.status != RecordStatus::Erased, Error::<T>::RecordErased);
		let removed = WrappedKeys::<T>::clear_prefix(record, anchor.readers, None).unique;
		Escrow::<T>::remove(record);
		ConfirmBy::<T>::remove(record);
		Self::release_content(&anchor.ciphertext_sha256);
		anchor.status = RecordStatus::Erased;
		anchor.cid = None;
		anchor.readers = 0;
		let patient = anchor.patient.clone();
		Anchors::<T>::insert(record, anchor);
		Self::audit(&patient, &who, AuditAction::RecordErased, record, None);
		Self::deposit_event(Event::RecordErased { record, patient, by: who });
		Ok(removed)
	}

	/// Counts one more record of `patient` using the content with SHA-256 `digest`.
	/// Refused if another patient's record uses it, or if its patient erased it: whoever
	/// kept a copy of the ciphertext cannot make every hospital store it again.
	fn claim_content(patient: &T::AccountId, digest: &[u8; 32]) -> Result<(), Error<T>> {
		ensure!(!ErasedContent::<T>::contains_key(digest), Error::<T>::ContentErased);
		ContentUses::<T>::try_mutate(digest, |uses| {
			let uses =
				uses.get_or_insert_with(|| ContentUse { patient: patient.clone(), records: 0 });
			ensure!(&uses.patient == patient, Error::<T>::ContentOfAnotherPatient);
			uses.records = uses.records.saturating_add(1);
			Ok(())
		})
	}

	/// Counts one record fewer using the content with SHA-256 `digest`, which its patient
	/// erased: it can never be anchored again.
	fn release_content(digest: &[u8; 32]) {
		ContentUses::<T>::mutate_exists(digest, |uses| {
			if let Some(current) = uses {
				current.records = current.records.saturating_sub(1);
				if current.records == 0 {
					*uses = None;
				}
			}
		});
		ErasedContent::<T>::insert(digest, ());
	}

	/// Anchors a record of `patient` by `author` (who needs a treatment grant) with
	/// maximum-size keys, and confirms it: for benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	pub fn benchmark_record(
		author: &T::AccountId,
		patient: &T::AccountId,
	) -> Result<RecordId, DispatchError> {
		use frame_support::traits::Get;
		let id = NextRecordId::<T>::get();
		let digest = sp_io::hashing::sha2_256(&id.to_le_bytes());
		let key = alloc::vec![7u8; T::MaxWrappedKeyLen::get() as usize];
		let hospital = T::Registry::hospital_of(author).ok_or(Error::<T>::NotActiveDoctor)?;
		let holders = Self::escrow_policy(&hospital).holders.len();
		let keys = RecordKeys {
			patient: key.clone(),
			author: key.clone(),
			custodian: key.clone(),
			escrow: alloc::vec![key; holders],
		};
		let content = Self::content(ContentId::from_sha256(digest), digest, keys)?;
		Self::do_create(author.clone(), patient.clone(), Category::Condition, content)?;
		Self::do_answer(patient.clone(), id, None)?;
		Ok(id)
	}

	/// One record as the runtime API reports it.
	pub fn record_view(id: RecordId) -> Option<RecordView<T::AccountId>> {
		let anchor = Anchors::<T>::get(id)?;
		Some(RecordView {
			id,
			status: Self::status_now(id, &anchor),
			patient: anchor.patient,
			author: anchor.author,
			hospital: anchor.hospital,
			category: anchor.category,
			cid: anchor.cid,
			ciphertext_sha256: anchor.ciphertext_sha256,
			created_at: anchor.created_at,
			version: anchor.version,
			root: anchor.root,
			previous: anchor.previous,
		})
	}

	/// `patient`'s records from position `from` in anchoring order, at most `limit` (and
	/// `MaxPageSize`).
	pub fn records_of(
		patient: &T::AccountId,
		from: u32,
		limit: u32,
	) -> Vec<RecordView<T::AccountId>> {
		let end = PatientRecordCount::<T>::get(patient)
			.min(from.saturating_add(limit.min(T::MaxPageSize::get())));
		(from..end)
			.filter_map(|i| PatientRecords::<T>::get(patient, i))
			.filter_map(Self::record_view)
			.collect()
	}

	/// The key of `record` wrapped to `reader`.
	pub fn wrapped_key(
		record: RecordId,
		reader: &T::AccountId,
	) -> Option<WrappedKeyView<T::AccountId>> {
		WrappedKeys::<T>::get(record, reader).map(|key| WrappedKeyView {
			record,
			reader: reader.clone(),
			key: key.into_inner(),
		})
	}
}
