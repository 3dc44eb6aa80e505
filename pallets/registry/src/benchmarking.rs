// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Benchmarks of the registry's calls (FRAME benchmarking v2). Run through
//! `ehr-node benchmark pallet` (see `scripts/benchmark.sh`) to regenerate `weights.rs`.

use super::*;
use crate::pallet::{Applications, Members, PowDifficulty};
use alloc::vec;
use ehr_primitives::registry::{
	ApplicantRole, BenchmarkSigner, EncryptionKey, ProfileCommitment, RegistrationConsent, Role,
};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin as SystemOrigin};
use sp_runtime::traits::{One, Saturating};

fn commitment(seed: u32) -> ProfileCommitment {
	let mut bytes = [0xc0u8; 32];
	bytes[..4].copy_from_slice(&seed.to_le_bytes());
	ProfileCommitment::from(bytes)
}

fn encryption_key(seed: u32) -> EncryptionKey {
	let mut key = [0x5au8; 32];
	key[..4].copy_from_slice(&seed.to_le_bytes());
	key
}

fn hospital<T: Config>(seed: u32) -> T::AccountId {
	let hospital: T::AccountId = account("hospital", seed, 0);
	Pallet::<T>::do_register_organisation(
		hospital.clone(),
		Role::Hospital,
		commitment(seed),
		encryption_key(seed),
	)
	.expect("hospital registers");
	hospital
}

fn applied<T: Config>(who: &T::AccountId, role: ApplicantRole, hospital: &T::AccountId) {
	PowDifficulty::<T>::put(0);
	Pallet::<T>::do_apply(
		who.clone(),
		role,
		hospital.clone(),
		commitment(7),
		encryption_key(7),
		ticket_block::<T>(),
		0,
	)
	.expect("application");
}

/// A block a proof-of-work ticket may name: the previous one (the chain is moved past
/// genesis if it is not).
fn ticket_block<T: Config>() -> BlockNumberFor<T> {
	let now = frame_system::Pallet::<T>::block_number().max(One::one());
	frame_system::Pallet::<T>::set_block_number(now);
	now.saturating_sub(One::one())
}

fn member<T: Config>(
	name: &'static str,
	role: ApplicantRole,
	hospital: &T::AccountId,
) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	applied::<T>(&who, role, hospital);
	match role {
		ApplicantRole::Doctor => Pallet::<T>::do_activate_doctor(
			hospital.clone(),
			who.clone(),
			b"licence".to_vec(),
			far_future::<T>(),
		),
		ApplicantRole::Patient => Pallet::<T>::do_activate_patient(hospital.clone(), who.clone()),
	}
	.expect("activation");
	who
}

/// A new account that can sign, and its proof of registration as `role` at `hospital`.
fn signing_account<T: Config>(
	seed: u32,
	role: Role,
	hospital: &T::AccountId,
	keys: (ProfileCommitment, EncryptionKey),
) -> (T::AccountId, T::OffchainSignature) {
	let who = T::BenchmarkHelper::signer(seed);
	let consent = RegistrationConsent {
		genesis: Pallet::<T>::genesis_hash(),
		account: who.clone(),
		role,
		hospital: hospital.clone(),
		profile_commitment: keys.0,
		encryption_key: keys.1,
		tenure: crate::Tenures::<T>::get(&who),
	};
	let proof = T::BenchmarkHelper::sign(&who, &consent.signing_payload());
	(who, proof)
}

fn far_future<T: Config>() -> Moment {
	Pallet::<T>::now_ms().saturating_add(10 * 365 * 24 * 3600 * 1000)
}

fn admin_origin<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

fn applicant_origin<T: Config>() -> Result<(T::RuntimeOrigin, T::AccountId), BenchmarkError> {
	let origin =
		T::ApplicantOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
	let who = T::ApplicantOrigin::ensure_origin(origin.clone())
		.map_err(|_| BenchmarkError::Weightless)?;
	Ok((origin, who))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn apply() -> Result<(), BenchmarkError> {
		let hospital = hospital::<T>(1);
		let (origin, who) = applicant_origin::<T>()?;
		PowDifficulty::<T>::put(0);
		let pow_block = ticket_block::<T>();

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			ApplicantRole::Doctor,
			hospital,
			commitment(2),
			encryption_key(2),
			pow_block,
			0,
		);

		assert!(Applications::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn withdraw_application() -> Result<(), BenchmarkError> {
		let hospital = hospital::<T>(1);
		let (origin, who) = applicant_origin::<T>()?;
		applied::<T>(&who, ApplicantRole::Patient, &hospital);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin);

		assert!(!Applications::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn register_hospital() -> Result<(), BenchmarkError> {
		let origin = admin_origin::<T>()?;
		let hospital: T::AccountId = account("hospital", 9, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hospital.clone(), commitment(9), encryption_key(9));

		assert!(Members::<T>::contains_key(&hospital));
		Ok(())
	}

	#[benchmark]
	fn register_insurer() -> Result<(), BenchmarkError> {
		let origin = admin_origin::<T>()?;
		let insurer: T::AccountId = account("insurer", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, insurer.clone(), commitment(9), encryption_key(9));

		assert!(Members::<T>::contains_key(&insurer));
		Ok(())
	}

	#[benchmark]
	fn appoint_admin() {
		let hospital = hospital::<T>(1);
		let keys = (commitment(3), encryption_key(3));
		let (admin, proof) = signing_account::<T>(3, Role::Admin, &hospital, keys);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), admin.clone(), keys.0, keys.1, proof);

		assert!(Members::<T>::contains_key(&admin));
	}

	#[benchmark]
	fn appoint_node() {
		let hospital = hospital::<T>(1);
		let node = T::BenchmarkHelper::signer(5);
		let keys = Pallet::<T>::node_keys(&node);
		let (node, proof) = signing_account::<T>(5, Role::Node, &hospital, keys);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), node.clone(), proof);

		assert!(Members::<T>::contains_key(&node));
	}

	#[benchmark]
	fn hand_over() {
		let hospital = hospital::<T>(1);
		let lost = member::<T>("lost", ApplicantRole::Patient, &hospital);
		let successor = member::<T>("successor", ApplicantRole::Patient, &hospital);
		T::BenchmarkHelper::recovered(&lost, &successor);

		#[extrinsic_call]
		_(SystemOrigin::Signed(lost.clone()), successor.clone());

		assert_eq!(crate::Successors::<T>::get(&lost), Some(successor));
	}

	#[benchmark]
	fn activate_doctor(l: Linear<1, { T::MaxCredentialLen::get() }>) {
		let hospital = hospital::<T>(1);
		let doctor: T::AccountId = account("doctor", 0, 0);
		applied::<T>(&doctor, ApplicantRole::Doctor, &hospital);

		#[extrinsic_call]
		_(
			SystemOrigin::Signed(hospital),
			doctor.clone(),
			vec![b'x'; l as usize],
			far_future::<T>(),
		);

		assert!(Members::<T>::contains_key(&doctor));
	}

	#[benchmark]
	fn renew_credential(l: Linear<1, { T::MaxCredentialLen::get() }>) {
		let hospital = hospital::<T>(1);
		let doctor = member::<T>("doctor", ApplicantRole::Doctor, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), doctor, vec![b'y'; l as usize], far_future::<T>());
	}

	#[benchmark]
	fn activate_patient() {
		let hospital = hospital::<T>(1);
		let patient: T::AccountId = account("patient", 0, 0);
		applied::<T>(&patient, ApplicantRole::Patient, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), patient.clone());

		assert!(Members::<T>::contains_key(&patient));
	}

	#[benchmark]
	fn register_patient() {
		let hospital = hospital::<T>(1);
		let keys = (commitment(4), encryption_key(4));
		let (patient, proof) = signing_account::<T>(4, Role::Patient, &hospital, keys);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), patient.clone(), keys.0, keys.1, proof);

		assert!(Members::<T>::contains_key(&patient));
	}

	#[benchmark]
	fn reject_application() {
		let hospital = hospital::<T>(1);
		let applicant: T::AccountId = account("applicant", 0, 0);
		applied::<T>(&applicant, ApplicantRole::Doctor, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), applicant.clone(), RejectionReason::CredentialUnverified);

		assert!(!Applications::<T>::contains_key(&applicant));
	}

	// Worst case: a doctor suspended by its hospital (authority is checked through the
	// hospital's own standing).
	#[benchmark]
	fn suspend() {
		let hospital = hospital::<T>(1);
		let doctor = member::<T>("doctor", ApplicantRole::Doctor, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), doctor.clone());

		assert_eq!(Members::<T>::get(&doctor).map(|m| m.status), Some(MemberStatus::Suspended));
	}

	#[benchmark]
	fn reinstate() {
		let hospital = hospital::<T>(1);
		let doctor = member::<T>("doctor", ApplicantRole::Doctor, &hospital);
		Pallet::<T>::do_set_status(Actor::Consortium, doctor.clone(), MemberStatus::Suspended)
			.expect("suspended");

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), doctor.clone());

		assert_eq!(Members::<T>::get(&doctor).map(|m| m.status), Some(MemberStatus::Active));
	}

	#[benchmark]
	fn revoke() {
		let hospital = hospital::<T>(1);
		let doctor = member::<T>("doctor", ApplicantRole::Doctor, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(hospital), doctor.clone());

		assert!(!Members::<T>::contains_key(&doctor));
	}

	#[benchmark]
	fn deregister() {
		let hospital = hospital::<T>(1);
		let patient = member::<T>("patient", ApplicantRole::Patient, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(patient.clone()));

		assert!(!Members::<T>::contains_key(&patient));
	}

	#[benchmark]
	fn update_profile() {
		let hospital = hospital::<T>(1);
		let patient = member::<T>("patient", ApplicantRole::Patient, &hospital);

		#[extrinsic_call]
		_(SystemOrigin::Signed(patient), Some(commitment(8)), Some(encryption_key(8)));
	}

	#[benchmark]
	fn set_pow_difficulty() -> Result<(), BenchmarkError> {
		let origin = admin_origin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::MaxPowDifficulty::get());

		assert_eq!(PowDifficulty::<T>::get(), T::MaxPowDifficulty::get());
		Ok(())
	}

	#[benchmark]
	fn expire_applications(n: Linear<0, { T::MaxApplicationsPerBlock::get() }>) {
		let hospital = hospital::<T>(1);
		for i in 0..n {
			let who: T::AccountId = account("applicant", i, 0);
			applied::<T>(&who, ApplicantRole::Patient, &hospital);
		}
		let expiry =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ApplicationLifetime::get());
		frame_system::Pallet::<T>::set_block_number(expiry.saturating_sub(One::one()));

		#[block]
		{
			Pallet::<T>::expire_applications(expiry);
		}

		assert_eq!(Applications::<T>::iter().count(), 0);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
