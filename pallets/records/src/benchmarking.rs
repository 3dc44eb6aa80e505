// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Benchmarks of the records pallet's calls (FRAME benchmarking v2). Run through
//! `ehr-node benchmark pallet` (see `scripts/benchmark.sh`) to regenerate `weights.rs`.

use super::*;
use crate::pallet::{Anchors, ReleaseExpiries, ReleasedRequests, WrappedKeys};
use alloc::{vec, vec::Vec};
use ehr_primitives::{
	blobs::KeyRequest,
	records::{BenchmarkSetup, Purpose},
	registry::{BenchmarkSigner, Role},
};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::{Saturating, Zero};

struct Cast<T: Config> {
	hospital: T::AccountId,
	doctor: T::AccountId,
	patient: T::AccountId,
}

/// A hospital with a doctor, and a patient who granted the hospital treatment access.
fn cast<T: Config>() -> Cast<T> {
	let hospital: T::AccountId = account("hospital", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	let patient: T::AccountId = account("patient", 0, 0);
	T::BenchmarkHelper::register(&hospital, Role::Hospital, None);
	T::BenchmarkHelper::register(&doctor, Role::Doctor, Some(&hospital));
	T::BenchmarkHelper::register(&patient, Role::Patient, None);
	T::BenchmarkHelper::grant_all(&patient, &hospital, Purpose::Treatment);
	Cast { hospital, doctor, patient }
}

/// `e` more hospitals holding escrow shares of the cast hospital's records, at the
/// threshold 2 (off if `e < 2`); returns how many shares a record needs now (the chain's
/// own other hospitals count too).
fn escrow_holders<T: Config>(cast: &Cast<T>, e: u32) -> u32 {
	for i in 0..e {
		let holder: T::AccountId = account("holder", i, 0);
		T::BenchmarkHelper::register(&holder, Role::Hospital, None);
	}
	EscrowThreshold::<T>::put(if e >= 2 { 2 } else { 0 });
	Pallet::<T>::escrow_policy(&cast.hospital).holders.len() as u32
}

/// A content id, its hash and maximum-size wrapped keys, with `e` escrow shares.
fn content<T: Config>(seed: u32, e: u32) -> (ContentId, [u8; 32], RecordKeys) {
	let digest = sp_io::hashing::sha2_256(&seed.to_le_bytes());
	let key = vec![seed as u8; T::MaxWrappedKeyLen::get() as usize];
	let keys = RecordKeys {
		patient: key.clone(),
		author: key.clone(),
		custodian: key.clone(),
		escrow: vec![key; e as usize],
	};
	(ContentId::from_sha256(digest), digest, keys)
}

/// `n` readers of `record` besides its patient, author and custodian, each with a key.
fn readers<T: Config>(cast: &Cast<T>, record: RecordId, n: u32) {
	for i in 0..n {
		let reader: T::AccountId = account("reader", i, 0);
		T::BenchmarkHelper::register(&reader, Role::Doctor, Some(&cast.hospital));
		Pallet::<T>::do_add_reader_key(
			cast.patient.clone(),
			record,
			reader,
			vec![1; T::MaxWrappedKeyLen::get() as usize].try_into().expect("fits"),
		)
		.expect("reader key");
	}
}

/// A pending record of the cast's patient.
fn pending<T: Config>(cast: &Cast<T>, seed: u32) -> RecordId {
	let (cid, hash, keys) = content::<T>(seed, 0);
	let id = NextRecordId::<T>::get();
	let checked = Pallet::<T>::content(cid, hash, keys).expect("content");
	Pallet::<T>::do_create(cast.doctor.clone(), cast.patient.clone(), Category::Condition, checked)
		.expect("record");
	id
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// `e`: escrow shares (one per other hospital).
	#[benchmark]
	fn create(e: Linear<0, { T::MaxEscrowHolders::get() }>) {
		let cast = cast::<T>();
		let shares = escrow_holders::<T>(&cast, e);
		let (cid, hash, keys) = content::<T>(1, shares);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(cast.doctor.clone()),
			cast.patient.clone(),
			Category::Condition,
			cid,
			hash,
			keys,
		);

		assert_eq!(Anchors::<T>::iter().count(), 1);
	}

	// `n` records, each of another patient (the worst case: no patient's record count or
	// audit length is read and written once for several), with `e` escrow shares, all
	// anchored.
	#[benchmark]
	fn create_batch(
		n: Linear<1, { T::MaxBatchRecords::get() }>,
		e: Linear<0, { T::MaxEscrowHolders::get() }>,
	) {
		let cast = cast::<T>();
		let shares = escrow_holders::<T>(&cast, e);
		let records: Vec<NewRecord<T::AccountId>> = (0..n)
			.map(|i| {
				let patient: T::AccountId = account("batch patient", i, 0);
				T::BenchmarkHelper::register(&patient, Role::Patient, None);
				T::BenchmarkHelper::grant_all(&patient, &cast.hospital, Purpose::Treatment);
				let (cid, ciphertext_sha256, keys) = content::<T>(1_000 + i, shares);
				NewRecord { patient, category: Category::Condition, cid, ciphertext_sha256, keys }
			})
			.collect();
		let records: BoundedVec<_, T::MaxBatchRecords> = records.try_into().expect("n ≤ bound");

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.doctor.clone()), records);

		assert_eq!(Anchors::<T>::iter().count(), n as usize);
	}

	#[benchmark]
	fn amend(e: Linear<0, { T::MaxEscrowHolders::get() }>) {
		let cast = cast::<T>();
		let previous = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		let shares = escrow_holders::<T>(&cast, e);
		let (cid, hash, keys) = content::<T>(2, shares);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.doctor.clone()), previous, cid, hash, keys);

		assert_eq!(Anchors::<T>::iter().count(), 2);
	}

	#[benchmark]
	fn confirm() {
		let cast = cast::<T>();
		let id = pending::<T>(&cast, 3);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), id);

		assert_eq!(Anchors::<T>::get(id).map(|a| a.status), Some(RecordStatus::Confirmed));
	}

	#[benchmark]
	fn reject() {
		let cast = cast::<T>();
		let id = pending::<T>(&cast, 4);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), id, RecordRejection::Inaccurate);

		assert!(matches!(Anchors::<T>::get(id).map(|a| a.status), Some(RecordStatus::Rejected(_))));
	}

	// Worst case: the reader's access rests on its hospital's grant.
	#[benchmark]
	fn add_reader_key() {
		let cast = cast::<T>();
		let record = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		let reader: T::AccountId = account("reader", 0, 0);
		T::BenchmarkHelper::register(&reader, Role::Doctor, Some(&cast.hospital));
		let key = vec![5; T::MaxWrappedKeyLen::get() as usize];

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), record, reader.clone(), key);

		assert!(WrappedKeys::<T>::contains_key(record, &reader));
	}

	#[benchmark]
	fn remove_reader_key() {
		let cast = cast::<T>();
		let record = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), record, cast.doctor.clone());

		assert!(!WrappedKeys::<T>::contains_key(record, &cast.doctor));
	}

	// `n`: wrapped keys deleted with the record (its patient, author, custodian and other
	// readers).
	#[benchmark]
	fn erase(n: Linear<3, { T::MaxReadersPerRecord::get() }>) {
		let cast = cast::<T>();
		let record = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		readers::<T>(&cast, record, n - 3);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), record);

		assert_eq!(Anchors::<T>::get(record).map(|a| a.status), Some(RecordStatus::Erased));
	}

	// Worst case: the reader's access rests on its hospital's grant, after its own grants
	// of other purposes were looked at.
	#[benchmark]
	fn release_key() {
		let cast = cast::<T>();
		let record = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		let reader = T::BenchmarkHelper::signer(1);
		T::BenchmarkHelper::register(&reader, Role::Doctor, Some(&cast.hospital));
		let node: T::AccountId = account("node", 0, 0);
		T::BenchmarkHelper::register(&node, Role::Node, Some(&cast.hospital));
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let request = KeyRequest {
			genesis: sp_core::H256::from_slice(genesis.as_ref()),
			reader: reader.clone(),
			record,
			purpose: Purpose::Treatment,
			recipient: [9; 32],
			issued_at: Pallet::<T>::now_ms(),
		};
		let signature = T::BenchmarkHelper::sign(&reader, &request.signing_payload());
		let hash = request.hash();

		#[extrinsic_call]
		_(RawOrigin::Signed(node), request, signature);

		assert!(ReleasedRequests::<T>::contains_key(hash));
	}

	#[benchmark]
	fn set_escrow_threshold() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 3);

		assert_eq!(EscrowThreshold::<T>::get(), 3);
		Ok(())
	}

	#[benchmark]
	fn forget_releases(n: Linear<0, { T::MaxReleasesPerBlock::get() }>) {
		let now = frame_system::Pallet::<T>::block_number();
		let forget_at = now.saturating_add(T::ReleaseMemory::get());
		let hashes: Vec<sp_core::H256> = (0..n)
			.map(|i| sp_core::H256::from(sp_io::hashing::blake2_256(&i.to_le_bytes())))
			.collect();
		for hash in &hashes {
			ReleasedRequests::<T>::insert(hash, forget_at);
		}
		ReleaseExpiries::<T>::insert(forget_at, BoundedVec::truncate_from(hashes));

		#[block]
		{
			Pallet::<T>::on_initialize(forget_at);
		}

		assert_eq!(ReleasedRequests::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
