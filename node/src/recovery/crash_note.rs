// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What the last run died of, for the next start to act on.
//!
//! Corruption the start-up check does not read (a state node deep in the trie, say) shows
//! up while running, as a panic on import or on a state read; Substrate's panic handler
//! then ends the process, and a supervisor restarts it into the same panic. Or it shows
//! as a signal no hook sees: ParityDB maps its files into memory, and a file shorter than
//! its index says (two table files swapped, in the corruption campaign) kills the process
//! with SIGBUS. So each run writes a note next to the database as it starts — "this run
//! has not ended cleanly", and how many runs in a row have not — a panic hook fills in
//! where and what, and a clean stop removes the note. The next start quarantines the
//! database when the last run panicked in the storage stack, or when [`CRASH_LOOP`] runs
//! in a row ended without a clean stop: a crash loop ends in a resync, never in a loop.

use std::path::{Path, PathBuf};

/// Consecutive runs ending without a clean stop (a panic, a signal, an error exit) after
/// which the database is quarantined whatever the cause was.
pub const CRASH_LOOP: u32 = 3;

/// The note's location while its run has neither stopped cleanly nor panicked.
const UNCLEAN_END: &str = "(no panic)";

/// Crates whose panics mean the database is unreadable.
const STORAGE_CRATES: &[&str] = &[
	"parity-db",
	"kvdb",
	"rocksdb",
	"sc-client-db",
	"sp-database",
	"sp-state-machine",
	"sp-trie",
	"trie-db",
	"memory-db",
];

/// The note's file, next to `database`.
pub fn path(database: &Path) -> PathBuf {
	database.with_file_name("ehr-last-panic")
}

/// How the last run ended, as the note recorded it.
#[derive(Debug, PartialEq, Eq)]
pub struct Note {
	/// Runs in a row that ended without a clean stop.
	pub crashes: u32,
	/// `file:line:column` of the panic, or [`UNCLEAN_END`] if the run did not panic.
	pub location: String,
	pub message: String,
}

impl Note {
	fn encode(&self) -> String {
		format!("{}\n{}\n{}\n", self.crashes, self.location, self.message)
	}

	fn decode(text: &str) -> Option<Self> {
		let mut lines = text.splitn(3, '\n');
		Some(Note {
			crashes: lines.next()?.trim().parse().ok()?,
			location: lines.next()?.to_string(),
			message: lines.next().unwrap_or_default().trim_end().to_string(),
		})
	}

	/// Whether the panic came from the database or the state it stores.
	pub fn in_storage(&self) -> bool {
		let location = self.location.replace('\\', "/");
		STORAGE_CRATES.iter().any(|name| {
			location.contains(&format!("/{name}-")) || location.contains(&format!("/{name}/"))
		})
	}

	/// Why the database must be quarantined, if it must.
	pub fn verdict(&self) -> Option<String> {
		if self.in_storage() {
			Some(format!(
				"the last run panicked reading the database at {}: {}",
				self.location, self.message
			))
		} else if self.crashes >= CRASH_LOOP && self.location == UNCLEAN_END {
			Some(format!(
				"the last {} runs ended without a clean stop (a crash loop), the last with no \
				 panic: a signal (SIGBUS when a memory-mapped database file is damaged), an \
				 error exit or a kill",
				self.crashes
			))
		} else if self.crashes >= CRASH_LOOP {
			Some(format!(
				"the last {} runs ended without a clean stop (a crash loop), the last in a panic \
				 at {}: {}",
				self.crashes, self.location, self.message
			))
		} else {
			None
		}
	}
}

/// The note left next to `database`, if the last run panicked.
pub fn read(database: &Path) -> Option<Note> {
	Note::decode(&std::fs::read_to_string(path(database)).ok()?)
}

/// Forgets the note: the run ended cleanly, or its database was quarantined.
pub fn clear(database: &Path) {
	let _ = std::fs::remove_file(path(database));
}

/// Notes that this run has not ended cleanly yet (the next start finds the note unless a
/// clean stop removes it), and chains a panic hook that adds where and what before
/// Substrate's handler ends the process.
pub fn install(database: &Path) {
	let file = path(database);
	let crashes = note_run_start(database);
	let previous = std::panic::take_hook();
	std::panic::set_hook(Box::new(move |info| {
		let location = info
			.location()
			.map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
			.unwrap_or_default();
		let message = info
			.payload()
			.downcast_ref::<&str>()
			.map(|s| s.to_string())
			.or_else(|| info.payload().downcast_ref::<String>().cloned())
			.unwrap_or_default();
		let note = Note { crashes, location, message };
		let _ = std::fs::write(&file, note.encode());
		previous(info);
	}));
}

/// Writes the note of a run that has not ended cleanly yet; returns how many runs in a row
/// have not, this one included.
fn note_run_start(database: &Path) -> u32 {
	let file = path(database);
	let crashes = read(database).map_or(0, |note| note.crashes).saturating_add(1);
	let running = Note { crashes, location: UNCLEAN_END.into(), message: String::new() };
	if let Err(e) = std::fs::write(&file, running.encode()) {
		log::warn!(target: super::LOG_TARGET, "writing {}: {e}", file.display());
	}
	crashes
}

#[cfg(test)]
mod tests {
	use super::*;

	fn note(location: &str, crashes: u32) -> Note {
		Note { crashes, location: location.into(), message: "boom".into() }
	}

	#[test]
	fn storage_panics_quarantine_at_once() {
		let parity = "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/parity-db-0.4.13/src/table.rs:512:40";
		assert!(note(parity, 1).verdict().is_some());
		let trie = "/cargo/registry/src/x/sp-trie-39.0.0/src/lib.rs:10:5";
		assert!(note(trie, 1).verdict().is_some());
	}

	#[test]
	fn other_panics_quarantine_only_in_a_crash_loop() {
		let elsewhere = "node/src/blobs/store.rs:10:5";
		assert_eq!(note(elsewhere, 1).verdict(), None);
		assert_eq!(note(elsewhere, CRASH_LOOP - 1).verdict(), None);
		assert!(note(elsewhere, CRASH_LOOP).verdict().is_some_and(|v| v.contains("crash loop")));
	}

	#[test]
	fn runs_ending_without_panic_or_clean_stop_quarantine_in_a_crash_loop() {
		let dir = tempfile::tempdir().expect("a temporary directory");
		let database = dir.path().join("paritydb/full");
		std::fs::create_dir_all(&database).expect("database dir");
		// Each start notes an unclean end; a SIGBUS leaves it as it is.
		for run in 1..=CRASH_LOOP {
			assert_eq!(read(&database).and_then(|n| n.verdict()), None, "before run {run}");
			note_run_start(&database);
		}
		let verdict = read(&database).and_then(|n| n.verdict()).expect("a crash loop");
		assert!(verdict.contains("no panic"), "{verdict}");
		// A clean stop forgets them.
		clear(&database);
		assert_eq!(read(&database), None);
	}

	#[test]
	fn notes_round_trip_with_multi_line_messages() {
		let written = Note { crashes: 2, location: "a.rs:1:2".into(), message: "x\ny".into() };
		assert_eq!(Note::decode(&written.encode()), Some(written));
		assert_eq!(Note::decode("garbage"), None);
	}
}
