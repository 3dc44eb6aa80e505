// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A test runtime with the registry, timestamp and system pallets.

use crate::{self as pallet_ehr_registry, pow, ApplicantRole, GenesisMember, RawOrigin, Role};
use ehr_primitives::registry::{
	EncryptionKey, ProfileCommitment, RecoveredAccounts, RegistrationConsent,
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks},
};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Registry: pallet_ehr_registry,
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
	pub const ApplicationLifetime: u64 = APPLICATION_LIFETIME;
}

impl crate::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type ApplicantOrigin = crate::EnsureApplicant<Test>;
	type Time = Timestamp;
	type MaxCredentialLen = ConstU32<MAX_CREDENTIAL_LEN>;
	type ApplicationLifetime = ApplicationLifetime;
	type MaxApplicationsPerBlock = ConstU32<MAX_APPLICATIONS_PER_BLOCK>;
	type MaxPowDifficulty = ConstU8<24>;
	type PowTicketLifetime = ConstU64<POW_TICKET_LIFETIME>;
	type MaxPendingApplicationsPerHospital = ConstU32<MAX_PENDING_PER_HOSPITAL>;
	type MaxStaffPerHospital = ConstU32<MAX_STAFF>;
	type OffchainSignature = TestSignature;
	type SigningPublicKey = UintAuthorityId;
	type Recovery = MockRecovery;
	type Policy = MockPolicy;
	type QuotaWindow = ConstU64<QUOTA_WINDOW>;
	type MaxPredecessors = ConstU32<2>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = RecoveringSigner;
}

thread_local! {
	/// Lost account → inheritor, as `pallet-recovery` would have it after a recovery.
	static RECOVERED: RefCell<BTreeMap<u64, u64>> = const { RefCell::new(BTreeMap::new()) };
}

/// Recoveries the tests finish by hand.
pub struct MockRecovery;

impl RecoveredAccounts<u64> for MockRecovery {
	fn inheritor(lost: &u64) -> Option<u64> {
		RECOVERED.with(|r| r.borrow().get(lost).copied())
	}
}

/// `lost`'s friends recovered it; `inheritor` may act for it.
pub fn recovered(lost: u64, inheritor: u64) {
	RECOVERED.with(|r| r.borrow_mut().insert(lost, inheritor));
}

/// Blocks per quota window.
pub const QUOTA_WINDOW: u64 = 10;
/// A patient's budget per window.
pub const PATIENT_QUOTA: crate::Quota = crate::Quota { transactions: 3, bytes: 300 };
/// The longest transaction of any member but a hospital.
pub const MAX_LENGTH: u32 = 1_000;
/// The priority class of `remark_with_event`; other calls have `PLAIN_PRIORITY`.
pub const NARROWING_PRIORITY: u64 = 20_000;
pub const PLAIN_PRIORITY: u64 = 10_000;

/// The mock's rules. Node accounts may only remark (standing in for the audit calls);
/// `remark_with_event` stands in for a call that narrows access (a suspended patient may
/// send it) and that insurers may not send.
pub struct MockPolicy;

fn narrows(call: &RuntimeCall) -> bool {
	matches!(call, RuntimeCall::System(frame_system::Call::remark_with_event { .. }))
}

impl crate::TransactionPolicy<RuntimeCall> for MockPolicy {
	fn allows(role: Role, call: &RuntimeCall) -> bool {
		match role {
			Role::Node => matches!(call, RuntimeCall::System(frame_system::Call::remark { .. })),
			Role::Insurer => !narrows(call),
			_ => true,
		}
	}
	fn allows_suspended_patient(call: &RuntimeCall) -> bool {
		narrows(call)
	}
	fn max_length(role: Role) -> u32 {
		if role == Role::Hospital {
			u32::MAX
		} else {
			MAX_LENGTH
		}
	}
	fn quota(role: Role) -> crate::Quota {
		match role {
			Role::Patient => PATIENT_QUOTA,
			_ => crate::Quota { transactions: 1_000, bytes: 1_000_000 },
		}
	}
	fn priority(call: &RuntimeCall) -> u64 {
		if narrows(call) {
			NARROWING_PRIORITY
		} else {
			PLAIN_PRIORITY
		}
	}
}

/// The registry's [`crate::MockSigner`], recovering accounts as [`MockRecovery`] sees them.
#[cfg(feature = "runtime-benchmarks")]
pub struct RecoveringSigner;

#[cfg(feature = "runtime-benchmarks")]
impl ehr_primitives::registry::BenchmarkSigner<u64, TestSignature> for RecoveringSigner {
	fn signer(seed: u32) -> u64 {
		<crate::MockSigner as ehr_primitives::registry::BenchmarkSigner<u64, TestSignature>>::signer(
			seed,
		)
	}
	fn sign(signer: &u64, payload: &[u8]) -> TestSignature {
		<crate::MockSigner as ehr_primitives::registry::BenchmarkSigner<u64, TestSignature>>::sign(
			signer, payload,
		)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64, TestSignature> for RecoveringSigner {
	fn recovered(lost: &u64, inheritor: &u64) {
		recovered(*lost, *inheritor);
	}
}

/// `who`'s registration proof as `role` at `hospital` with its test keys, at its current
/// tenure.
pub fn proof(who: u64, role: Role, hospital: u64) -> TestSignature {
	proof_with(who, role, hospital, commitment(who), key(who))
}

/// `who`'s registration proof with the keys given.
pub fn proof_with(
	who: u64,
	role: Role,
	hospital: u64,
	profile_commitment: ProfileCommitment,
	encryption_key: EncryptionKey,
) -> TestSignature {
	let consent = RegistrationConsent {
		genesis: System::block_hash(0),
		account: who,
		role,
		hospital,
		profile_commitment,
		encryption_key,
		tenure: crate::Tenures::<Test>::get(who),
	};
	TestSignature(who, consent.signing_payload())
}

pub const APPLICATION_LIFETIME: u64 = 100;
pub const MAX_CREDENTIAL_LEN: u32 = 16;
pub const MAX_APPLICATIONS_PER_BLOCK: u32 = 3;
pub const POW_TICKET_LIFETIME: u64 = 5;
pub const MAX_PENDING_PER_HOSPITAL: u32 = 5;
pub const MAX_STAFF: u32 = 4;

/// 2023-11-14T22:13:20Z, the wall clock of every test's first block.
pub const NOW: u64 = 1_700_000_000_000;
pub const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;

pub const HOSPITAL: u64 = 1;
pub const OTHER_HOSPITAL: u64 = 2;
pub const ADMIN: u64 = 3;
pub const OTHER_ADMIN: u64 = 4;
pub const DOCTOR: u64 = 10;
pub const PATIENT: u64 = 20;
pub const INSURER: u64 = 30;
/// An account with no standing.
pub const OUTSIDER: u64 = 99;

/// A distinct, valid encryption key per account.
pub fn key(who: u64) -> EncryptionKey {
	let mut key = [0xa5u8; 32];
	key[..8].copy_from_slice(&who.to_le_bytes());
	key
}

/// A distinct, valid profile commitment per account.
pub fn commitment(who: u64) -> ProfileCommitment {
	ProfileCommitment::from_low_u64_be(0x1000 + who)
}

fn member(account: u64, role: Role, hospital: Option<u64>) -> GenesisMember<u64> {
	GenesisMember {
		account,
		role,
		hospital,
		profile_commitment: commitment(account),
		encryption_key: key(account),
		credential_expires_at: (role == Role::Doctor).then_some(NOW + YEAR_MS),
	}
}

pub struct ExtBuilder {
	members: Vec<GenesisMember<u64>>,
	pow_difficulty: u8,
}

impl Default for ExtBuilder {
	/// Two hospitals; the first with an admin, a doctor and a registered patient; an
	/// insurer.
	fn default() -> Self {
		Self {
			members: vec![
				member(HOSPITAL, Role::Hospital, None),
				member(OTHER_HOSPITAL, Role::Hospital, None),
				member(ADMIN, Role::Admin, Some(HOSPITAL)),
				member(OTHER_ADMIN, Role::Admin, Some(OTHER_HOSPITAL)),
				member(DOCTOR, Role::Doctor, Some(HOSPITAL)),
				member(PATIENT, Role::Patient, Some(HOSPITAL)),
				member(INSURER, Role::Insurer, None),
			],
			pow_difficulty: 0,
		}
	}
}

impl ExtBuilder {
	pub fn pow_difficulty(mut self, bits: u8) -> Self {
		self.pow_difficulty = bits;
		self
	}

	pub fn members(mut self, members: Vec<GenesisMember<u64>>) -> Self {
		self.members = members;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let storage = RuntimeGenesisConfig {
			registry: crate::GenesisConfig {
				members: self.members,
				pow_difficulty: self.pow_difficulty,
			},
			..Default::default()
		}
		.build_storage()
		.expect("valid genesis");
		RECOVERED.with(|r| r.borrow_mut().clear());
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			Timestamp::set_timestamp(NOW);
		});
		ext
	}

	/// Runs `test`, then checks the registry's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Registry::do_try_state().expect("registry invariants hold after the test");
		})
	}
}

/// Shorthand for the default test state.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Advances to block `n`, running the registry's `on_initialize` for each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let now = System::block_number();
		// Each finished block gets a hash of its own, as proof-of-work tickets name them.
		frame_system::BlockHash::<Test>::insert(now, sp_core::H256::repeat_byte(now as u8));
		let next = now + 1;
		System::set_block_number(next);
		Registry::on_initialize(next);
	}
}

/// Moves the wall clock to `ms` (what the next block's timestamp would say).
pub fn set_time(ms: u64) {
	pallet_timestamp::Now::<Test>::put(ms);
}

/// The origin `CheckMembership` gives an admitted applicant.
pub fn applicant(who: u64) -> RuntimeOrigin {
	RawOrigin::Applicant(who).into()
}

/// The block an application's ticket names now: the previous one.
pub fn pow_block() -> u64 {
	System::block_number().saturating_sub(1)
}

/// The nonce that makes `who`'s application meet the current difficulty, against
/// `pow_block()`.
pub fn pow_nonce(who: u64, role: ApplicantRole, hospital: u64) -> u64 {
	pow::solve(
		&who,
		role,
		&hospital,
		&commitment(who),
		&key(who),
		&System::block_hash(pow_block()),
		crate::PowDifficulty::<Test>::get(),
	)
}

/// `who` applies to `hospital` with a valid ticket.
pub fn apply(who: u64, role: ApplicantRole, hospital: u64) -> sp_runtime::DispatchResult {
	Registry::apply(
		applicant(who),
		role,
		hospital,
		commitment(who),
		key(who),
		pow_block(),
		pow_nonce(who, role, hospital),
	)
}

/// `node`'s registration proof as the service account of `hospital`'s node.
pub fn proof_node(node: u64, hospital: u64) -> TestSignature {
	let (profile_commitment, encryption_key) = Registry::node_keys(&node);
	proof_with(node, Role::Node, hospital, profile_commitment, encryption_key)
}

/// Registers `who` as a patient of HOSPITAL (with its proof), e.g. a patient's new account.
pub fn register_second_patient(who: u64) {
	frame_support::assert_ok!(Registry::register_patient(
		signed(ADMIN),
		who,
		commitment(who),
		key(who),
		proof(who, Role::Patient, HOSPITAL)
	));
}

pub fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}
