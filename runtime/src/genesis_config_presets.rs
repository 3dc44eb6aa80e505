//! Genesis presets: the starting state of a dev or local consortium chain.
//!
//! - `development`: one hospital (Alice) validating; Alice is also the bootstrap admin.
//!   Sample members: Bob a doctor and Eve an admin at Alice's hospital, Charlie a patient,
//!   Dave an insurer. Applications need no proof of work.
//! - `local_testnet`: four hospitals (Alice, Bob, Charlie, Dave) validating, for a local
//!   consortium on 127.0.0.1; Alice is the bootstrap admin. Eve is a doctor at Alice's
//!   hospital, Ferdie a patient. Applications need 16 bits of proof of work.
//!
//! Both use the well-known development keys and placeholder encryption keys and profile
//! commitments, so they must never hold real data.

use crate::{
	AccountId, RegistryConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
};
use alloc::{vec, vec::Vec};
use ehr_primitives::registry::Role;
use frame_support::build_struct_json_patch;
use pallet_ehr_registry::GenesisMember;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// A hospital that validates from genesis: its account and its session keys.
pub struct GenesisHospital {
	pub account: AccountId,
	pub aura: AuraId,
	pub grandpa: GrandpaId,
}

impl GenesisHospital {
	/// The hospital run by a development key (`//Alice`, ...), whose node is started with
	/// the matching `--alice`, `--bob`, ... flag.
	pub fn dev(sr25519: Sr25519Keyring, ed25519: Ed25519Keyring) -> Self {
		Self {
			account: sr25519.to_account_id(),
			aura: sr25519.public().into(),
			grandpa: ed25519.public().into(),
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

/// The genesis state of a consortium: validator hospitals, other members (hospitals
/// first), the proof-of-work difficulty of applications, and the bootstrap admin.
pub fn consortium_genesis(
	validators: Vec<GenesisHospital>,
	members: Vec<GenesisMember<AccountId>>,
	pow_difficulty: u8,
	admin: Option<AccountId>,
) -> Value {
	let keys = validators
		.into_iter()
		.map(|h| (h.account.clone(), h.account, SessionKeys { aura: h.aura, grandpa: h.grandpa }))
		.collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		session: SessionConfig { keys },
		registry: RegistryConfig { members, pow_difficulty },
		sudo: SudoConfig { key: admin },
	})
}

fn development_genesis() -> Value {
	use Sr25519Keyring::*;
	consortium_genesis(
		vec![GenesisHospital::dev(Alice, Ed25519Keyring::Alice)],
		vec![
			dev_member(Alice, Role::Hospital, None),
			dev_member(Bob, Role::Doctor, Some(Alice)),
			dev_member(Eve, Role::Admin, Some(Alice)),
			dev_member(Charlie, Role::Patient, Some(Alice)),
			dev_member(Dave, Role::Insurer, None),
		],
		0,
		Some(Alice.to_account_id()),
	)
}

fn local_testnet_genesis() -> Value {
	use Sr25519Keyring::*;
	consortium_genesis(
		vec![
			GenesisHospital::dev(Alice, Ed25519Keyring::Alice),
			GenesisHospital::dev(Bob, Ed25519Keyring::Bob),
			GenesisHospital::dev(Charlie, Ed25519Keyring::Charlie),
			GenesisHospital::dev(Dave, Ed25519Keyring::Dave),
		],
		vec![
			dev_member(Alice, Role::Hospital, None),
			dev_member(Bob, Role::Hospital, None),
			dev_member(Charlie, Role::Hospital, None),
			dev_member(Dave, Role::Hospital, None),
			dev_member(Eve, Role::Doctor, Some(Alice)),
			dev_member(Ferdie, Role::Patient, Some(Alice)),
		],
		16,
		Some(Alice.to_account_id()),
	)
}

/// The JSON patch of the preset `id`, if this runtime has it.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
