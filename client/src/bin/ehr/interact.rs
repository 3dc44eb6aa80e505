// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What `ehr` reads from files, stdin and the terminal: secrets and free text (never from
//! the arguments, which every user of the machine can see), the acting account, and the
//! confirmation of destructive commands.

use crate::{cli::Global, output::Failure};
use ehr_client::{
	keys::{Identity, Keystore},
	Error,
};
use std::{
	io::{IsTerminal, Read, Write},
	path::Path,
	sync::atomic::{AtomicBool, Ordering},
};
use zeroize::Zeroizing;

/// Whether something was read from stdin already (`-` for one file argument only).
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// The bytes of `path`, or of stdin for `-`.
pub fn read_source(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
	let mut bytes = Zeroizing::new(Vec::new());
	if path == Path::new("-") {
		if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
			return Err(Failure::Usage("only one file argument can be `-` (stdin)".into()));
		}
		std::io::stdin()
			.read_to_end(&mut bytes)
			.map_err(|source| Error::File { path: "stdin".into(), source })?;
	} else {
		std::fs::File::open(path)
			.and_then(|mut file| file.read_to_end(&mut bytes))
			.map_err(|source| Error::File { path: path.display().to_string(), source })?;
	}
	Ok(bytes)
}

/// A secret (a secret URI, a password) from `path` (`-`: stdin): its first line.
pub fn read_secret(path: &Path) -> Result<Zeroizing<String>, Failure> {
	let bytes = read_source(path)?;
	let text = std::str::from_utf8(&bytes)
		.map_err(|_| Failure::Usage(format!("{}: not UTF-8 text", path.display())))?;
	Ok(Zeroizing::new(text.lines().next().unwrap_or_default().to_string()))
}

/// The free text of `path` (`-`: stdin), exactly.
pub fn read_text(path: &Path) -> Result<String, Failure> {
	let bytes = read_source(path)?;
	String::from_utf8(bytes.to_vec())
		.map_err(|_| Failure::Usage(format!("{}: not UTF-8 text", path.display())))
}

/// The acting account: from `--suri-file`, `--suri`/EHR_SURI, `--polkadot-js` or
/// `--keystore`, in that order.
pub fn identity(global: &Global) -> Result<Identity, Failure> {
	if let Some(suri) = suri(global)? {
		return Ok(Identity::from_suri(&suri).map_err(Error::from)?);
	}
	if let Some(path) = &global.polkadot_js {
		let json = std::fs::read_to_string(path)
			.map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
		let password = password(global, &format!("Password for {}: ", path.display()))?;
		return Ok(Identity::from_polkadot_js_json(&json, &password).map_err(Error::from)?);
	}
	let path = global.keystore.as_ref().ok_or_else(|| {
		Failure::Usage(
			"say who acts: --keystore FILE (or EHR_KEYSTORE), --polkadot-js FILE, --suri-file \
			 FILE or EHR_SURI"
				.into(),
		)
	})?;
	let keystore = Keystore::load(path).map_err(Error::from)?;
	let password = password(global, &format!("Password for {}: ", keystore.address()))?;
	let code = match (&global.totp_code, keystore.has_totp()) {
		(Some(code), _) => Some(code.clone()),
		(None, true) => Some(prompt("TOTP code: ")?),
		(None, false) => None,
	};
	Ok(keystore.unlock(&password, code.as_deref()).map_err(Error::from)?)
}

/// The secret URI given, if any: `--suri-file` first, then `--suri`/EHR_SURI.
pub fn suri(global: &Global) -> Result<Option<Zeroizing<String>>, Failure> {
	if let Some(path) = &global.suri_file {
		return read_secret(path).map(Some);
	}
	Ok(global.suri.clone().map(Zeroizing::new))
}

/// A keystore password: `--password-file`, EHR_PASSWORD, or a prompt on the terminal.
pub fn password(global: &Global, question: &str) -> Result<Zeroizing<String>, Failure> {
	if let Some(path) = &global.password_file {
		return read_secret(path);
	}
	if let Ok(password) = std::env::var("EHR_PASSWORD") {
		return Ok(Zeroizing::new(password));
	}
	rpassword::prompt_password(question)
		.map(Zeroizing::new)
		.map_err(|e| Failure::Usage(format!("reading the password: {e} (or give --password-file)")))
}

/// Asks `question` on stderr and reads the answer's line from stdin.
fn prompt(question: &str) -> Result<String, Failure> {
	eprint!("{question}");
	let _ = std::io::stderr().flush();
	let mut line = String::new();
	std::io::stdin()
		.read_line(&mut line)
		.map_err(|source| Error::File { path: "stdin".into(), source })?;
	Ok(line.trim().to_string())
}

/// Refuses a destructive `action` up front when it would have to ask and cannot: no `--yes`
/// and stdin is not a terminal.
pub fn check_confirmable(yes: bool, action: &str) -> Result<(), Failure> {
	if yes || std::io::stdin().is_terminal() {
		return Ok(());
	}
	Err(Failure::Usage(format!(
		"refusing to {action} without confirmation, and stdin is not a terminal to ask on: \
		 pass --yes to {action} without asking"
	)))
}

/// Asks before a destructive `action` described by `what`, unless `yes`.
pub fn confirm(yes: bool, action: &str, what: &str) -> Result<(), Failure> {
	if yes {
		return Ok(());
	}
	check_confirmable(yes, action)?;
	let mut question = action.to_string();
	question[..1].make_ascii_uppercase();
	let answer = prompt(&format!("{what}\n{question}? This cannot be undone. [y/N] "))?;
	crate::watch::answered();
	if matches!(answer.to_lowercase().as_str(), "y" | "yes") {
		Ok(())
	} else {
		Err(Failure::Cancelled(format!("did not {action}: not confirmed")))
	}
}
