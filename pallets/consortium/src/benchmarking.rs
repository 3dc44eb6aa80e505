// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Benchmarks of the consortium pallet's calls (FRAME benchmarking v2).

use super::*;
use crate::pallet::{Hospitals, NodeOwners};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::RawOrigin;

/// The key type of the benchmark's node keys in its keystore.
const NODE_KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"ehrn");

fn peer(seed: u32) -> Vec<u8> {
	let mut id = alloc::vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	id.extend(seed.to_le_bytes());
	id.extend([0xab; 28]);
	id
}

/// Fills the consortium up to `count` hospitals; returns the last one.
fn hospitals<T: Config>(count: u32) -> T::AccountId {
	let mut last = None;
	for i in Hospitals::<T>::get().len() as u32..count {
		let hospital: T::AccountId = account("hospital", i, 0);
		Pallet::<T>::do_admit(
			hospital.clone(),
			ProfileCommitment::repeat_byte(1),
			[1; 32],
			peer(i),
		)
		.expect("admitted");
		last = Some(hospital);
	}
	last.expect("at least one hospital added")
}

fn admin_origin<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// Worst case: the consortium one short of full.
	#[benchmark]
	fn admit_hospital() -> Result<(), BenchmarkError> {
		hospitals::<T>(T::MaxHospitals::get() - 1);
		let origin = admin_origin::<T>()?;
		let newcomer: T::AccountId = account("newcomer", 0, 0);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			newcomer.clone(),
			ProfileCommitment::repeat_byte(2),
			[2; 32],
			peer(9_999),
		);

		assert!(Hospitals::<T>::get().contains(&newcomer));
		Ok(())
	}

	#[benchmark]
	fn remove_hospital() -> Result<(), BenchmarkError> {
		let last = hospitals::<T>(T::MaxHospitals::get());
		let origin = admin_origin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, last.clone());

		assert!(!Hospitals::<T>::get().contains(&last));
		Ok(())
	}

	#[benchmark]
	fn add_node() {
		let hospital = hospitals::<T>(Hospitals::<T>::get().len() as u32 + 1);
		// A node key in the benchmark's keystore, and its proof.
		let key = sp_io::crypto::ed25519_generate(NODE_KEY, Some(b"//ehr-benchmark-node".to_vec()));
		let mut node = alloc::vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
		node.extend(key.0);
		let payload = ehr_primitives::consortium::node_key_payload(&hospital, &node);
		let proof = sp_io::crypto::ed25519_sign(NODE_KEY, &key, &payload)
			.expect("the benchmark keystore signs with its key")
			.0;

		#[extrinsic_call]
		_(RawOrigin::Signed(hospital), node, proof);

		assert!(NodeOwners::<T>::iter().count() > 0);
	}

	#[benchmark]
	fn remove_node() {
		let hospital = hospitals::<T>(Hospitals::<T>::get().len() as u32 + 1);
		Pallet::<T>::do_add_node(hospital.clone(), peer(7_777)).expect("node");

		#[extrinsic_call]
		_(RawOrigin::Signed(hospital), peer(7_777));
	}

	// The inner call's own weight is added on top of this measurement (which includes a
	// cheap listed call): a slight overestimate, never an underestimate.
	#[benchmark]
	fn dispatch_as_root() -> Result<(), BenchmarkError> {
		let origin =
			T::RootCallOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let call = <T::BenchmarkHelper as crate::BenchmarkHelper<_>>::root_call();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, alloc::boxed::Box::new(call));

		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
