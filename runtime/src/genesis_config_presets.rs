// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Genesis presets: the starting state of a consortium chain.
//!
//! - `development`: one hospital (Alice) validating; Alice is also the bootstrap admin.
//!   Sample members: Bob a doctor and Eve an admin at Alice's hospital, Charlie a patient,
//!   Dave an insurer. Applications need no proof of work.
//! - `local_testnet`: four hospitals (Alice, Bob, Charlie, Dave) validating, for a local
//!   consortium on 127.0.0.1; Alice is the bootstrap admin. Eve is a doctor at Alice's
//!   hospital, Two (`//Two`) a doctor at Bob's, Ferdie a patient, One (`//One`) an insurer. Applications need 16 bits of
//!   proof of work.
//! - `consortium`: the same four hospitals governed by their council alone: no bootstrap
//!   admin, every change of the consortium is a two-thirds council motion.
//!
//! Each hospital has a node service account (`//Alice//node`, ...) and a custody key, the
//! x25519 key its nodes hold record keys with, derived as the `ehr` client derives an
//! encryption key from `//Alice//custody`, ...; the local and consortium presets escrow
//! record keys with a threshold of 2 (see `docs/keys.md`).
//!
//! All use the well-known development keys, fixed development node keys and placeholder
//! encryption keys and profile commitments, so they must never hold real data.

use crate::{
	AccountId, ConsortiumConfig, CouncilConfig, RecordsConfig, RegistryConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
};
use alloc::{vec, vec::Vec};
use ehr_primitives::{
	consortium::PeerIdBytes,
	registry::{EncryptionKey, Role},
};
use frame_support::build_struct_json_patch;
use hex_literal::hex;
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
	hex!("19421b15abf1f6a91f463f774a015c72ace4988dae001606cdc1fb4f9e9475d3"),
	hex!("abc9636bae42e78e80689848f44088e6736cd497cd448f3de3e0fd3a592d1320"),
	hex!("0b1aa8cc44cb11c20ddfb2032451aa4fda3ee565da2a2778e3a55fccb3977042"),
	hex!("77aecc0e7d0bc79bc76cef7469d4b81490e2e8e0c967e2084f03988bd0fe53cb"),
];

/// The development hospitals' node service accounts: the sr25519 public keys of
/// `//Alice//node`, `//Bob//node`, `//Charlie//node` and `//Dave//node`. A development
/// node started with `--alice`, ... signs with the matching one.
pub const DEV_NODE_ACCOUNTS: [[u8; 32]; 4] = [
	hex!("d66109c5a8f9d19acd8a3ab8ea068e9a985e481be8f4c90262a199a484179d6e"),
	hex!("f88ec9ebf0b71ce27c993964b980eb77e820fdcc29a93b1a473b1b53aa444936"),
	hex!("84ce682445c827ffa6a8127c8bca3a8c51528e2102d5aec60a88db4b5c310971"),
	hex!("5235cccd29b6c44e9046a488722a77a1219e3d2efabc4a4afafaac3c96cd8516"),
];

/// The development hospitals' custody keys: the x25519 encryption keys the `ehr` client
/// derives from `//Alice//custody`, `//Bob//custody`, `//Charlie//custody` and
/// `//Dave//custody`. A development node started with `--alice`, ... holds the matching
/// secret.
pub const DEV_CUSTODY_KEYS: [EncryptionKey; 4] = [
	hex!("1c9f77a259efa3c8d6f63c3710e9d3dc60b4b700482bdb7dc011c09dca528806"),
	hex!("d59332bbf65ed615978e662b15b67f8c9117bd8101294420fa62f27f324c2207"),
	hex!("cdbd13e8bdf0ffdb72836580336cc95ffe89d2fc51b304b57850c9586c3ded24"),
	hex!("caf90c4600d0e2a67035580e38fae74ead7729fca105985579054c32c81f091d"),
];

/// The libp2p peer id of an Ed25519 node key: an identity multihash of the protobuf-
/// encoded public key.
pub fn ed25519_peer_id(public: &[u8; 32]) -> PeerIdBytes {
	let mut id = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	id.extend_from_slice(public);
	id
}

/// A hospital that validates from genesis: its account, session keys, node, node service
/// account and custody key.
pub struct GenesisHospital {
	pub account: AccountId,
	pub aura: AuraId,
	pub grandpa: GrandpaId,
	pub node: PeerIdBytes,
	pub node_account: AccountId,
	pub custody_key: EncryptionKey,
}

impl GenesisHospital {
	/// The `index`-th development hospital (`//Alice`, ...), whose node is started with the
	/// matching `--alice`, `--bob`, ... flag and development node key.
	pub fn dev(index: usize, sr25519: Sr25519Keyring, ed25519: Ed25519Keyring) -> Self {
		Self {
			account: sr25519.to_account_id(),
			aura: sr25519.public().into(),
			grandpa: ed25519.public().into(),
			node: ed25519_peer_id(&DEV_NODE_KEYS[index]),
			node_account: AccountId::from(DEV_NODE_ACCOUNTS[index]),
			custody_key: DEV_CUSTODY_KEYS[index],
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
/// registry members with their custody keys and node service accounts, authorized nodes),
/// other members, the proof-of-work difficulty of applications, the escrow threshold of
/// record keys, and the bootstrap admin, if any.
pub fn consortium_genesis(
	hospitals: Vec<GenesisHospital>,
	members: Vec<GenesisMember<AccountId>>,
	pow_difficulty: u8,
	escrow_threshold: u8,
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
	let hospital_members = hospitals.iter().map(|h| GenesisMember {
		encryption_key: h.custody_key,
		..GenesisMember::placeholder(h.account.clone(), Role::Hospital, None)
	});
	let node_members = hospitals.iter().map(|h| {
		GenesisMember::placeholder(h.node_account.clone(), Role::Node, Some(h.account.clone()))
	});
	let members: Vec<GenesisMember<AccountId>> =
		hospital_members.chain(node_members).chain(members).collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		session: SessionConfig { keys },
		registry: RegistryConfig { members, pow_difficulty },
		council: CouncilConfig { members: council },
		consortium: ConsortiumConfig { hospitals: founders },
		records: RecordsConfig { escrow_threshold },
		sudo: SudoConfig { key: admin },
	})
}

fn development_genesis() -> Value {
	use Sr25519Keyring::*;
	consortium_genesis(
		vec![GenesisHospital::dev(0, Alice, Ed25519Keyring::Alice)],
		vec![
			dev_member(Bob, Role::Doctor, Some(Alice)),
			dev_member(Eve, Role::Admin, Some(Alice)),
			dev_member(Charlie, Role::Patient, Some(Alice)),
			dev_member(Dave, Role::Insurer, None),
		],
		0,
		// One hospital: no other hospital to escrow with.
		0,
		Some(Alice.to_account_id()),
	)
}

/// The four hospitals of the local consortium.
pub fn local_hospitals() -> Vec<GenesisHospital> {
	use Sr25519Keyring::*;
	vec![
		GenesisHospital::dev(0, Alice, Ed25519Keyring::Alice),
		GenesisHospital::dev(1, Bob, Ed25519Keyring::Bob),
		GenesisHospital::dev(2, Charlie, Ed25519Keyring::Charlie),
		GenesisHospital::dev(3, Dave, Ed25519Keyring::Dave),
	]
}

/// The sample members of the local consortium (doctors, a patient, an insurer).
pub fn local_members() -> Vec<GenesisMember<AccountId>> {
	use Sr25519Keyring::*;
	vec![
		dev_member(Eve, Role::Doctor, Some(Alice)),
		dev_member(Ferdie, Role::Patient, Some(Alice)),
		dev_member(One, Role::Insurer, None),
		dev_member(Two, Role::Doctor, Some(Bob)),
	]
}

/// Escrow shares that rebuild a record key on the local and consortium chains: any two
/// of the three hospitals other than a record's custodian.
const LOCAL_ESCROW_THRESHOLD: u8 = 2;

/// The JSON patch of the preset `id`, if this runtime has it.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => consortium_genesis(
			local_hospitals(),
			local_members(),
			16,
			LOCAL_ESCROW_THRESHOLD,
			Some(Sr25519Keyring::Alice.to_account_id()),
		),
		CONSORTIUM_PRESET => {
			consortium_genesis(local_hospitals(), local_members(), 16, LOCAL_ESCROW_THRESHOLD, None)
		}
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
