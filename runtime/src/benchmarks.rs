//! Runtime benchmarks: the pallets whose weights `ehr-node benchmark pallet` measures.

use crate::*;
use alloc::{string::String, vec::Vec};
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
	fn register(who: &AccountId, role: Role, hospital: Option<&AccountId>) {
		let member = GenesisMember::placeholder(who.clone(), role, hospital.cloned());
		if let Err(e) = Registry::register_member(&member) {
			panic!("benchmark member {who:?} does not register: {e:?}");
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
