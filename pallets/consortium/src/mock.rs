// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A test runtime with the real registry and the consortium, and a recorded council.

use crate as pallet_ehr_consortium;
use ehr_primitives::registry::Role;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ChangeMembers, ConstU32, ConstU64, ConstU8, Contains},
};
use pallet_ehr_registry::GenesisMember;
use sp_runtime::BuildStorage;
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Registry: pallet_ehr_registry,
		Consortium: pallet_ehr_consortium,
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

impl crate::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type Registry = Registry;
	type Council = RecordedCouncil;
	type MaxHospitals = ConstU32<MAX_HOSPITALS>;
	type MinHospitals = ConstU32<MIN_HOSPITALS>;
	type MaxNodesPerHospital = ConstU32<MAX_NODES>;
	type MaxPeerIdLen = ConstU32<64>;
	type ValidatorKeys = RecordedKeys;
	type RootCallOrigin = frame_system::EnsureRoot<u64>;
	type RootCalls = MockRootCalls;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockRootCalls;
}

/// The calls the mock's council may dispatch as Root: storage writes (to observe), heap
/// pages, and runtime code.
pub struct MockRootCalls;

impl Contains<RuntimeCall> for MockRootCalls {
	fn contains(call: &RuntimeCall) -> bool {
		matches!(
			call,
			RuntimeCall::System(
				frame_system::Call::set_storage { .. }
					| frame_system::Call::set_heap_pages { .. }
					| frame_system::Call::set_code { .. }
			)
		)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<RuntimeCall> for MockRootCalls {
	fn root_call() -> RuntimeCall {
		RuntimeCall::System(frame_system::Call::set_heap_pages { pages: 64 })
	}
}

pub const MAX_HOSPITALS: u32 = 6;
pub const MIN_HOSPITALS: u32 = 4;
pub const MAX_NODES: u32 = 2;

/// The founding hospitals.
pub const FOUNDERS: [u64; 4] = [1, 2, 3, 4];
/// A hospital applying to join.
pub const NEWCOMER: u64 = 5;
pub const DOCTOR: u64 = 10;

thread_local! {
	static COUNCIL: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// The council's membership as the consortium sets it.
pub struct RecordedCouncil;

impl ChangeMembers<u64> for RecordedCouncil {
	fn change_members_sorted(_incoming: &[u64], _outgoing: &[u64], sorted_new: &[u64]) {
		COUNCIL.with(|c| *c.borrow_mut() = sorted_new.to_vec());
	}
}

thread_local! {
	static PURGED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Remembers whose session keys the consortium purged.
pub struct RecordedKeys;

impl crate::ValidatorKeys<u64> for RecordedKeys {
	fn purge(hospital: &u64) {
		PURGED.with(|p| p.borrow_mut().push(*hospital));
	}
}

/// The hospitals whose session keys were purged, in order.
pub fn purged_keys() -> Vec<u64> {
	PURGED.with(|p| p.borrow().clone())
}

pub fn council() -> Vec<u64> {
	COUNCIL.with(|c| c.borrow().clone())
}

/// An Ed25519 libp2p peer id (identity multihash of a 32-byte key + protobuf header).
pub fn peer(seed: u8) -> Vec<u8> {
	let mut id = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	id.extend([seed; 32]);
	id
}

/// The network key of a node made from `seed`.
pub fn node_key(seed: u8) -> sp_core::ed25519::Pair {
	use sp_core::Pair;
	sp_core::ed25519::Pair::from_seed(&[seed; 32])
}

/// The Ed25519 peer id of the node with key `node_key(seed)`.
pub fn node_peer(seed: u8) -> Vec<u8> {
	use sp_core::Pair;
	let mut id = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	id.extend(node_key(seed).public().0);
	id
}

/// The proof that node `seed`'s key agrees to be `hospital`'s.
pub fn node_proof(hospital: u64, seed: u8) -> [u8; 64] {
	use sp_core::Pair;
	let payload = ehr_primitives::consortium::node_key_payload(&hospital, &node_peer(seed));
	node_key(seed).sign(&payload).0
}

/// `hospital` authorizes node `seed`, with the node key's proof.
pub fn add_node(hospital: u64, seed: u8) -> sp_runtime::DispatchResult {
	Consortium::add_node(
		RuntimeOrigin::signed(hospital),
		node_peer(seed),
		node_proof(hospital, seed),
	)
}

/// Builds the state tests start from.
#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	/// Four founding hospitals (one with a doctor), each with one node.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut members: Vec<_> =
			FOUNDERS.iter().map(|h| GenesisMember::placeholder(*h, Role::Hospital, None)).collect();
		members.push(GenesisMember::placeholder(DOCTOR, Role::Doctor, Some(1)));
		let storage = RuntimeGenesisConfig {
			registry: pallet_ehr_registry::GenesisConfig { members, pow_difficulty: 0 },
			consortium: crate::GenesisConfig {
				hospitals: FOUNDERS.iter().map(|h| (*h, vec![peer(*h as u8)])).collect(),
			},
			..Default::default()
		}
		.build_storage()
		.expect("valid genesis");
		let mut ext = sp_io::TestExternalities::new(storage);
		// The benchmarks make node keys in a keystore, as they do on a real node.
		ext.register_extension(sp_keystore::KeystoreExt::new(
			sp_keystore::testing::MemoryKeystore::new(),
		));
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks the consortium pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Consortium::do_try_state().expect("consortium invariants hold after the test");
		});
	}
}

/// Shorthand for the default test state.
// Every pallet's mock starts the same way, `ExtBuilder::default()`, whatever its fields.
#[allow(clippy::default_constructed_unit_structs)]
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

pub fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}
