// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Configuration of each pallet in the runtime.

mod council;
mod no_deposit;
pub mod policy;

pub use council::{AbstentionIsNay, OpenProposalSlot};
pub use no_deposit::NoDeposit;
pub use policy::{EhrPolicy, NoRemarks, NodeCalls};

use crate::{
	AccountId, Aura, Block, BlockNumber, Consent, Consortium, Council, Hash, Nonce, PalletInfo,
	Records, Registry, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin,
	RuntimeTask, SessionKeys, Signature, System, Timestamp, DAYS, MINUTES, SESSION_PERIOD,
	SLOT_DURATION, VERSION,
};
use alloc::vec::Vec;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64, ConstU8, Contains},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_runtime::{
	traits::{OpaqueKeys, Verify},
	Perbill,
};

/// Share of a block's weight and length that ordinary transactions may use; the rest is
/// kept for operational calls (e.g. an emergency admin call in a full block).
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Most hospitals of a consortium can be validators at once. Bounds the Aura and GRANDPA
/// authority lists.
pub const MAX_AUTHORITIES: u32 = MAX_HOSPITALS;

/// Largest block, in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: sp_version::RuntimeVersion = VERSION;

	/// One second of weight per block, chosen by measurement: the weights are this
	/// machine's worst cases (every storage access at its `benchmark storage` cost), and a
	/// full block of batched record writes (0.75 s of Normal weight, ~1,050 records) builds
	/// and imports in about 0.5–0.8 s with four validators sharing two cores (README,
	/// "Performance"): inside the 2/3 of the 2 s slot the author may spend proposing, with
	/// time left for every other validator to import. Two seconds (~2,200 records) took
	/// 2.0 s to build and as long to import: slots overran, forks and lost writes followed.
	/// The fixed costs of a block and of an extrinsic are this machine's, measured
	/// (`crate::weights`).
	pub RuntimeBlockWeights: BlockWeights = {
		let max_block = Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX);
		let normal = NORMAL_DISPATCH_RATIO * max_block;
		BlockWeights::builder()
			.base_block(crate::weights::BlockExecutionWeight::get())
			.for_class(DispatchClass::all(), |class| {
				class.base_extrinsic = crate::weights::ExtrinsicBaseWeight::get();
			})
			.for_class(DispatchClass::Normal, |class| class.max_total = Some(normal))
			.for_class(DispatchClass::Operational, |class| {
				class.max_total = Some(max_block);
				class.reserved = Some(max_block - normal);
			})
			.avg_block_initialization(Perbill::from_percent(10))
			.build_or_panic()
	};
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
		})
		.build();

	/// The generic Substrate address prefix: keys show as `5...` in Polkadot.js.
	pub const SS58Prefix: u16 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB; weights use its access costs measured here.
	type DbWeight = crate::weights::ParityDbWeight;
	type Version = Version;
	/// No balances: an account's data is empty.
	type AccountData = ();
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Nobody but root may remark: see `policy`.
	type BaseCallFilter = NoRemarks;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = sp_consensus_aura::sr25519::AuthorityId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	// Equivocation reports are not accepted on chain: validators are known hospitals,
	// and misbehaviour is handled by the consortium, not by slashing.
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

parameter_types! {
	pub const SessionPeriod: BlockNumber = SESSION_PERIOD;
	pub const SessionOffset: BlockNumber = 0;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	/// Each session's validators are the consortium's hospitals.
	type SessionManager = Consortium;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	/// Setting session keys costs no deposit: there is no currency.
	type Currency = NoDeposit<RuntimeHoldReason>;
	type KeyDeposit = ConstU32<0>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A week for a hospital to see an applicant before the application lapses.
	pub const ApplicationLifetime: BlockNumber = 7 * DAYS;
}

/// The hospital council (`pallet-collective`, instance 1).
pub type CouncilCollective = pallet_collective::Instance1;

/// What governs the consortium: a motion of at least two thirds of the hospital council,
/// or — on dev and local chains only, whose genesis sets a sudo key — the bootstrap admin.
pub type ConsortiumAdmin = frame_support::traits::EitherOfDiverse<
	frame_system::EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>,
>;

parameter_types! {
	/// A council motion stays open for a day.
	pub const MotionDuration: BlockNumber = DAYS;
	pub MaxCouncilProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	type DefaultVote = AbstentionIsNay;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Membership follows the consortium; only its own logic (or root) sets it.
	type SetMembersOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxCouncilProposalWeight;
	type DisapproveOrigin = ConsortiumAdmin;
	type KillOrigin = ConsortiumAdmin;
	/// Proposals cost no deposit (there is no currency); a hospital may have only a few
	/// open at once.
	type Consideration = OpenProposalSlot;
}

/// Most hospitals in the consortium: validators, council members.
pub const MAX_HOSPITALS: u32 = 64;

impl pallet_ehr_consortium::Config for Runtime {
	type AdminOrigin = ConsortiumAdmin;
	type Registry = Registry;
	type Council = Council;
	type MaxHospitals = ConstU32<MAX_HOSPITALS>;
	type MinHospitals = ConstU32<4>;
	type MaxNodesPerHospital = ConstU32<8>;
	type MaxPeerIdLen = ConstU32<64>;
	type ValidatorKeys = SessionKeysOfHospitals;
	/// Two thirds of the council, abstentions counting as nays, and nothing else: on a
	/// consortium chain (no sudo key) the only way to Root.
	type RootCallOrigin =
		pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>;
	type RootCalls = CouncilRootCalls;
	type WeightInfo = pallet_ehr_consortium::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = CouncilRootCalls;
}

/// What a two-thirds council motion may dispatch as Root (`consortium.dispatchAsRoot`):
/// runtime upgrades — `system.authorizeUpgrade` (the motion carries the code's hash; anyone
/// then submits the code with `system.applyAuthorizedUpgrade`) or `system.setCode` (the
/// code in the motion) — and `grandpa.noteStalled`, GRANDPA's way out of a stalled
/// finality. Membership, records and consent have their own, narrower origins; nothing
/// else here needs Root, and arbitrary storage writes must never be a vote away.
pub struct CouncilRootCalls;

impl Contains<RuntimeCall> for CouncilRootCalls {
	fn contains(call: &RuntimeCall) -> bool {
		matches!(
			call,
			RuntimeCall::System(
				frame_system::Call::set_code { .. } | frame_system::Call::authorize_upgrade { .. }
			) | RuntimeCall::Grandpa(pallet_grandpa::Call::note_stalled { .. })
		)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_ehr_consortium::BenchmarkHelper<RuntimeCall> for CouncilRootCalls {
	fn root_call() -> RuntimeCall {
		RuntimeCall::System(frame_system::Call::authorize_upgrade {
			code_hash: Hash::repeat_byte(1),
		})
	}
}

/// The hospitals' session keys, in `pallet-session`.
pub struct SessionKeysOfHospitals;

impl pallet_ehr_consortium::ValidatorKeys<AccountId> for SessionKeysOfHospitals {
	fn purge(hospital: &AccountId) {
		// As the hospital itself would: drops the keys and the consumer reference they
		// held. A hospital that never set keys has none to drop (`NoKeys`): nothing to do.
		let _ =
			pallet_session::Pallet::<Runtime>::purge_keys(RuntimeOrigin::signed(hospital.clone()));
	}
}

impl pallet_ehr_registry::Config for Runtime {
	type AdminOrigin = ConsortiumAdmin;
	type ApplicantOrigin = pallet_ehr_registry::EnsureApplicant<Runtime>;
	type Time = Timestamp;
	type MaxCredentialLen = ConstU32<64>;
	type ApplicationLifetime = ApplicationLifetime;
	type MaxApplicationsPerBlock = ConstU32<64>;
	/// 32 bits is ~4 billion hashes per application: enough to stop any flood.
	type MaxPowDifficulty = ConstU8<32>;
	/// Two minutes to submit an application after working its ticket.
	type PowTicketLifetime = ConstU32<{ 2 * MINUTES }>;
	/// A hospital's front desk for a week (applications live `ApplicationLifetime`).
	type MaxPendingApplicationsPerHospital = ConstU32<1_024>;
	type MaxStaffPerHospital = ConstU32<10_000>;
	/// Registration proofs are signed as transactions are: sr25519 (Polkadot.js), ed25519
	/// or ecdsa.
	type OffchainSignature = Signature;
	type SigningPublicKey = <Signature as Verify>::Signer;
	type Recovery = RecoveredByFriends;
	type Policy = EhrPolicy;
	type QuotaWindow = ConstU32<{ policy::QUOTA_WINDOW }>;
	/// A person recovered eight times in a row has other problems.
	type MaxPredecessors = ConstU32<8>;
	type WeightInfo = pallet_ehr_registry::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::BenchmarkSetup;
}

/// Accounts whose friends recovered them, as `pallet-recovery` knows them.
pub struct RecoveredByFriends;

impl ehr_primitives::registry::RecoveredAccounts<AccountId> for RecoveredByFriends {
	fn inheritor(lost: &AccountId) -> Option<AccountId> {
		pallet_recovery::Pallet::<Runtime>::inheritor(lost.clone())
	}
}

impl pallet_recovery::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type RuntimeHoldReason = RuntimeHoldReason;
	type BlockNumberProvider = System;
	/// No currency: every deposit is zero (see `NoDeposit`).
	type Currency = NoDeposit<RuntimeHoldReason>;
	type FriendGroupsConsideration = ();
	type AttemptConsideration = ();
	type InheritorConsideration = ();
	type SecurityDeposit = ConstU32<0>;
	type Slash = ();
	type MaxFriendsPerConfig = ConstU32<8>;
	type WeightInfo = pallet_recovery::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Two weeks for a patient to answer a facility's request.
	pub const RequestLifetime: BlockNumber = 14 * DAYS;
	/// Four hours of emergency access, renewable by opening it again.
	pub const BreakGlassDuration: u64 = 4 * 60 * 60 * 1000;
	/// A month for a patient to confirm a new record.
	pub const PendingLifetime: BlockNumber = 30 * DAYS;
}

impl pallet_ehr_consent::Config for Runtime {
	type Registry = Registry;
	type Records = Records;
	type Time = Timestamp;
	type MaxGrantsPerGrantee = ConstU32<8>;
	type MaxGuardians = ConstU32<4>;
	type RequestLifetime = RequestLifetime;
	type MaxRequestsPerBlock = ConstU32<128>;
	/// An insurer's claims in flight; a quarter of a block's request slots.
	type MaxOpenRequestsPerRequester = ConstU32<32>;
	type BreakGlassDuration = BreakGlassDuration;
	/// A night shift's emergencies; then the hospital must look at them.
	type MaxUnreviewedBreakGlass = ConstU32<8>;
	/// A month without emergency access after an unjustified one.
	type UnjustifiedBreakGlassBar = ConstU64<{ 30 * 24 * 60 * 60 * 1000 }>;
	/// Ten minutes of re-reading one record (a clinician scrolling, a page reloading) is
	/// one audit entry with a count.
	type ReadCoalescingWindow = ConstU64<{ 10 * 60 * 1000 }>;
	type MaxPageSize = ConstU32<100>;
	type WeightInfo = pallet_ehr_consent::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::BenchmarkSetup;
}

parameter_types! {
	/// A key request may be five minutes off the block's clock (as nodes accept them).
	pub const MaxRequestAge: u64 = 5 * 60 * 1000;
	/// Released requests are remembered for twice their age limit, and a margin.
	pub const ReleaseMemory: BlockNumber = 11 * MINUTES;
}

/// The consortium's hospitals: the custodians and escrow holders of record keys.
pub struct ConsortiumHospitals;

impl frame_support::traits::Get<Vec<AccountId>> for ConsortiumHospitals {
	fn get() -> Vec<AccountId> {
		Consortium::hospitals()
	}
}

impl pallet_ehr_records::Config for Runtime {
	type Registry = Registry;
	type Access = Consent;
	type Time = Timestamp;
	/// An ephemeral x25519 key (32), a nonce (24) and the sealed 32-byte key with its tag
	/// (48) take 104 bytes (an escrow share, 33 bytes sealed, 105); 128 leaves room for a
	/// version byte and algorithm ids.
	type MaxWrappedKeyLen = ConstU32<128>;
	type MaxReadersPerRecord = ConstU32<32>;
	type PendingLifetime = PendingLifetime;
	type MaxPageSize = ConstU32<100>;
	type Hospitals = ConsortiumHospitals;
	type AdminOrigin = ConsortiumAdmin;
	type OffchainSignature = Signature;
	type SigningPublicKey = <Signature as Verify>::Signer;
	type MaxEscrowHolders = ConstU32<MAX_HOSPITALS>;
	type MaxRequestAge = MaxRequestAge;
	type ReleaseMemory = ReleaseMemory;
	/// 1,024 releases a block is 512 a second at 2 s slots.
	type MaxReleasesPerBlock = ConstU32<1024>;
	/// 64 records with three escrow shares each take about 48 KiB, within a member's
	/// transaction length (`policy::MEMBER_MAX_LENGTH`, 64 KiB); a doctor's byte budget
	/// bounds how many a minute.
	type MaxBatchRecords = ConstU32<64>;
	type WeightInfo = pallet_ehr_records::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::BenchmarkSetup;
}
