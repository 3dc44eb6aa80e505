// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr`: the ehr-chain client for patients, doctors, insurers and integrators.
//!
//! Keys live in a password-protected keystore file (optionally with a TOTP second factor);
//! a secret URI can stand in for it (`--suri-file`, `EHR_SURI`, or `--suri` for development
//! keys). Secrets and free text come from files or stdin, never from the arguments. Every
//! transaction reports its progress and waits for finality, at most `--timeout` seconds.
//! `--output json` prints one JSON object per command; the exit code says what kind of
//! failure it was (`ehr --help` lists them).
//!
//! - `cli`: the command line (clap); `values` and `parsers`: the values it accepts.
//! - `run` (with `run::records`, `run::consent`) and `accounts`: what each command does.
//! - `interact`: secrets, the acting account, confirmations; `watch`: progress and timeout.
//! - `output`: results, errors and exit codes.

use clap::Parser;
use std::process::ExitCode;

mod accounts;
mod cli;
mod interact;
mod output;
mod parsers;
mod run;
mod values;
mod watch;

#[tokio::main]
async fn main() -> ExitCode {
	let cli = match cli::Cli::try_parse() {
		Ok(cli) => cli,
		Err(error) => return output::usage_error(error),
	};
	let format = cli.global.output;
	match run::run(cli).await {
		Ok(outcome) => {
			output::print(format, &outcome);
			ExitCode::SUCCESS
		}
		Err(failure) => output::fail(format, &failure),
	}
}
