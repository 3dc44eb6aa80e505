// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Encryption keys pinned on first use.
//!
//! A writer wraps record keys to the encryption keys the chain lists for the patient, the
//! custodian and the escrow holders. They are read at the **finalized** block, and the
//! first key seen for each account is remembered here: if a node (or anyone) later shows
//! another key for that account, the client stops with [`Error::KeyChanged`] instead of
//! sealing a record key to it. A member who really changed its key is accepted again with
//! `ehr keys accept ACCOUNT`, after checking with its owner.
//!
//! The pins live in `$EHR_PINS`, else `$HOME/.config/ehr/pins.json`; with neither, they
//! live for the process only.

use crate::Error;
use ehr_primitives::AccountId;
use sp_core::crypto::Ss58Codec;
use std::{collections::BTreeMap, path::PathBuf, sync::Mutex};

/// The pinned encryption keys of accounts, by SS58 address (hex keys).
pub struct Pins {
	path: Option<PathBuf>,
	keys: Mutex<BTreeMap<String, String>>,
}

impl Pins {
	/// The pins at `$EHR_PINS` or `$HOME/.config/ehr/pins.json`.
	pub fn load_default() -> Result<Self, Error> {
		let path = std::env::var_os("EHR_PINS").map(PathBuf::from).or_else(|| {
			std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config/ehr/pins.json"))
		});
		match path {
			Some(path) => Self::load(path),
			None => Ok(Self { path: None, keys: Mutex::default() }),
		}
	}

	/// The pins in `path` (none yet if it does not exist).
	pub fn load(path: PathBuf) -> Result<Self, Error> {
		let keys = match std::fs::read(&path) {
			Ok(text) => serde_json::from_slice(&text)
				.map_err(|e| Error::Input(format!("{}: not a pin file: {e}", path.display())))?,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
			Err(source) => return Err(Error::File { path: path.display().to_string(), source }),
		};
		Ok(Self { path: Some(path), keys: Mutex::new(keys) })
	}

	/// Checks `key` against the pin of `account`, pinning it if it is the first seen.
	pub fn check(&self, account: &AccountId, key: &[u8; 32]) -> Result<(), Error> {
		let address = account.to_ss58check();
		let shown = format!("0x{}", hex::encode(key));
		let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		match keys.get(&address) {
			Some(pinned) if *pinned == shown => Ok(()),
			Some(pinned) => {
				Err(Error::KeyChanged { account: address, pinned: pinned.clone(), shown })
			}
			None => {
				keys.insert(address, shown);
				self.save(&keys)
			}
		}
	}

	/// Replaces the pin of `account` with `key` (after its owner confirmed the change).
	pub fn accept(&self, account: &AccountId, key: &[u8; 32]) -> Result<(), Error> {
		let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		keys.insert(account.to_ss58check(), format!("0x{}", hex::encode(key)));
		self.save(&keys)
	}

	fn save(&self, keys: &BTreeMap<String, String>) -> Result<(), Error> {
		let Some(path) = &self.path else { return Ok(()) };
		let failed = |source| Error::File { path: path.display().to_string(), source };
		if let Some(parent) = path.parent() {
			std::fs::create_dir_all(parent).map_err(failed)?;
		}
		let text = serde_json::to_vec_pretty(keys).map_err(|e| Error::Input(e.to_string()))?;
		// Written aside and renamed, so a crash never leaves half a pin file.
		let temporary = path.with_extension("json.tmp");
		std::fs::write(&temporary, text).map_err(failed)?;
		std::fs::rename(&temporary, path).map_err(failed)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_first_key_is_pinned_and_a_change_is_refused_until_accepted() {
		let dir = std::env::temp_dir().join(format!("ehr-pins-{}", std::process::id()));
		let path = dir.join("pins.json");
		let _ = std::fs::remove_file(&path);
		let alice = account(1);
		let pins = Pins::load(path.clone()).expect("no pins yet");
		pins.check(&alice, &[1; 32]).expect("pinned");
		pins.check(&alice, &[1; 32]).expect("same key");
		assert!(matches!(pins.check(&alice, &[2; 32]), Err(Error::KeyChanged { .. })));
		// The pin survives the process.
		let again = Pins::load(path.clone()).expect("pins load");
		assert!(matches!(again.check(&alice, &[2; 32]), Err(Error::KeyChanged { .. })));
		again.accept(&alice, &[2; 32]).expect("accepted");
		Pins::load(path).expect("pins load").check(&alice, &[2; 32]).expect("new pin");
		let _ = std::fs::remove_dir_all(dir);
	}

	fn account(byte: u8) -> AccountId {
		AccountId::from([byte; 32])
	}
}
