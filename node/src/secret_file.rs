// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Writing a secret to a file of its own: created new (never over an existing file, so a
//! key is never lost to a second run), readable by its owner only.

use std::{io::Write, os::unix::fs::OpenOptionsExt, path::Path};

/// Writes `contents` to the new file `file` (mode 0600), creating its directory if needed.
pub fn write_new(file: &Path, contents: &[u8]) -> Result<(), String> {
	if let Some(parent) = file.parent() {
		std::fs::create_dir_all(parent)
			.map_err(|e| format!("creating {}: {e}", parent.display()))?;
	}
	let mut out = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(file)
		.map_err(|e| format!("creating {}: {e}", file.display()))?;
	out.write_all(contents).map_err(|e| format!("writing {}: {e}", file.display()))
}
