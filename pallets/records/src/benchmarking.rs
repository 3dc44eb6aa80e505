//! Benchmarks of the records pallet's calls (FRAME benchmarking v2). Run through
//! `ehr-node benchmark pallet` (see `scripts/benchmark.sh`) to regenerate `weights.rs`.

use super::*;
use crate::pallet::{Records as Anchors, WrappedKeys};
use alloc::{vec, vec::Vec};
use ehr_primitives::{
	records::{BenchmarkSetup, Purpose},
	registry::Role,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;

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

/// A content id, its hash and a maximum-size wrapped key.
fn content<T: Config>(seed: u8) -> (ContentId, [u8; 32], Vec<u8>) {
	let digest = sp_io::hashing::sha2_256(&[seed]);
	(ContentId::from_sha256(digest), digest, vec![seed; T::MaxWrappedKeyLen::get() as usize])
}

/// `n` readers of `record` besides its patient and author, each with a grant and a key.
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

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create() {
		let cast = cast::<T>();
		let (cid, hash, key) = content::<T>(1);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(cast.doctor.clone()),
			cast.patient.clone(),
			Category::Condition,
			cid,
			hash,
			key.clone(),
			key,
		);

		assert_eq!(Anchors::<T>::iter().count(), 1);
	}

	#[benchmark]
	fn amend() {
		let cast = cast::<T>();
		let previous = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		let (cid, hash, key) = content::<T>(2);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.doctor.clone()), previous, cid, hash, key.clone(), key);

		assert_eq!(Anchors::<T>::iter().count(), 2);
	}

	#[benchmark]
	fn confirm() {
		let cast = cast::<T>();
		let (cid, hash, key) = content::<T>(3);
		let id = NextRecordId::<T>::get();
		let checked = Pallet::<T>::content(cid, hash, key.clone(), key).expect("content");
		Pallet::<T>::do_create(
			cast.doctor.clone(),
			cast.patient.clone(),
			Category::Condition,
			checked,
		)
		.expect("record");

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), id);

		assert_eq!(Anchors::<T>::get(id).map(|a| a.status), Some(RecordStatus::Confirmed));
	}

	#[benchmark]
	fn reject() {
		let cast = cast::<T>();
		let (cid, hash, key) = content::<T>(4);
		let id = NextRecordId::<T>::get();
		let checked = Pallet::<T>::content(cid, hash, key.clone(), key).expect("content");
		Pallet::<T>::do_create(
			cast.doctor.clone(),
			cast.patient.clone(),
			Category::Condition,
			checked,
		)
		.expect("record");

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

	// `n`: wrapped keys deleted with the record (its patient, author and other readers).
	#[benchmark]
	fn erase(n: Linear<2, { T::MaxReadersPerRecord::get() }>) {
		let cast = cast::<T>();
		let record = T::BenchmarkHelper::confirmed_record(&cast.patient, &cast.doctor);
		readers::<T>(&cast, record, n - 2);

		#[extrinsic_call]
		_(RawOrigin::Signed(cast.patient.clone()), record);

		assert_eq!(Anchors::<T>::get(record).map(|a| a.status), Some(RecordStatus::Erased));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::build(), crate::mock::Test);
}
