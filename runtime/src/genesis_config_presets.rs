//! Genesis presets: the starting state of a consortium chain.
//!
//! - `development`: one hospital (Alice) validating; Alice is also the bootstrap admin.
//!   Sample members: Bob a doctor and Eve an admin at Alice's hospital, Charlie a patient,
//!   Dave an insurer. Applications need no proof of work.
//! - `local_testnet`: four hospitals (Alice, Bob, Charlie, Dave) validating, for a local
//!   consortium on 127.0.0.1; Alice is the bootstrap admin. Eve is a doctor at Alice's
//!   hospital, Ferdie a patient, One (`//One`) an insurer. Applications need 16 bits of
//!   proof of work.
//! - `consortium`: the same four hospitals governed by their council alone: no bootstrap
//!   admin, every change of the consortium is a two-thirds council motion.
//!
//! All use the well-known development keys, fixed development node keys and placeholder
//! encryption keys and profile commitments, so they must never hold real data.

use crate::{
	AccountId, ConsortiumConfig, CouncilConfig, RegistryConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, SudoConfig,
};
use alloc::{vec, vec::Vec};
use ehr_primitives::{consortium::PeerIdBytes, registry::Role};
use frame_support::build_struct_json_patch;
use pallet_ehr_registry::GenesisMember;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The name of the preset governed by its council alone.
pub const CONSORTIUM_PRESET: &str = "consortium";

/// The Ed25519 public keys of the development node keys `0x…e5`, `0x…e6`, `0x…e7` and
/// `0x…e8` (32 bytes, the number in the last byte), which `scripts/run-local.sh`, the test
/// harness and the compose file give Alice's, Bob's, Charlie's and Dave's nodes.
const DEV_NODE_KEYS: [[u8; 32]; 4] = [
	hex32("19421b15abf1f6a91f463f774a015c72ace4988dae001606cdc1fb4f9e9475d3"),
	hex32("abc9636bae42e78e80689848f44088e6736cd497cd448f3de3e0fd3a592d1320"),
	hex32("0b1aa8cc44cb11c20ddfb2032451aa4fda3ee565da2a2778e3a55fccb3977042"),
	hex32("77aecc0e7d0bc79bc76cef7469d4b81490e2e8e0c967e2084f03988bd0fe53cb"),
];

/// 32 bytes from 64 hex digits, at compile time.
const fn hex32(hex: &str) -> [u8; 32] {
	const fn digit(c: u8) -> u8 {
		match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => panic!("not a lower-case hex digit"),
		}
	}
	let bytes = hex.as_bytes();
	let mut out = [0u8; 32];
	let mut i = 0;
	while i < 32 {
		out[i] = digit(bytes[2 * i]) << 4 | digit(bytes[2 * i + 1]);
		i += 1;
	}
	out
}

/// The libp2p peer id of an Ed25519 node key: an identity multihash of the protobuf-
/// encoded public key.
fn ed25519_peer_id(public: &[u8; 32]) -> PeerIdBytes {
	let mut id = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	id.extend_from_slice(public);
	id
}

/// A hospital that validates from genesis: its account, session keys and node.
pub struct GenesisHospital {
	pub account: AccountId,
	pub aura: AuraId,
	pub grandpa: GrandpaId,
	pub node: PeerIdBytes,
}

impl GenesisHospital {
	/// The hospital run by a development key (`//Alice`, ...), whose node is started with
	/// the matching `--alice`, `--bob`, ... flag and development node key.
	pub fn dev(sr25519: Sr25519Keyring, ed25519: Ed25519Keyring, node_key: &[u8; 32]) -> Self {
		Self {
			account: sr25519.to_account_id(),
			aura: sr25519.public().into(),
			grandpa: ed25519.public().into(),
			node: ed25519_peer_id(node_key),
		}
	}
}

/// A member of a dev chain with placeholder keys (see `GenesisMember::placeholder`).
fn dev_member(
	who: Sr25519Keyring,
	role: Role,
	hospital: Option<Sr25519Keyring>,
) -> GenesisMember<AccountId> {
	GenesisMember::placeholder(who.to_account_id(), role, hospital.map(|h| h.to_account_id()))
}

/// The genesis state of a consortium: its founding hospitals (validators, council, first
/// registry members, authorized nodes), other members, the proof-of-work difficulty of
/// applications, and the bootstrap admin, if any.
pub fn consortium_genesis(
	hospitals: Vec<GenesisHospital>,
	members: Vec<GenesisMember<AccountId>>,
	pow_difficulty: u8,
	admin: Option<AccountId>,
) -> Value {
	let keys = hospitals
		.iter()
		.map(|h| {
			let keys = SessionKeys { aura: h.aura.clone(), grandpa: h.grandpa.clone() };
			(h.account.clone(), h.account.clone(), keys)
		})
		.collect::<Vec<_>>();
	let mut council: Vec<AccountId> = hospitals.iter().map(|h| h.account.clone()).collect();
	council.sort();
	let founders: Vec<(AccountId, Vec<PeerIdBytes>)> =
		hospitals.iter().map(|h| (h.account.clone(), vec![h.node.clone()])).collect();
	let members: Vec<GenesisMember<AccountId>> = hospitals
		.iter()
		.map(|h| GenesisMember::placeholder(h.account.clone(), Role::Hospital, None))
		.chain(members)
		.collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		session: SessionConfig { keys },
		registry: RegistryConfig { members, pow_difficulty },
		council: CouncilConfig { members: council },
		consortium: ConsortiumConfig { hospitals: founders },
		sudo: SudoConfig { key: admin },
	})
}

fn development_genesis() -> Value {
	use Sr25519Keyring::*;
	consortium_genesis(
		vec![GenesisHospital::dev(Alice, Ed25519Keyring::Alice, &DEV_NODE_KEYS[0])],
		vec![
			dev_member(Bob, Role::Doctor, Some(Alice)),
			dev_member(Eve, Role::Admin, Some(Alice)),
			dev_member(Charlie, Role::Patient, Some(Alice)),
			dev_member(Dave, Role::Insurer, None),
		],
		0,
		Some(Alice.to_account_id()),
	)
}

/// The four hospitals of the local consortium.
fn local_hospitals() -> Vec<GenesisHospital> {
	use Sr25519Keyring::*;
	vec![
		GenesisHospital::dev(Alice, Ed25519Keyring::Alice, &DEV_NODE_KEYS[0]),
		GenesisHospital::dev(Bob, Ed25519Keyring::Bob, &DEV_NODE_KEYS[1]),
		GenesisHospital::dev(Charlie, Ed25519Keyring::Charlie, &DEV_NODE_KEYS[2]),
		GenesisHospital::dev(Dave, Ed25519Keyring::Dave, &DEV_NODE_KEYS[3]),
	]
}

fn local_members() -> Vec<GenesisMember<AccountId>> {
	use Sr25519Keyring::*;
	vec![
		dev_member(Eve, Role::Doctor, Some(Alice)),
		dev_member(Ferdie, Role::Patient, Some(Alice)),
		dev_member(One, Role::Insurer, None),
	]
}

/// The JSON patch of the preset `id`, if this runtime has it.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => consortium_genesis(
			local_hospitals(),
			local_members(),
			16,
			Some(Sr25519Keyring::Alice.to_account_id()),
		),
		CONSORTIUM_PRESET => consortium_genesis(local_hospitals(), local_members(), 16, None),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(CONSORTIUM_PRESET),
	]
}
