// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A hospital's custody keys: the x25519 secrets its nodes hold record keys with.
//!
//! The public half of the current custody key is the hospital's registered encryption key
//! (`registry.update_profile`, signed by the hospital's account), so writers wrap every new
//! record's key to it. The secret lives only on the hospital's nodes, in a file given with
//! `--custody-key-file` (repeat the option for the keys of earlier years: records written
//! under them stay releasable). `ehr-node custody-key generate` makes one.

use ehr_crypto::{PublicKey, StaticSecret};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The custody secrets a node holds (the current one and any earlier ones).
#[derive(Default)]
pub struct CustodyKeys {
	secrets: Vec<StaticSecret>,
}

impl CustodyKeys {
	/// The secrets in `files` (each 64 hex digits, optionally `0x`-prefixed).
	pub fn load(files: &[PathBuf]) -> Result<Self, String> {
		let secrets = files.iter().map(|file| read_secret(file)).collect::<Result<_, _>>()?;
		Ok(Self { secrets })
	}

	/// The development custody key of the hospital whose development account is `seed`
	/// (`//Alice`, ...): the encryption key the `ehr` client derives from
	/// `<seed>//custody`, as the development chains register it.
	pub fn development(seed: &str) -> Result<Self, String> {
		use sp_core::Pair;
		let (_, mini_secret) =
			sp_core::sr25519::Pair::from_string_with_seed(&format!("{seed}//custody"), None)
				.map_err(|e| format!("deriving the development custody key: {e:?}"))?;
		let mini_secret = mini_secret.ok_or("the development custody key uses a soft junction")?;
		let secret = ehr_crypto::encryption_secret(&mini_secret)
			.map_err(|e| format!("deriving the development custody key: {e}"))?;
		Ok(Self { secrets: vec![secret] })
	}

	/// Adds the secrets of `other` (e.g. files given next to a development key).
	pub fn extend(&mut self, other: CustodyKeys) {
		self.secrets.extend(other.secrets);
	}

	pub fn is_empty(&self) -> bool {
		self.secrets.is_empty()
	}

	/// The public keys, the current (first) one first.
	pub fn publics(&self) -> Vec<[u8; 32]> {
		self.secrets.iter().map(|secret| PublicKey::from(secret).to_bytes()).collect()
	}

	/// The secret wrapped to one of these keys, if any opens it.
	pub fn unwrap(&self, wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
		self.secrets.iter().find_map(|secret| ehr_crypto::unwrap_bytes(wrapped, secret).ok())
	}
}

fn read_secret(file: &Path) -> Result<StaticSecret, String> {
	let text = std::fs::read_to_string(file)
		.map_err(|e| format!("reading the custody key {}: {e}", file.display()))?;
	let bytes = Zeroizing::new(
		hex::decode(text.trim().trim_start_matches("0x"))
			.map_err(|e| format!("the custody key {} is not hex: {e}", file.display()))?,
	);
	let secret: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
		format!("the custody key {} is not 32 bytes (64 hex digits)", file.display())
	})?;
	Ok(StaticSecret::from(secret))
}

/// `ehr-node custody-key`: make or inspect a hospital's custody key file.
#[derive(Debug, clap::Subcommand)]
pub enum CustodyKeyCmd {
	/// Write a new random custody key to FILE (mode 0600) and print its public key, which
	/// the hospital registers as its encryption key (`registry.updateProfile`).
	Generate {
		/// Where to write the key; refused if it exists.
		#[arg(long)]
		file: PathBuf,
	},
	/// Print the public key of the custody key in FILE.
	Inspect {
		#[arg(long)]
		file: PathBuf,
	},
}

impl CustodyKeyCmd {
	pub fn run(&self) -> Result<(), String> {
		let file = match self {
			Self::Generate { file } => {
				generate_file(file)?;
				file
			}
			Self::Inspect { file } => file,
		};
		let keys = CustodyKeys::load(std::slice::from_ref(file))?;
		for public in keys.publics() {
			println!("custody public key: 0x{}", hex::encode(public));
		}
		Ok(())
	}
}

/// Writes a new random custody key to `file` (mode 0600; never over an existing file)
/// and returns its public key.
pub fn generate_file(file: &Path) -> Result<[u8; 32], String> {
	let secret = Zeroizing::new(ehr_crypto::random_array::<32>());
	write_new_secret(file, &secret)?;
	Ok(PublicKey::from(&StaticSecret::from(*secret)).to_bytes())
}

fn write_new_secret(file: &Path, secret: &[u8; 32]) -> Result<(), String> {
	let text = Zeroizing::new(format!("{}\n", hex::encode(secret)));
	crate::secret_file::write_new(file, text.as_bytes())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn generated_keys_load_and_unwrap_what_was_wrapped_to_them() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let file = dir.path().join("custody.key");
		CustodyKeyCmd::Generate { file: file.clone() }.run().expect("generated");
		assert!(CustodyKeyCmd::Generate { file: file.clone() }.run().is_err(), "never overwrites");
		let keys = CustodyKeys::load(&[file]).expect("loads");
		let public = PublicKey::from(keys.publics()[0]);
		let wrapped = ehr_crypto::wrap_bytes(b"a record key", &public).expect("wraps");
		assert_eq!(keys.unwrap(&wrapped).expect("unwraps").as_slice(), b"a record key");
		let stranger = StaticSecret::from([7u8; 32]);
		let other = ehr_crypto::wrap_bytes(b"x", &PublicKey::from(&stranger)).expect("wraps");
		assert!(keys.unwrap(&other).is_none());
	}

	#[test]
	fn malformed_key_files_are_named() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let file = dir.path().join("bad.key");
		std::fs::write(&file, "0x1234").expect("written");
		let error = CustodyKeys::load(&[file]).err().expect("refused");
		assert!(error.contains("not 32 bytes"), "{error}");
	}

	/// The development custody keys are the ones the development chains register.
	#[test]
	fn development_keys_match_the_genesis_presets() {
		use ehr_runtime::genesis_config_presets::DEV_CUSTODY_KEYS;
		for (seed, expected) in
			["//Alice", "//Bob", "//Charlie", "//Dave"].iter().zip(DEV_CUSTODY_KEYS)
		{
			let keys = CustodyKeys::development(seed).expect("derives");
			assert_eq!(keys.publics(), vec![expected], "{seed}");
		}
	}
}
