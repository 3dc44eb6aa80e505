// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Who signs the fuzzer's transactions, and the chain they start on.
//!
//! The actors are the local consortium's genesis accounts (four hospitals, their node
//! service accounts, doctors, a patient, an insurer) and a few accounts with no standing
//! that may apply, be registered or be appointed. Their keys are the development keys.

use ehr_primitives::AccountId;
use ehr_runtime::{
	genesis_config_presets::{consortium_genesis, local_hospitals, local_members},
	RuntimeGenesisConfig,
};
use sp_core::{ed25519, sr25519, Pair};
use sp_runtime::{BuildStorage, Storage};
use std::sync::OnceLock;

/// How many accounts with no standing at genesis take part.
const NEWCOMERS: usize = 6;
/// How many Ed25519 node keys hospitals may authorize nodes with (`consortium.add_node`).
const NODE_KEYS: usize = 3;

/// A signer of transactions.
pub struct Actor {
	pub pair: sr25519::Pair,
	pub account: AccountId,
}

/// The actors and the node keys, derived once per process.
pub struct Actors {
	pub signers: Vec<Actor>,
	pub node_keys: Vec<ed25519::Pair>,
}

impl Actors {
	pub fn get() -> &'static Actors {
		static ACTORS: OnceLock<Actors> = OnceLock::new();
		ACTORS.get_or_init(|| {
			let mut uris: Vec<String> = ["Alice", "Bob", "Charlie", "Dave"]
				.iter()
				.flat_map(|name| [format!("//{name}"), format!("//{name}//node")])
				.collect();
			uris.extend(["//Eve", "//Ferdie", "//One", "//Two"].map(String::from));
			uris.extend((0..NEWCOMERS).map(|i| format!("//Newcomer{i}")));
			let signers = uris
				.iter()
				.map(|uri| {
					let pair = sr25519::Pair::from_string(uri, None).expect("a valid dev uri");
					Actor { account: AccountId::from(pair.public()), pair }
				})
				.collect();
			let node_keys = (0..NODE_KEYS)
				.map(|i| {
					ed25519::Pair::from_string(&format!("//FuzzNode{i}"), None)
						.expect("a valid dev uri")
				})
				.collect();
			Actors { signers, node_keys }
		})
	}

	/// The actor whose account is `account`.
	pub fn by_account(&self, account: &AccountId) -> Option<&Actor> {
		self.signers.iter().find(|a| &a.account == account)
	}
}

/// The genesis the fuzzer's chains start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Genesis {
	/// The local consortium with Alice as the bootstrap admin (`sudo`).
	WithAdmin,
	/// The same consortium governed by its council alone, as in production.
	CouncilOnly,
}

impl Genesis {
	/// The genesis storage, built once per process.
	pub fn storage(self) -> &'static Storage {
		static WITH_ADMIN: OnceLock<Storage> = OnceLock::new();
		static COUNCIL_ONLY: OnceLock<Storage> = OnceLock::new();
		let (cell, admin) = match self {
			Genesis::WithAdmin => {
				(&WITH_ADMIN, Some(sp_keyring::Sr25519Keyring::Alice.to_account_id()))
			}
			Genesis::CouncilOnly => (&COUNCIL_ONLY, None),
		};
		cell.get_or_init(|| build_storage(admin))
	}
}

/// The local consortium's genesis, but with no proof of work for applications: the fuzzer
/// cannot mine tickets, and the pool's ticket check is not what it explores.
fn build_storage(admin: Option<AccountId>) -> Storage {
	let patch = consortium_genesis(local_hospitals(), local_members(), 0, 2, admin);
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).expect("genesis to json");
	merge(&mut config, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("a valid genesis");
	config.build_storage().expect("genesis storage")
}

/// Merges the JSON `patch` into `base`, objects key by key (as chain-spec presets are).
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}
