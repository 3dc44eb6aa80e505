// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Moving a failed database aside, with a note of why and when, for forensics.

use std::{
	io,
	path::{Path, PathBuf},
};

/// Where quarantined copies of `database` go: a `quarantine` directory next to the
/// database's own directory (`chains/<id>/quarantine/`).
fn quarantine_dir(database: &Path) -> PathBuf {
	let db_root = database.parent().unwrap_or(database);
	db_root.parent().unwrap_or(db_root).join("quarantine")
}

/// Moves `database` into the quarantine directory under a timestamped name and writes the
/// reason beside it; returns where it now is.
pub fn move_aside(database: &Path, reason: &str) -> io::Result<PathBuf> {
	let dir = quarantine_dir(database);
	std::fs::create_dir_all(&dir)?;
	let stamp = ehr_primitives::unix_millis_now();
	let name = database.file_name().and_then(|n| n.to_str()).unwrap_or("database");
	let target = dir.join(format!("{name}-{stamp}"));
	if database.exists() {
		std::fs::rename(database, &target)?;
	} else {
		std::fs::create_dir_all(&target)?;
	}
	std::fs::write(
		target.with_extension("reason"),
		format!("quarantined at {stamp} ms since the Unix epoch\n{reason}\n"),
	)?;
	Ok(target)
}

/// Quarantined copies kept; older ones are deleted (with their reasons) as new ones come,
/// so that repeated quarantines — say, a peer majority that keeps lying — never fill the
/// disk.
pub const KEPT: usize = 3;

/// When each quarantined copy next to `database` was made, ms since the Unix epoch, oldest
/// first.
pub fn stamps(database: &Path) -> Vec<u128> {
	let mut stamps: Vec<u128> = std::fs::read_dir(quarantine_dir(database))
		.map(|entries| {
			entries
				.filter_map(Result::ok)
				.filter(|e| e.path().is_dir())
				.filter_map(|e| {
					let name = e.file_name().into_string().ok()?;
					name.rsplit('-').next()?.parse().ok()
				})
				.collect()
		})
		.unwrap_or_default();
	stamps.sort_unstable();
	stamps
}

/// Deletes all but the newest `KEPT` quarantined copies next to `database`.
pub fn prune(database: &Path) -> io::Result<()> {
	let dir = quarantine_dir(database);
	let stamps = stamps(database);
	let name = database.file_name().and_then(|n| n.to_str()).unwrap_or("database");
	for stamp in stamps.iter().take(stamps.len().saturating_sub(KEPT)) {
		let copy = dir.join(format!("{name}-{stamp}"));
		std::fs::remove_dir_all(&copy)?;
		let _ = std::fs::remove_file(copy.with_extension("reason"));
	}
	Ok(())
}

/// How long to wait after the latest quarantine before an audit may ask for another: ten
/// minutes, doubling with each quarantine of the last day (at most about 10 hours).
pub fn backoff(database: &Path, now_ms: u128) -> std::time::Duration {
	let stamps = stamps(database);
	let day = 24 * 3600 * 1000;
	let recent = stamps.iter().filter(|s| now_ms.saturating_sub(**s) < day).count() as u32;
	let wait = std::time::Duration::from_secs(600) * 2u32.pow(recent.min(6));
	match stamps.last() {
		Some(latest) if recent > 0 => {
			let since = std::time::Duration::from_millis(now_ms.saturating_sub(*latest) as u64);
			wait.saturating_sub(since)
		}
		_ => std::time::Duration::ZERO,
	}
}

/// How many quarantined databases are kept next to `database`.
pub fn count(database: &Path) -> usize {
	std::fs::read_dir(quarantine_dir(database))
		.map(|entries| entries.filter_map(Result::ok).filter(|e| e.path().is_dir()).count())
		.unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn quarantine_moves_the_database_and_records_why() {
		let root = std::env::temp_dir().join(format!("ehr-quarantine-{}", std::process::id()));
		let database = root.join("chains/x/paritydb/full");
		std::fs::create_dir_all(&database).unwrap();
		std::fs::write(database.join("table"), b"bytes").unwrap();

		let kept = move_aside(&database, "header #7 does not hash to its id").unwrap();
		assert!(!database.exists());
		assert_eq!(std::fs::read(kept.join("table")).unwrap(), b"bytes");
		assert!(std::fs::read_to_string(kept.with_extension("reason")).unwrap().contains("#7"));
		assert!(kept.starts_with(root.join("chains/x/quarantine")));
		assert_eq!(count(&database), 1);
		std::fs::remove_dir_all(root).unwrap();
	}

	#[test]
	fn only_the_newest_copies_are_kept_and_audits_back_off() {
		let root = std::env::temp_dir().join(format!("ehr-quarantine-keep-{}", std::process::id()));
		let database = root.join("chains/x/paritydb/full");
		let mut now = 0;
		for _ in 0..(KEPT + 2) {
			std::fs::create_dir_all(&database).unwrap();
			move_aside(&database, "again").unwrap();
			prune(&database).unwrap();
			std::thread::sleep(std::time::Duration::from_millis(2));
			now = u128::from(ehr_primitives::unix_millis_now());
		}
		assert_eq!(count(&database), KEPT);
		// Reasons go with their copies.
		let files = std::fs::read_dir(root.join("chains/x/quarantine")).unwrap().count();
		assert_eq!(files, 2 * KEPT);
		// Three quarantines in the last day: wait 80 minutes after the latest.
		let wait = backoff(&database, now);
		assert!(wait > std::time::Duration::from_secs(79 * 60), "{wait:?}");
		assert_eq!(backoff(&database, now + 2 * 24 * 3600 * 1000), std::time::Duration::ZERO);
		std::fs::remove_dir_all(root).unwrap();
	}
}
