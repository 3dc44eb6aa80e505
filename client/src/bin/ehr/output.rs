// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What `ehr` prints and how it exits: a result as text or one JSON object on stdout, an
//! error as text or `{"error": {...}}` on stderr, and an exit code a script can act on.

use clap::ValueEnum;
use ehr_client::Error;
// The node's RPC error codes meaning "no such record".
use ehr_rpc_api::error::{ERASED as NODE_ERASED, UNKNOWN_RECORD as NODE_UNKNOWN_RECORD};
use serde_json::{json, Value};
use std::process::ExitCode;

/// The exit codes, as the top-level `--help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  any other failure (keystore, password, decryption, a tampered blob, a changed key, a file)
  2  usage: a bad argument or value, or a destructive command without --yes and no terminal
  3  refused: the chain or a node refused (transaction pool, dispatch error, access denied)
  4  not found: no such record, grant, request or account, or no registered key
  5  network: the node is unreachable, dropped the connection, or --timeout passed";

/// How results and errors are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
	/// Text for people; progress on stderr.
	Human,
	/// One JSON object on stdout (errors on stderr); no progress.
	Json,
}

/// A command's result, as text and as JSON.
pub struct Outcome {
	/// Printed on stdout in human mode (nothing if empty).
	pub human: String,
	/// Printed on stdout in JSON mode; `block`/`transaction` are added when the command
	/// submitted a transaction.
	pub json: Value,
}

impl Outcome {
	pub fn new(human: impl Into<String>, json: Value) -> Self {
		Self { human: human.into(), json }
	}

	/// Nothing to print (the command printed what it had to itself).
	pub fn none() -> Self {
		Self { human: String::new(), json: Value::Null }
	}
}

/// Why a command failed, beyond the client library's errors.
#[derive(Debug)]
pub enum Failure {
	Client(Error),
	/// A bad combination of arguments, or a destructive command that could not ask.
	Usage(String),
	/// Something the command looked for does not exist.
	NotFound(String),
	/// The user answered no.
	Cancelled(String),
	/// `--timeout` passed while waiting for `waiting`.
	Timeout {
		seconds: u64,
		waiting: String,
	},
}

impl From<Error> for Failure {
	fn from(error: Error) -> Self {
		Failure::Client(error)
	}
}

impl Failure {
	/// The error's kind in JSON and its exit code.
	pub fn kind(&self) -> (&'static str, u8) {
		const OTHER: u8 = 1;
		const USAGE: u8 = 2;
		const REFUSED: u8 = 3;
		const NOT_FOUND: u8 = 4;
		const NETWORK: u8 = 5;
		match self {
			Failure::Usage(_) => ("usage", USAGE),
			Failure::NotFound(_) => ("not-found", NOT_FOUND),
			Failure::Cancelled(_) => ("cancelled", OTHER),
			Failure::Timeout { .. } => ("timeout", NETWORK),
			Failure::Client(error) => match error {
				Error::Connection { .. } | Error::Rpc(_) => ("network", NETWORK),
				Error::Refused(_) | Error::Rejected { .. } => ("refused", REFUSED),
				Error::Node { code: NODE_UNKNOWN_RECORD | NODE_ERASED, .. } => {
					("not-found", NOT_FOUND)
				}
				Error::Node { .. } | Error::NoKey { .. } | Error::KeyUnavailable { .. } => {
					("refused", REFUSED)
				}
				Error::UnknownRecord(_) | Error::NotAMember(_) | Error::NoEncryptionKey(_) => {
					("not-found", NOT_FOUND)
				}
				Error::TamperedBlob { .. } => ("tampered", OTHER),
				Error::KeyChanged { .. } => ("key-changed", OTHER),
				Error::Keys(_) => ("keys", OTHER),
				Error::Crypto(_) => ("crypto", OTHER),
				Error::Fhir(_) => ("fhir", OTHER),
				Error::File { .. } => ("file", OTHER),
				Error::Input(_) => ("input", OTHER),
				Error::Chain(_) => ("chain", OTHER),
			},
		}
	}
}

impl std::fmt::Display for Failure {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			Failure::Client(error) => write!(f, "{error}"),
			Failure::Usage(message) | Failure::NotFound(message) | Failure::Cancelled(message) => {
				f.write_str(message)
			}
			Failure::Timeout { seconds, waiting } => {
				write!(f, "timed out after {seconds} s waiting for {waiting} (see --timeout)")
			}
		}
	}
}

/// Prints a command's result.
pub fn print(format: Format, outcome: &Outcome) {
	match format {
		Format::Human if outcome.human.is_empty() => {}
		Format::Human => stdout(&format!("{}\n", outcome.human.trim_end_matches('\n'))),
		Format::Json if outcome.json.is_null() => {}
		Format::Json => stdout(&format!("{}\n", outcome.json)),
	}
}

/// Writes `text` on stdout; a reader that went away (`| head`) is no error.
pub fn stdout(text: &str) {
	use std::io::Write;
	let mut out = std::io::stdout().lock();
	let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Prints a failure on stderr and returns its exit code.
pub fn fail(format: Format, failure: &Failure) -> ExitCode {
	let (kind, code) = failure.kind();
	match format {
		Format::Human => eprintln!("error: {failure}"),
		Format::Json => eprintln!("{}", error_json(kind, &failure.to_string(), code)),
	}
	ExitCode::from(code)
}

fn error_json(kind: &str, message: &str, code: u8) -> Value {
	json!({ "error": { "kind": kind, "message": message, "exitCode": code } })
}

/// Handles an argument error: clap's own output and exit code (2, or 0 for `--help` and
/// `--version`), or a JSON error when the arguments asked for JSON.
pub fn usage_error(error: clap::Error) -> ExitCode {
	use clap::error::ErrorKind;
	let informational = matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
	if informational || !wants_json() {
		error.exit()
	}
	let text = error.render().to_string();
	let message = text.trim().trim_start_matches("error: ");
	let message = message.split("\n\nFor more information").next().unwrap_or(message);
	eprintln!("{}", error_json("usage", message, 2));
	ExitCode::from(2)
}

/// Whether the raw arguments (or EHR_OUTPUT) ask for JSON, for errors before they parse.
fn wants_json() -> bool {
	let args: Vec<String> =
		std::env::args_os().map(|arg| arg.to_string_lossy().into_owned()).collect();
	let flag = args.windows(2).any(|pair| pair[0] == "--output" && pair[1] == "json")
		|| args.iter().any(|arg| arg == "--output=json");
	flag || std::env::var("EHR_OUTPUT").is_ok_and(|value| value == "json")
}

/// A hash as JSON and text show it: 0x + 64 hex digits.
pub fn hash(hash: &ehr_primitives::Hash) -> String {
	format!("{hash:?}")
}
