// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Record key custody and release: every access the chain grants yields a readable record
//! (the model is `docs/keys.md`).
//!
//! - [`keys`]: the hospital's custody keys, held by its nodes; record keys are wrapped to
//!   the current one when written, and escrow shares to the other hospitals' ones.
//! - [`release`]: `ehr_releaseKey`: a reader's signed request, checked at the finalized and
//!   best blocks, audited on chain first, answered with the record key (or escrow shares)
//!   wrapped to the reader's recipient key.
//! - [`protocol`]: `/<genesis>/ehr/key/1`, over which nodes ask the custodian's nodes and
//!   the escrow holders for material.

pub mod keys;
pub mod protocol;
pub mod release;

use std::path::PathBuf;

/// Command-line settings of key custody.
#[derive(Debug, Clone, clap::Args)]
pub struct CustodyParams {
	/// A file holding a custody key of this node's hospital (64 hex digits; made by
	/// `ehr-node custody-key generate`). Repeat it for earlier custody keys, so records
	/// written under them can still be released. A development node (`--alice`, ...) also
	/// holds its development hospital's key.
	#[arg(long = "custody-key-file", value_name = "PATH")]
	pub custody_key_files: Vec<PathBuf>,
}

impl CustodyParams {
	/// The custody keys of this node: the files', and a development hospital's if
	/// `dev_seed` names one.
	pub fn keys(&self, dev_seed: Option<&str>) -> Result<keys::CustodyKeys, String> {
		let mut keys = keys::CustodyKeys::load(&self.custody_key_files)?;
		if let Some(seed) = dev_seed {
			keys.extend(keys::CustodyKeys::development(seed)?);
		}
		Ok(keys)
	}
}
