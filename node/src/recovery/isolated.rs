// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The start-up check run in a child process, so that no corruption can take the node
//! down with it.
//!
//! A damaged database does not always fail politely: ParityDB can panic on a corrupt
//! table page (`range end index … out of range`), abort, or hang, and Substrate's panic
//! handler ends the process on any panic. Run in the node's own process, such a check
//! would crash the node before it quarantined anything, at every start, forever. So the
//! node runs the same binary with the same arguments and [`CHILD_ENV`] set: the child
//! opens the database, runs [`integrity::verify`](super::integrity::verify), prints its
//! verdict on stdout and exits. The parent treats anything but an "ok" verdict — a
//! failed check, a panic, an abort, a signal, no answer within the timeout — as a
//! database to quarantine.

use super::{integrity, RecoveryParams, LOG_TARGET};
use crate::client::Service;
use sc_service::{error::Error as ServiceError, Configuration};
use std::{
	collections::VecDeque,
	io::{BufRead, BufReader, Write},
	process::{Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// Set in the child's environment: check the database, print the verdict, exit.
pub const CHILD_ENV: &str = "EHR_NODE_INTEGRITY_CHECK_CHILD";

/// The verdict line's prefix on the child's stdout.
const VERDICT: &str = "ehr-integrity-verdict:";

/// Lines of the child's log kept to explain a death.
const KEPT_LOG_LINES: usize = 20;

/// Whether this process is the child.
pub fn is_child() -> bool {
	std::env::var_os(CHILD_ENV).is_some()
}

/// In the child: opens the database of `config` with `open` (the service's `new_partial`)
/// and checks it, prints the verdict and exits the process (never returning: a corrupt
/// database may panic again on drop).
pub fn run_child(
	config: &Configuration,
	params: &RecoveryParams,
	open: impl FnOnce(&Configuration) -> Result<Service, ServiceError>,
) -> ! {
	let verdict = match open(config) {
		Ok(parts) => match integrity::verify(&parts.client, params.integrity_depth) {
			Ok(report) => format!("ok {report}"),
			Err(problem) => format!("corrupt {problem}"),
		},
		Err(e) => format!("corrupt the database does not open: {e}"),
	};
	let mut stdout = std::io::stdout().lock();
	let _ = writeln!(stdout, "{VERDICT} {}", verdict.replace('\n', " "));
	let _ = stdout.flush();
	std::process::exit(0)
}

/// In the parent: runs the check in a child process. `Ok` with what the check covered,
/// or `Err` with why the database must be quarantined.
pub fn check(timeout: Duration) -> Result<String, String> {
	let exe = std::env::current_exe().map_err(|e| format!("cannot find the node binary: {e}"))?;
	let started = Instant::now();
	let mut child = Command::new(&exe)
		.args(std::env::args_os().skip(1))
		.env(CHILD_ENV, "1")
		.stdin(Stdio::null())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.map_err(|e| format!("cannot start the integrity check ({}): {e}", exe.display()))?;
	let verdict = Arc::new(Mutex::new(None::<String>));
	let stdout = child.stdout.take().map(|out| {
		let verdict = verdict.clone();
		std::thread::spawn(move || {
			for line in BufReader::new(out).lines().map_while(Result::ok) {
				if let Some(v) = line.strip_prefix(VERDICT) {
					*verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(v.trim().into());
				}
			}
		})
	});
	// The child's log: kept to explain a death, not repeated into the node's log.
	let log = Arc::new(Mutex::new(VecDeque::<String>::new()));
	let stderr = child.stderr.take().map(|err| {
		let log = log.clone();
		std::thread::spawn(move || {
			for line in BufReader::new(err).lines().map_while(Result::ok) {
				let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
				if log.len() == KEPT_LOG_LINES {
					log.pop_front();
				}
				log.push_back(line);
			}
		})
	});
	let status = loop {
		match child.try_wait() {
			Ok(Some(status)) => break Some(status),
			Ok(None) if started.elapsed() < timeout => {
				std::thread::sleep(Duration::from_millis(50))
			}
			Ok(None) | Err(_) => {
				let _ = child.kill();
				let _ = child.wait();
				break None;
			}
		}
	};
	for reader in [stdout, stderr].into_iter().flatten() {
		let _ = reader.join();
	}
	let verdict = verdict.lock().unwrap_or_else(|e| e.into_inner()).take();
	let last_words = || {
		let log = log.lock().unwrap_or_else(|e| e.into_inner());
		log.iter()
			.rev()
			.find(|l| l.contains("panicked") || l.contains("ERROR") || l.contains("Error"))
			.or(log.back())
			.cloned()
			.unwrap_or_default()
	};
	match (verdict, status) {
		(Some(v), _) if v.starts_with("ok") => Ok(v.trim_start_matches("ok").trim().to_string()),
		(Some(v), _) => Err(v.trim_start_matches("corrupt").trim().to_string()),
		(None, Some(status)) => {
			let last = last_words();
			log::warn!(target: LOG_TARGET, "the integrity check died ({status}): {last}");
			Err(format!("reading the database killed the check ({status}): {last}"))
		}
		(None, None) => Err(format!(
			"reading the database did not finish within {} s: {}",
			timeout.as_secs(),
			last_words()
		)),
	}
}
