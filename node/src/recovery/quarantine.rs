//! Moving a failed database aside, with a note of why and when, for forensics.

use std::{
	io,
	path::{Path, PathBuf},
	time::{SystemTime, UNIX_EPOCH},
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
	let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
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
}
