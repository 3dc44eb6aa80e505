// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A test runtime with the real registry, consent and records pallets.

use crate as pallet_ehr_records;
use ehr_primitives::blobs::KeyRequest;
use ehr_primitives::{
	records::{Category, ContentId, Purpose, RecordId, RecordKeys},
	registry::Role,
};
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8},
};
use pallet_ehr_consent::ScopeRequest;
use pallet_ehr_registry::GenesisMember;
use sp_io::hashing::sha2_256;
use sp_runtime::testing::TestSignature;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Registry: pallet_ehr_registry,
		Consent: pallet_ehr_consent,
		Records: pallet_ehr_records,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	// Storage has a cost here, so that refunds in storage weight show.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

parameter_types! {
	pub const ApplicationLifetime: u64 = 100;
	pub const RequestLifetime: u64 = 50;
	pub const BreakGlassDuration: u64 = BREAK_GLASS_MS;
	pub const PendingLifetime: u64 = PENDING_LIFETIME;
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

impl pallet_ehr_consent::Config for Test {
	type Registry = Registry;
	type Records = Records;
	type Time = Timestamp;
	type MaxGrantsPerGrantee = ConstU32<4>;
	type MaxGuardians = ConstU32<2>;
	type RequestLifetime = RequestLifetime;
	type MaxRequestsPerBlock = ConstU32<8>;
	type MaxOpenRequestsPerRequester = ConstU32<4>;
	type BreakGlassDuration = BreakGlassDuration;
	type MaxUnreviewedBreakGlass = ConstU32<4>;
	type UnjustifiedBreakGlassBar = ConstU64<{ 24 * 3600 * 1000 }>;
	type ReadCoalescingWindow = ConstU64<{ 10 * 60 * 1000 }>;
	type MaxPageSize = ConstU32<50>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSetup;
}

impl crate::Config for Test {
	type Registry = Registry;
	type Access = Consent;
	type Time = Timestamp;
	type MaxWrappedKeyLen = ConstU32<MAX_KEY_LEN>;
	type MaxReadersPerRecord = ConstU32<MAX_READERS>;
	type PendingLifetime = PendingLifetime;
	type MaxPageSize = ConstU32<MAX_PAGE>;
	type Hospitals = RegisteredHospitals;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type OffchainSignature = TestSignature;
	type SigningPublicKey = sp_runtime::testing::UintAuthorityId;
	type MaxEscrowHolders = ConstU32<MAX_ESCROW>;
	type MaxRequestAge = ConstU64<MAX_REQUEST_AGE>;
	type ReleaseMemory = ConstU64<RELEASE_MEMORY>;
	type MaxReleasesPerBlock = ConstU32<MAX_RELEASES>;
	type MaxBatchRecords = ConstU32<MAX_BATCH>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSetup;
}

/// The consortium's hospitals: every registry member with the hospital role.
pub struct RegisteredHospitals;

impl frame_support::traits::Get<Vec<u64>> for RegisteredHospitals {
	fn get() -> Vec<u64> {
		let mut hospitals: Vec<u64> = pallet_ehr_registry::Members::<Test>::iter()
			.filter(|(_, m)| m.role == Role::Hospital)
			.map(|(who, _)| who)
			.collect();
		hospitals.sort();
		hospitals
	}
}

/// Members, grants and records through the real pallets.
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

	fn grant_all(patient: &u64, grantee: &u64, purpose: Purpose) {
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
		Records::benchmark_record(author, patient).expect("record")
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl ehr_primitives::registry::BenchmarkSigner<u64, TestSignature> for BenchmarkSetup {
	fn signer(seed: u32) -> u64 {
		<pallet_ehr_registry::MockSigner as ehr_primitives::registry::BenchmarkSigner<
			u64,
			TestSignature,
		>>::signer(seed)
	}
	fn sign(signer: &u64, payload: &[u8]) -> TestSignature {
		TestSignature(*signer, payload.to_vec())
	}
}

pub const MAX_KEY_LEN: u32 = 80;
pub const MAX_ESCROW: u32 = 4;
/// Records in one `create_batch`.
pub const MAX_BATCH: u32 = 8;
pub const MAX_REQUEST_AGE: u64 = 5 * 60 * 1000;
pub const RELEASE_MEMORY: u64 = 10;
pub const MAX_RELEASES: u32 = 3;
pub const MAX_READERS: u32 = 5;
pub const MAX_PAGE: u32 = 10;
pub const PENDING_LIFETIME: u64 = 20;
pub const BREAK_GLASS_MS: u64 = 4 * 3600 * 1000;

pub const NOW: u64 = 1_700_000_000_000;
pub const HOUR_MS: u64 = 3600 * 1000;
pub const YEAR_MS: u64 = 365 * 24 * HOUR_MS;

pub const HOSPITAL: u64 = 1;
pub const OTHER_HOSPITAL: u64 = 2;
/// A third hospital, so that HOSPITAL's records can be escrowed 2 of 2.
pub const THIRD_HOSPITAL: u64 = 5;
pub const ADMIN: u64 = 3;
pub const DOCTOR: u64 = 10;
pub const OTHER_DOCTOR: u64 = 11;
pub const COLLEAGUE: u64 = 12;
pub const PATIENT: u64 = 20;
pub const OTHER_PATIENT: u64 = 21;
pub const RELATIVE: u64 = 22;
pub const INSURER: u64 = 30;
/// The service account of HOSPITAL's node.
pub const NODE: u64 = 40;
/// The service account of OTHER_HOSPITAL's node.
pub const OTHER_NODE: u64 = 41;
pub const OUTSIDER: u64 = 99;

/// A member whose doctor credential expires a year after the tests' clock starts; a
/// hospital has a custody key of its own (not the placeholder), so it can hold escrow.
fn member(account: u64, role: Role, hospital: Option<u64>) -> GenesisMember<u64> {
	let placeholder = GenesisMember::placeholder(account, role, hospital);
	GenesisMember {
		credential_expires_at: (role == Role::Doctor).then_some(NOW + YEAR_MS),
		encryption_key: if role == Role::Hospital {
			[account as u8; 32]
		} else {
			placeholder.encryption_key
		},
		..placeholder
	}
}

/// Builds the state tests start from.
#[derive(Default)]
pub struct ExtBuilder {
	records: crate::GenesisConfig<Test>,
}

impl ExtBuilder {
	/// The records pallet's own genesis.
	pub fn records(mut self, records: crate::GenesisConfig<Test>) -> Self {
		self.records = records;
		self
	}

	/// A consortium of two hospitals, and `PATIENT` and `OTHER_PATIENT` each granting
	/// `HOSPITAL` treatment access to all their records.
	pub fn build(self) -> sp_io::TestExternalities {
		let records = self.records;
		let storage = RuntimeGenesisConfig {
			records,
			registry: pallet_ehr_registry::GenesisConfig {
				members: vec![
					member(HOSPITAL, Role::Hospital, None),
					member(OTHER_HOSPITAL, Role::Hospital, None),
					member(THIRD_HOSPITAL, Role::Hospital, None),
					member(ADMIN, Role::Admin, Some(HOSPITAL)),
					member(DOCTOR, Role::Doctor, Some(HOSPITAL)),
					member(COLLEAGUE, Role::Doctor, Some(HOSPITAL)),
					member(OTHER_DOCTOR, Role::Doctor, Some(OTHER_HOSPITAL)),
					member(PATIENT, Role::Patient, Some(HOSPITAL)),
					member(OTHER_PATIENT, Role::Patient, Some(HOSPITAL)),
					member(RELATIVE, Role::Patient, Some(HOSPITAL)),
					member(INSURER, Role::Insurer, None),
					member(NODE, Role::Node, Some(HOSPITAL)),
					member(OTHER_NODE, Role::Node, Some(OTHER_HOSPITAL)),
				],
				pow_difficulty: 0,
			},
			..Default::default()
		}
		.build_storage()
		.expect("valid genesis");
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			Timestamp::set_timestamp(NOW);
			for patient in [PATIENT, OTHER_PATIENT] {
				assert_ok!(Consent::grant(
					RuntimeOrigin::signed(patient),
					patient,
					HOSPITAL,
					ScopeRequest::AllRecords,
					Purpose::Treatment,
					None
				));
			}
		});
		ext
	}

	/// Runs `test`, then checks the records pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Records::do_try_state().expect("records invariants hold after the test");
		})
	}
}

/// Shorthand for the default test state.
// Every pallet's mock starts the same way, `ExtBuilder::default()`, whatever its fields.
#[allow(clippy::default_constructed_unit_structs)]
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}

pub fn set_time(ms: u64) {
	pallet_timestamp::Now::<Test>::put(ms);
}

pub fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

/// `reader`'s request for the key of `record`, issued now.
pub fn key_request(reader: u64, record: RecordId, purpose: Purpose) -> KeyRequest<u64> {
	KeyRequest {
		genesis: sp_core::H256::from_slice(System::block_hash(0).as_ref()),
		reader,
		record,
		purpose,
		recipient: [reader as u8; 32],
		issued_at: pallet_timestamp::Now::<Test>::get(),
	}
}

/// `signer`'s signature of `request`.
pub fn signed_by(signer: u64, request: &KeyRequest<u64>) -> TestSignature {
	TestSignature(signer, request.signing_payload())
}

/// A stand-in ciphertext: tests do not need real encryption, only bytes that are not the
/// plaintext (the client's encryption is tested with the client).
pub fn seal(plaintext: &[u8], key: u8) -> Vec<u8> {
	plaintext.iter().enumerate().map(|(i, b)| b ^ key ^ (i as u8).wrapping_mul(31)).collect()
}

/// The content id and hash of a ciphertext.
pub fn address(ciphertext: &[u8]) -> (ContentId, [u8; 32]) {
	let digest = sha2_256(ciphertext);
	(ContentId::from_sha256(digest), digest)
}

/// A wrapped key for `reader` (opaque bytes of a realistic size).
pub fn wrapped(reader: u64) -> Vec<u8> {
	vec![reader as u8; 72]
}

/// Keys with the patient's and author's copies given, the custodian's for HOSPITAL and the
/// escrow HOSPITAL's policy asks for.
pub fn keys_of(patient: Vec<u8>, author: Vec<u8>) -> RecordKeys {
	RecordKeys { patient, author, ..keys(0, 0, HOSPITAL) }
}

/// The keys of a record by `author` (a doctor of `custodian`) of `patient`, with the
/// escrow shares the escrow policy asks for now.
pub fn keys(patient: u64, author: u64, custodian: u64) -> RecordKeys {
	let holders = Records::escrow_policy(&custodian).holders;
	RecordKeys {
		patient: wrapped(patient),
		author: wrapped(author),
		custodian: wrapped(custodian),
		escrow: holders.iter().map(|(holder, _)| wrapped(*holder)).collect(),
	}
}

/// `author` anchors a record of `patient` whose (sealed) content is `text`.
pub fn create_with(author: u64, patient: u64, category: Category, text: &[u8]) -> RecordId {
	let id = crate::NextRecordId::<Test>::get();
	let (cid, hash) = address(&seal(text, 0x5a));
	let custodian = pallet_ehr_registry::Members::<Test>::get(author)
		.and_then(|m| m.hospital)
		.unwrap_or(HOSPITAL);
	assert_ok!(Records::create(
		signed(author),
		patient,
		category,
		cid,
		hash,
		keys(patient, author, custodian)
	));
	id
}

/// `DOCTOR` anchors a condition record of `PATIENT`.
pub fn create() -> RecordId {
	create_with(DOCTOR, PATIENT, Category::Condition, b"a condition")
}

/// `DOCTOR` anchors a condition record of `PATIENT`, and `PATIENT` confirms it.
pub fn create_confirmed() -> RecordId {
	let id = create();
	assert_ok!(Records::confirm(signed(PATIENT), id));
	id
}
