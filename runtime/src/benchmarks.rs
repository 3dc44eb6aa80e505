// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Runtime benchmarks: the pallets whose weights `ehr-node benchmark pallet` measures.

use crate::*;
use alloc::{string::String, vec::Vec};
use codec::Encode;
use ehr_primitives::{
	records::{Purpose, RecordId, Scope},
	registry::Role,
};
use frame_benchmarking::{BenchmarkBatch, BenchmarkConfig, BenchmarkList};
use frame_support::traits::StorageInfo;
use pallet_ehr_registry::GenesisMember;

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking::baseline, Baseline::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_ehr_registry, Registry]
	[pallet_ehr_consent, Consent]
	[pallet_ehr_records, Records]
	[pallet_ehr_consortium, Consortium]
	[pallet_collective, Council]
);

type Baseline<T> = frame_benchmarking::baseline::Pallet<T>;
type SystemBench<T> = frame_system_benchmarking::Pallet<T>;

impl frame_benchmarking::baseline::Config for Runtime {}
impl frame_system_benchmarking::Config for Runtime {}

/// The benchmarks this runtime offers, and the storage they touch.
pub fn metadata(extra: bool) -> (Vec<BenchmarkList>, Vec<StorageInfo>) {
	use frame_support::traits::StorageInfoTrait;
	let mut list = Vec::<BenchmarkList>::new();
	list_benchmarks!(list, extra);
	(list, AllPalletsWithSystem::storage_info())
}

/// Runs the benchmarks `config` selects.
pub fn dispatch(config: BenchmarkConfig) -> Result<Vec<BenchmarkBatch>, String> {
	use frame_support::traits::WhitelistedStorageKeys;
	let whitelist = AllPalletsWithSystem::whitelisted_storage_keys();
	let mut batches = Vec::<BenchmarkBatch>::new();
	let params = (&config, &whitelist);
	add_benchmarks!(params, batches);
	Ok(batches)
}

/// Members, grants and records for the consent and records benchmarks, through the real
/// pallets.
pub struct BenchmarkSetup;

impl ehr_primitives::records::BenchmarkSetup<AccountId> for BenchmarkSetup {
	/// A hospital also joins the consortium (custodian and escrow holder of records).
	fn register(who: &AccountId, role: Role, hospital: Option<&AccountId>) {
		let mut member = GenesisMember::placeholder(who.clone(), role, hospital.cloned());
		if role == Role::Hospital {
			// A custody key of its own (any key but the placeholder nobody holds).
			member.encryption_key = sp_io::hashing::blake2_256(&who.encode());
		}
		if let Err(e) = Registry::register_member(&member) {
			panic!("benchmark member {who:?} does not register: {e:?}");
		}
		if role == Role::Hospital {
			pallet_ehr_consortium::Hospitals::<Runtime>::mutate(|hospitals| {
				if let Err(position) = hospitals.binary_search(who) {
					let _ = hospitals.try_insert(position, who.clone());
				}
			});
		}
	}

	fn grant_all(patient: &AccountId, grantee: &AccountId, purpose: Purpose) {
		if let Err(e) =
			Consent::do_grant(patient, patient, grantee, Scope::AllRecords, purpose, None)
		{
			panic!("benchmark grant refused: {e:?}");
		}
	}

	fn confirmed_record(patient: &AccountId, author: &AccountId) -> RecordId {
		match Records::benchmark_record(author, patient) {
			Ok(id) => id,
			Err(e) => panic!("benchmark record refused: {e:?}"),
		}
	}
}

/// The key type of the benchmarks' signing accounts in the benchmark's keystore.
const BENCHMARK_KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"ehrb");

impl ehr_primitives::registry::BenchmarkSigner<AccountId, Signature> for BenchmarkSetup {
	fn signer(seed: u32) -> AccountId {
		let seed = alloc::format!("//ehr-benchmark-{seed}").into_bytes();
		sp_io::crypto::sr25519_generate(BENCHMARK_KEY, Some(seed)).into()
	}

	fn sign(signer: &AccountId, payload: &[u8]) -> Signature {
		let public = sp_core::sr25519::Public::from_raw(*signer.as_ref());
		match sp_io::crypto::sr25519_sign(BENCHMARK_KEY, &public, payload) {
			Some(signature) => Signature::Sr25519(signature),
			None => panic!("the benchmark keystore has no key of {signer:?}"),
		}
	}
}

impl pallet_ehr_registry::BenchmarkHelper<AccountId, Signature> for BenchmarkSetup {
	fn recovered(lost: &AccountId, inheritor: &AccountId) {
		let ticket = match pallet_recovery::Pallet::<Runtime>::inheritor_ticket(inheritor) {
			Ok(ticket) => ticket,
			Err(e) => panic!("no inheritor ticket: {e:?}"),
		};
		pallet_recovery::Inheritor::<Runtime>::insert(lost, (0, inheritor.clone(), ticket));
	}
}
