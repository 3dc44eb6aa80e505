// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A test runtime: system, timestamp, the real registry, consent, and a small catalog of
//! records standing in for the records pallet.

use crate as pallet_ehr_consent;
use ehr_primitives::{
	records::{Category, RecordCatalog, RecordFacts, RecordId},
	registry::Role,
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks},
};
use pallet_ehr_registry::GenesisMember;
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Registry: pallet_ehr_registry,
		Consent: pallet_ehr_consent,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

parameter_types! {
	pub const ApplicationLifetime: u64 = 100;
}

impl pallet_ehr_registry::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type ApplicantOrigin = pallet_ehr_registry::EnsureApplicant<Test>;
	type Time = Timestamp;
	type MaxCredentialLen = ConstU32<16>;
	type ApplicationLifetime = ApplicationLifetime;
	type MaxApplicationsPerBlock = ConstU32<8>;
	type MaxPowDifficulty = ConstU8<24>;
	type MaxStaffPerHospital = ConstU32<100>;
	type OffchainSignature = sp_runtime::testing::TestSignature;
	type SigningPublicKey = sp_runtime::testing::UintAuthorityId;
	type Recovery = ();
	type Policy = ();
	type QuotaWindow = frame_support::traits::ConstU64<1>;
	type PowTicketLifetime = frame_support::traits::ConstU64<10>;
	type MaxPendingApplicationsPerHospital = ConstU32<100>;
	type MaxPredecessors = ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_ehr_registry::MockSigner;
}

parameter_types! {
	pub const RequestLifetime: u64 = REQUEST_LIFETIME;
	pub const BreakGlassDuration: u64 = BREAK_GLASS_MS;
}

impl crate::Config for Test {
	type Registry = Registry;
	type Records = MockRecords;
	type Time = Timestamp;
	type MaxGrantsPerGrantee = ConstU32<MAX_GRANTS>;
	type MaxGuardians = ConstU32<MAX_GUARDIANS>;
	type RequestLifetime = RequestLifetime;
	type MaxRequestsPerBlock = ConstU32<MAX_REQUESTS_PER_BLOCK>;
	type MaxOpenRequestsPerRequester = ConstU32<MAX_OPEN_REQUESTS>;
	type BreakGlassDuration = BreakGlassDuration;
	type MaxUnreviewedBreakGlass = ConstU32<MAX_UNREVIEWED>;
	type UnjustifiedBreakGlassBar = ConstU64<BAR_MS>;
	type ReadCoalescingWindow = ConstU64<READ_WINDOW_MS>;
	type MaxPageSize = ConstU32<MAX_PAGE>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSetup;
}

/// Members through the real registry; records in the mock catalog.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkSetup;

#[cfg(feature = "runtime-benchmarks")]
impl ehr_primitives::records::BenchmarkSetup<u64> for BenchmarkSetup {
	fn register(who: &u64, role: Role, hospital: Option<&u64>) {
		let mut member = GenesisMember::placeholder(*who, role, hospital.copied());
		if role == Role::Hospital {
			member.encryption_key = [*who as u8; 32];
		}
		Registry::register_member(&member).expect("member registers");
	}

	fn grant_all(patient: &u64, grantee: &u64, purpose: ehr_primitives::records::Purpose) {
		Consent::do_grant(
			patient,
			patient,
			grantee,
			ehr_primitives::records::Scope::AllRecords,
			purpose,
			None,
		)
		.expect("grant");
	}

	fn confirmed_record(patient: &u64, author: &u64) -> RecordId {
		RECORDS.with(|r| {
			let mut records = r.borrow_mut();
			let id = records.keys().max().map_or(1000, |max| max + 1);
			records.insert(
				id,
				RecordFacts {
					patient: *patient,
					author: *author,
					category: Category::Condition,
					root: id,
					erased: false,
				},
			);
			id
		})
	}
}

pub const REQUEST_LIFETIME: u64 = 50;
pub const BREAK_GLASS_MS: u64 = 4 * 3600 * 1000;
pub const MAX_GRANTS: u32 = 3;
pub const MAX_GUARDIANS: u32 = 2;
pub const MAX_REQUESTS_PER_BLOCK: u32 = 3;
pub const MAX_OPEN_REQUESTS: u32 = 2;
pub const MAX_UNREVIEWED: u32 = 2;
pub const BAR_MS: u64 = 30 * 24 * 3600 * 1000;
pub const READ_WINDOW_MS: u64 = 10 * 60 * 1000;
pub const MAX_PAGE: u32 = 10;

/// The wall clock of every test's first block.
pub const NOW: u64 = 1_700_000_000_000;
pub const HOUR_MS: u64 = 3600 * 1000;
pub const YEAR_MS: u64 = 365 * 24 * HOUR_MS;

pub const HOSPITAL: u64 = 1;
pub const OTHER_HOSPITAL: u64 = 2;
pub const ADMIN: u64 = 3;
pub const DOCTOR: u64 = 10;
pub const OTHER_DOCTOR: u64 = 11;
/// A doctor of `HOSPITAL` other than `DOCTOR`.
pub const COLLEAGUE: u64 = 12;
pub const PATIENT: u64 = 20;
pub const OTHER_PATIENT: u64 = 21;
pub const RELATIVE: u64 = 22;
pub const INSURER: u64 = 30;
/// The service account of `HOSPITAL`'s node.
pub const NODE: u64 = 40;
pub const OUTSIDER: u64 = 99;

/// `PATIENT`'s condition record by `DOCTOR`, version 1, and its version 2.
pub const CONDITION_V1: RecordId = 100;
pub const CONDITION_V2: RecordId = 101;
/// `PATIENT`'s prescription by `DOCTOR`.
pub const PRESCRIPTION: RecordId = 102;
/// `PATIENT`'s erased record.
pub const ERASED: RecordId = 103;
/// `OTHER_PATIENT`'s record.
pub const FOREIGN_RECORD: RecordId = 200;

thread_local! {
	static RECORDS: RefCell<BTreeMap<RecordId, RecordFacts<u64>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The records pallet's answers, for a fixed set of records.
pub struct MockRecords;

impl RecordCatalog<u64> for MockRecords {
	fn record_facts(record: RecordId) -> Option<RecordFacts<u64>> {
		RECORDS.with(|r| r.borrow().get(&record).cloned())
	}
}

fn facts(patient: u64, category: Category, root: RecordId, erased: bool) -> RecordFacts<u64> {
	RecordFacts { patient, author: DOCTOR, category, root, erased }
}

/// A member whose doctor credential expires a year after the tests' clock starts.
fn member(account: u64, role: Role, hospital: Option<u64>) -> GenesisMember<u64> {
	GenesisMember {
		credential_expires_at: (role == Role::Doctor).then_some(NOW + YEAR_MS),
		..GenesisMember::placeholder(account, role, hospital)
	}
}

/// Builds the state tests start from.
#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	/// Two hospitals with their staff, patients and an insurer; five record anchors.
	pub fn build(self) -> sp_io::TestExternalities {
		let storage = RuntimeGenesisConfig {
			registry: pallet_ehr_registry::GenesisConfig {
				members: vec![
					member(HOSPITAL, Role::Hospital, None),
					member(OTHER_HOSPITAL, Role::Hospital, None),
					member(ADMIN, Role::Admin, Some(HOSPITAL)),
					member(DOCTOR, Role::Doctor, Some(HOSPITAL)),
					member(COLLEAGUE, Role::Doctor, Some(HOSPITAL)),
					member(OTHER_DOCTOR, Role::Doctor, Some(OTHER_HOSPITAL)),
					member(PATIENT, Role::Patient, Some(HOSPITAL)),
					member(OTHER_PATIENT, Role::Patient, Some(HOSPITAL)),
					member(RELATIVE, Role::Patient, Some(HOSPITAL)),
					member(INSURER, Role::Insurer, None),
					member(NODE, Role::Node, Some(HOSPITAL)),
				],
				pow_difficulty: 0,
			},
			..Default::default()
		}
		.build_storage()
		.expect("valid genesis");
		RECORDS.with(|r| {
			*r.borrow_mut() = BTreeMap::from([
				(CONDITION_V1, facts(PATIENT, Category::Condition, CONDITION_V1, false)),
				(CONDITION_V2, facts(PATIENT, Category::Condition, CONDITION_V1, false)),
				(PRESCRIPTION, facts(PATIENT, Category::MedicationRequest, PRESCRIPTION, false)),
				(ERASED, facts(PATIENT, Category::Observation, ERASED, true)),
				(FOREIGN_RECORD, facts(OTHER_PATIENT, Category::Condition, FOREIGN_RECORD, false)),
			])
		});
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			Timestamp::set_timestamp(NOW);
		});
		ext
	}

	/// Runs `test`, then checks the consent pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Consent::do_try_state().expect("consent invariants hold after the test");
		})
	}
}

/// Shorthand for the default test state.
// Every pallet's mock starts the same way, `ExtBuilder::default()`, whatever its fields.
#[allow(clippy::default_constructed_unit_structs)]
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Advances to block `n`, running the consent pallet's `on_initialize` for each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Consent::on_initialize(next);
	}
}

/// Moves the wall clock to `ms`.
pub fn set_time(ms: u64) {
	pallet_timestamp::Now::<Test>::put(ms);
}

pub fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}
