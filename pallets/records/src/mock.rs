//! A test runtime with the real registry, consent and records pallets.

use crate as pallet_ehr_records;
use ehr_primitives::{
	records::{Category, ContentId, Purpose, RecordId},
	registry::Role,
};
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8},
};
use pallet_ehr_consent::ScopeRequest;
use pallet_ehr_registry::GenesisMember;
use sp_io::hashing::sha2_256;
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
	type WeightInfo = ();
}

impl pallet_ehr_consent::Config for Test {
	type Registry = Registry;
	type Records = Records;
	type Time = Timestamp;
	type MaxGrantsPerGrantee = ConstU32<4>;
	type MaxGuardians = ConstU32<2>;
	type RequestLifetime = RequestLifetime;
	type MaxRequestsPerBlock = ConstU32<8>;
	type BreakGlassDuration = BreakGlassDuration;
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
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkSetup;
}

/// Members, grants and records through the real pallets.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkSetup;

#[cfg(feature = "runtime-benchmarks")]
impl ehr_primitives::records::BenchmarkSetup<u64> for BenchmarkSetup {
	fn register(who: &u64, role: Role, hospital: Option<&u64>) {
		Registry::register_member(&GenesisMember::placeholder(*who, role, hospital.copied()))
			.expect("member registers");
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

pub const MAX_KEY_LEN: u32 = 80;
pub const MAX_READERS: u32 = 4;
pub const MAX_PAGE: u32 = 10;
pub const PENDING_LIFETIME: u64 = 20;
pub const BREAK_GLASS_MS: u64 = 4 * 3600 * 1000;

pub const NOW: u64 = 1_700_000_000_000;
pub const HOUR_MS: u64 = 3600 * 1000;
pub const YEAR_MS: u64 = 365 * 24 * HOUR_MS;

pub const HOSPITAL: u64 = 1;
pub const OTHER_HOSPITAL: u64 = 2;
pub const ADMIN: u64 = 3;
pub const DOCTOR: u64 = 10;
pub const OTHER_DOCTOR: u64 = 11;
pub const COLLEAGUE: u64 = 12;
pub const PATIENT: u64 = 20;
pub const OTHER_PATIENT: u64 = 21;
pub const RELATIVE: u64 = 22;
pub const INSURER: u64 = 30;
pub const OUTSIDER: u64 = 99;

/// A member whose doctor credential expires a year after the tests' clock starts.
fn member(account: u64, role: Role, hospital: Option<u64>) -> GenesisMember<u64> {
	GenesisMember {
		credential_expires_at: (role == Role::Doctor).then_some(NOW + YEAR_MS),
		..GenesisMember::placeholder(account, role, hospital)
	}
}

/// The state every test starts from: a consortium of two hospitals, and `PATIENT` and
/// `OTHER_PATIENT` each granting `HOSPITAL` treatment access to all their records.
pub fn build() -> sp_io::TestExternalities {
	build_with(Default::default())
}

/// The state of [`build`], with the records pallet's genesis `records`.
pub fn build_with(records: crate::GenesisConfig<Test>) -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig {
		records,
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

/// Runs `test` on the default state, then checks the records pallet's invariants.
pub fn new_test_ext(test: impl FnOnce()) {
	build().execute_with(|| {
		test();
		Records::do_try_state().expect("records invariants hold after the test");
	})
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

/// `author` anchors a record of `patient` whose (sealed) content is `text`.
pub fn create_with(author: u64, patient: u64, category: Category, text: &[u8]) -> RecordId {
	let id = crate::NextRecordId::<Test>::get();
	let (cid, hash) = address(&seal(text, 0x5a));
	assert_ok!(Records::create(
		signed(author),
		patient,
		category,
		cid,
		hash,
		wrapped(patient),
		wrapped(author)
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
