// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-node founding`: the founding ceremony of a consortium chain, with the founding
//! hospitals' own keys (the `consortium` preset uses the well-known development keys).
//!
//! 1. Each founding hospital, on its own machine, runs `founding keys`: it generates its
//!    node's network key, its session keys (Aura, GRANDPA) and node service account in the
//!    node's keystore, and its custody key, all under the node's base path, and writes
//!    `founder.json` with their **public** parts only. Its governance account is given
//!    (`--account`, from the hospital's own wallet) or generated into a phrase file for
//!    the hospital to move offline.
//! 2. The founders exchange their `founder.json` files (e-mail is fine: nothing in them
//!    is secret, but each founder should confirm its own by another channel).
//! 3. Each founder runs `founding assemble` over all of them and gets the same raw chain
//!    spec (founders are sorted by account; the same files give the same bytes), and
//!    compares the printed SHA-256 with the others'. No development key is in it, no sudo
//!    key: from the first block every change is a two-thirds council motion.

use ehr_primitives::AccountId;
use ehr_runtime::genesis_config_presets::{consortium_genesis, ed25519_peer_id, GenesisHospital};
use sc_service::{config::KeystoreConfig, ChainType, KeystoreContainer};
use serde::{Deserialize, Serialize};
use sp_core::{
	crypto::{key_types, Ss58Codec},
	ed25519, sr25519, Pair,
};
use sp_keystore::Keystore;
use std::{collections::HashSet, io::Write, path::PathBuf};
use zeroize::Zeroizing;

/// Fewest founding hospitals: four is the smallest set in which GRANDPA finality survives
/// one hospital going down (the consortium pallet's `MinHospitals`).
pub const MIN_FOUNDERS: usize = 4;

/// `ehr-node founding`: found a consortium chain with the hospitals' own keys.
#[derive(Debug, clap::Subcommand)]
pub enum FoundingCmd {
	/// Generate this hospital's founding keys under the node's base path and write the
	/// public parts to `<base path>/founder.json`, for the other founders.
	Keys(KeysCmd),
	/// Assemble the consortium's raw chain spec from every founder's `founder.json`.
	Assemble(AssembleCmd),
}

impl FoundingCmd {
	pub fn run(&self) -> Result<(), String> {
		match self {
			Self::Keys(cmd) => cmd.run(),
			Self::Assemble(cmd) => cmd.run(),
		}
	}
}

/// What a founding hospital shares with the others: public keys only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Founder {
	/// The hospital's name, for people reading the files (not stored on chain).
	pub name: String,
	/// The hospital's governance account (SS58): council member, registry member.
	pub account: String,
	/// The Aura key its validator authors with (SS58 of the sr25519 public key).
	pub aura: String,
	/// The GRANDPA key its validator votes with (SS58 of the ed25519 public key).
	pub grandpa: String,
	/// The node service account that signs the audit entries of what the node serves.
	pub node_account: String,
	/// The node's libp2p peer id (base58).
	pub peer_id: String,
	/// The public half of the hospital's custody key (0x-hex x25519).
	pub custody_key: String,
	/// Where the other nodes reach this node first (a multiaddress ending in /p2p/<peer
	/// id>), if the hospital gave one.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub bootnode: Option<String>,
}

/// `ehr-node founding keys`.
#[derive(Debug, clap::Args)]
pub struct KeysCmd {
	/// The hospital's name (shown to the other founders; not stored on chain).
	#[arg(long)]
	name: String,
	/// The node's base path (the same `--base-path` it will run with).
	#[arg(long)]
	base_path: PathBuf,
	/// The consortium chain's id, as the founders agreed it (`founding assemble --id`):
	/// the keystore lives under `<base path>/chains/<id>/keystore`.
	#[arg(long, default_value = "ehr_consortium")]
	chain_id: String,
	/// The hospital's governance account (SS58), from its own wallet. Without it one is
	/// generated and its secret phrase written to `<base path>/hospital-account.phrase`:
	/// move it off the node.
	#[arg(long)]
	account: Option<String>,
	/// The node's public address for the others to boot from, without the `/p2p/` part
	/// (e.g. `/dns/node.st-mary.example/tcp/30333`).
	#[arg(long)]
	public_addr: Option<String>,
}

impl KeysCmd {
	fn run(&self) -> Result<(), String> {
		validate_chain_id(&self.chain_id)?;
		if self.name.trim().is_empty() {
			return Err("--name: the hospital's name is empty".into());
		}
		let founder_file = self.base_path.join("founder.json");
		if founder_file.exists() {
			return Err(format!(
				"{} exists: this base path already has founding keys (keys are never \
				 overwritten; use a new base path to start over)",
				founder_file.display()
			));
		}
		let account = match &self.account {
			Some(text) => parse_account(text, "--account")?,
			None => {
				let (pair, phrase, _) = sr25519::Pair::generate_with_phrase(None);
				let phrase = Zeroizing::new(format!("{phrase}\n"));
				// Substrate-style phrase file: the phrase and a newline.
				crate::secret_file::write_new(
					&self.base_path.join("hospital-account.phrase"),
					phrase.as_bytes(),
				)?;
				AccountId::from(pair.public())
			}
		};

		let node_key = ed25519::Pair::generate().0;
		let node_key_hex = Zeroizing::new(hex::encode(node_key.seed()));
		// Exactly 64 hex digits: Substrate reads nothing else as a node key file.
		crate::secret_file::write_new(&self.base_path.join("node-key"), node_key_hex.as_bytes())?;
		let peer_id = sc_network_types::PeerId::from_ed25519(&node_key.public().0)
			.ok_or("the generated node key is not a valid Ed25519 point")?;

		let custody = crate::custody::keys::generate_file(&self.base_path.join("custody.key"))?;

		let keystore_path = self.base_path.join("chains").join(&self.chain_id).join("keystore");
		let keystore =
			KeystoreContainer::new(&KeystoreConfig::Path { path: keystore_path, password: None })
				.map_err(|e| format!("opening the node's keystore: {e}"))?
				.keystore();
		let aura = keystore
			.sr25519_generate_new(key_types::AURA, None)
			.map_err(|e| format!("generating the Aura key: {e}"))?;
		let grandpa = keystore
			.ed25519_generate_new(key_types::GRANDPA, None)
			.map_err(|e| format!("generating the GRANDPA key: {e}"))?;
		let node_account = keystore
			.sr25519_generate_new(crate::node_account::NODE_KEY_TYPE, None)
			.map_err(|e| format!("generating the node service account: {e}"))?;

		let bootnode = self.public_addr.as_ref().map(|addr| format!("{addr}/p2p/{peer_id}"));
		let founder = Founder {
			name: self.name.trim().to_string(),
			account: account.to_ss58check(),
			aura: aura.to_ss58check(),
			grandpa: grandpa.to_ss58check(),
			node_account: AccountId::from(node_account).to_ss58check(),
			peer_id: peer_id.to_base58(),
			custody_key: format!("0x{}", hex::encode(custody)),
			bootnode,
		};
		let json = serde_json::to_string_pretty(&founder).map_err(|e| e.to_string())?;
		std::fs::write(&founder_file, format!("{json}\n"))
			.map_err(|e| format!("writing {}: {e}", founder_file.display()))?;
		println!("{json}");
		eprintln!(
			"founding keys of {} are under {}; share {} (public keys only) with the other founders",
			founder.name,
			self.base_path.display(),
			founder_file.display()
		);
		Ok(())
	}
}

/// `ehr-node founding assemble`.
#[derive(Debug, clap::Args)]
pub struct AssembleCmd {
	/// The consortium's name (e.g. "Northern Health Consortium").
	#[arg(long)]
	name: String,
	/// The chain's id (lower case letters, digits, `_`), as given to `founding keys`.
	#[arg(long, default_value = "ehr_consortium")]
	id: String,
	/// A founder's `founder.json`; once per founding hospital (at least four).
	#[arg(long = "founder", value_name = "FILE", required = true)]
	founders: Vec<PathBuf>,
	/// Bits of proof of work an application to join needs (against spam).
	#[arg(long, default_value_t = 16)]
	pow_difficulty: u8,
	/// Escrow shares that rebuild a record key: of the hospitals other than the record's
	/// custodian, how many must agree (see docs/keys.md).
	#[arg(long, default_value_t = 2)]
	escrow_threshold: u8,
	/// Where to write the raw chain spec; refused if it exists.
	#[arg(long)]
	output: PathBuf,
}

impl AssembleCmd {
	fn run(&self) -> Result<(), String> {
		validate_chain_id(&self.id)?;
		let mut founders = Vec::new();
		for file in &self.founders {
			let text = std::fs::read_to_string(file)
				.map_err(|e| format!("reading {}: {e}", file.display()))?;
			let founder: Founder = serde_json::from_str(&text)
				.map_err(|e| format!("{} is not a founder.json: {e}", file.display()))?;
			let hospital = genesis_hospital(&founder)
				.map_err(|e| format!("{} ({}): {e}", file.display(), founder.name))?;
			founders.push((founder, hospital));
		}
		check_founders(&founders, self.escrow_threshold)?;
		// The same files in any order give the same spec.
		founders.sort_by(|a, b| a.1.account.cmp(&b.1.account));
		let boot_nodes = founders
			.iter()
			.filter_map(|(f, _)| f.bootnode.as_deref())
			.map(|addr| addr.parse().map_err(|e| format!("bootnode {addr}: {e}")))
			.collect::<Result<Vec<_>, String>>()?;
		let hospitals = founders.into_iter().map(|(_, h)| h).collect();
		let genesis = consortium_genesis(
			hospitals,
			Vec::new(),
			self.pow_difficulty,
			self.escrow_threshold,
			None,
		);
		let spec = crate::chain_spec::ChainSpec::builder(crate::chain_spec::wasm_binary()?, None)
			.with_name(&self.name)
			.with_id(&self.id)
			.with_chain_type(ChainType::Live)
			.with_boot_nodes(boot_nodes)
			.with_genesis_config_patch(genesis)
			.with_properties(crate::chain_spec::properties())
			.build();
		let json = sc_service::ChainSpec::as_json(&spec, true)
			.map_err(|e| format!("building the genesis state: {e}"))?;
		let mut out = std::fs::OpenOptions::new()
			.write(true)
			.create_new(true)
			.open(&self.output)
			.map_err(|e| format!("creating {}: {e}", self.output.display()))?;
		out.write_all(json.as_bytes())
			.map_err(|e| format!("writing {}: {e}", self.output.display()))?;
		println!(
			"{}: the raw chain spec of {} ({} founders); its SHA-256 is {}: every founder \
			 must get the same",
			self.output.display(),
			self.name,
			self.founders.len(),
			hex::encode(sp_io::hashing::sha2_256(json.as_bytes()))
		);
		Ok(())
	}
}

/// The genesis entry of a founder, from the public keys it shared.
fn genesis_hospital(founder: &Founder) -> Result<GenesisHospital, String> {
	let aura = sr25519::Public::from_ss58check(&founder.aura)
		.map_err(|e| format!("aura: not an SS58 key: {e:?}"))?;
	let grandpa = ed25519::Public::from_ss58check(&founder.grandpa)
		.map_err(|e| format!("grandpa: not an SS58 key: {e:?}"))?;
	let peer_id: sc_network_types::PeerId =
		founder.peer_id.parse().map_err(|e| format!("peerId: not a peer id: {e}"))?;
	let public = peer_id
		.into_ed25519()
		.ok_or("peerId: not the peer id of an Ed25519 node key (founders' nodes use those)")?;
	let custody_key: [u8; 32] = hex::decode(founder.custody_key.trim_start_matches("0x"))
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or("custodyKey: not 32 bytes of 0x-hex")?;
	if let Some(bootnode) = &founder.bootnode {
		if !bootnode.ends_with(&format!("/p2p/{}", founder.peer_id)) {
			return Err(format!("bootnode {bootnode} does not end with /p2p/{}", founder.peer_id));
		}
	}
	Ok(GenesisHospital {
		account: parse_account(&founder.account, "account")?,
		aura: aura.into(),
		grandpa: grandpa.into(),
		node: ed25519_peer_id(&public),
		node_account: parse_account(&founder.node_account, "nodeAccount")?,
		custody_key,
	})
}

/// Enough founders, each key used once, a threshold the founders can meet, and no
/// development key.
fn check_founders(founders: &[(Founder, GenesisHospital)], threshold: u8) -> Result<(), String> {
	if founders.len() < MIN_FOUNDERS {
		return Err(format!(
			"{} founders: a consortium needs at least {MIN_FOUNDERS} (GRANDPA finality must \
			 survive one hospital going down)",
			founders.len()
		));
	}
	if threshold == 0 || usize::from(threshold) >= founders.len() {
		return Err(format!(
			"--escrow-threshold {threshold}: must be at least 1 and less than the number of \
			 founders ({}), so the hospitals other than a record's custodian can meet it",
			founders.len()
		));
	}
	let mut seen = HashSet::new();
	for (founder, hospital) in founders {
		let keys = [
			("account", hospital.account.to_ss58check()),
			("nodeAccount", hospital.node_account.to_ss58check()),
			("aura", founder.aura.clone()),
			("grandpa", founder.grandpa.clone()),
			("peerId", founder.peer_id.clone()),
			("custodyKey", founder.custody_key.to_lowercase()),
		];
		for (field, key) in keys {
			if !seen.insert(key.clone()) {
				return Err(format!(
					"{}: {field} {key} is used twice among the founders",
					founder.name
				));
			}
		}
		if let Some(dev) = development_key(hospital) {
			return Err(format!(
				"{}: uses the well-known development key {dev}: anyone could sign with it",
				founder.name
			));
		}
	}
	Ok(())
}

/// Which well-known development key (`//Alice`, ...) a founder uses, if any.
fn development_key(hospital: &GenesisHospital) -> Option<String> {
	use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
	let account: &[u8] = hospital.account.as_ref();
	let node_account: &[u8] = hospital.node_account.as_ref();
	let aura: &[u8] = hospital.aura.as_ref();
	let grandpa: &[u8] = hospital.grandpa.as_ref();
	Sr25519Keyring::iter()
		.find(|k| {
			let dev = k.public();
			[account, node_account, aura].contains(&dev.as_ref())
		})
		.map(|k| format!("//{k:?}"))
		.or_else(|| {
			Ed25519Keyring::iter()
				.find(|k| {
					let dev = k.public();
					grandpa == AsRef::<[u8]>::as_ref(&dev)
				})
				.map(|k| format!("//{k:?}"))
		})
		.or_else(|| {
			ehr_runtime::genesis_config_presets::DEV_NODE_ACCOUNTS
				.iter()
				.any(|dev| node_account == &dev[..])
				.then(|| "//<dev>//node".to_string())
		})
}

fn parse_account(text: &str, field: &str) -> Result<AccountId, String> {
	AccountId::from_ss58check(text)
		.map_err(|e| format!("{field}: {text} is not an SS58 address: {e:?}"))
}

fn validate_chain_id(id: &str) -> Result<(), String> {
	let ok = !id.is_empty()
		&& id.len() <= 64
		&& id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
	ok.then_some(()).ok_or_else(|| {
		format!("chain id '{id}': use 1 to 64 lower-case letters, digits and underscores")
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::path::Path;

	fn founder(dir: &Path, name: &str) -> Founder {
		KeysCmd {
			name: name.into(),
			base_path: dir.join(name),
			chain_id: "ehr_test".into(),
			account: None,
			public_addr: Some("/ip4/127.0.0.1/tcp/30333".into()),
		}
		.run()
		.expect("keys");
		let text = std::fs::read_to_string(dir.join(name).join("founder.json")).expect("file");
		serde_json::from_str(&text).expect("parses")
	}

	fn checked(founders: &[Founder], threshold: u8) -> Result<(), String> {
		let entries: Vec<_> =
			founders.iter().map(|f| (f.clone(), genesis_hospital(f).expect("valid"))).collect();
		check_founders(&entries, threshold)
	}

	#[test]
	fn keys_make_secrets_private_and_share_public_parts() {
		let dir = tempfile::tempdir().expect("tmp");
		let f = founder(dir.path(), "st-mary");
		for secret in ["node-key", "custody.key", "hospital-account.phrase"] {
			use std::os::unix::fs::PermissionsExt;
			let mode = std::fs::metadata(dir.path().join("st-mary").join(secret))
				.expect(secret)
				.permissions()
				.mode();
			assert_eq!(mode & 0o777, 0o600, "{secret}");
		}
		let shared = std::fs::read_to_string(dir.path().join("st-mary/founder.json")).unwrap();
		let node_key = std::fs::read_to_string(dir.path().join("st-mary/node-key")).unwrap();
		assert!(!shared.contains(node_key.trim()));
		assert!(f.bootnode.as_deref().unwrap().ends_with(&format!("/p2p/{}", f.peer_id)));
		let keystore = dir.path().join("st-mary/chains/ehr_test/keystore");
		assert_eq!(std::fs::read_dir(keystore).expect("keystore").count(), 3, "aura, gran, ehrn");
		let again = KeysCmd {
			name: "st-mary".into(),
			base_path: dir.path().join("st-mary"),
			chain_id: "ehr_test".into(),
			account: None,
			public_addr: None,
		}
		.run();
		assert!(again.expect_err("never overwritten").contains("already has founding keys"));
	}

	#[test]
	fn founders_are_checked() {
		let dir = tempfile::tempdir().expect("tmp");
		let four: Vec<Founder> =
			["a", "b", "c", "d"].iter().map(|n| founder(dir.path(), n)).collect();
		assert_eq!(checked(&four, 2), Ok(()));
		assert!(checked(&four[..3], 2).unwrap_err().contains("at least 4"));
		assert!(checked(&four, 4).unwrap_err().contains("--escrow-threshold 4"));
		assert!(checked(&four, 0).unwrap_err().contains("--escrow-threshold 0"));
		let mut twice = four.clone();
		twice[3] = twice[0].clone();
		assert!(checked(&twice, 2).unwrap_err().contains("used twice"));
		let mut shared_key = four.clone();
		shared_key[1].grandpa = shared_key[0].grandpa.clone();
		assert!(checked(&shared_key, 2).unwrap_err().contains("grandpa"));
		let mut dev = four.clone();
		dev[2].aura = sp_keyring::Sr25519Keyring::Alice.public().to_ss58check();
		assert!(checked(&dev, 2).unwrap_err().contains("//Alice"));
	}

	#[test]
	fn malformed_founders_are_refused_by_field() {
		let dir = tempfile::tempdir().expect("tmp");
		let good = founder(dir.path(), "a");
		type Spoil = fn(&mut Founder);
		let cases: [(Spoil, &str); 5] = [
			(|f| f.aura = "nope".into(), "aura"),
			(|f| f.grandpa = f.aura.clone() + "x", "grandpa"),
			(|f| f.peer_id = "12D3".into(), "peerId"),
			(|f| f.custody_key = "0x1234".into(), "custodyKey"),
			(|f| f.bootnode = Some("/ip4/127.0.0.1/tcp/1".into()), "does not end with /p2p/"),
		];
		for (spoil, field) in cases {
			let mut bad = good.clone();
			spoil(&mut bad);
			let error = genesis_hospital(&bad).err().unwrap_or_default();
			assert!(error.contains(field), "{field}: {error}");
		}
		assert!(validate_chain_id("Bad-Id").is_err());
		assert!(validate_chain_id("ehr_consortium_2").is_ok());
	}
}
