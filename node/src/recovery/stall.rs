// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The sync-stall watch: a node that stays behind its peers without importing anything.
//!
//! Seen in the corruption campaign: after a few quick restarts a node's sync banned a
//! peer ("Not requested block data") and then imported nothing for minutes while its
//! three peers were hundreds of blocks ahead; a fresh process synced at once. The audit
//! loop asks this watch every [`CHECK_EVERY`]; when the best block has not moved for
//! `--sync-stall-restart` seconds while peers have announced blocks more than
//! [`GAP`] ahead, the audit runs first (a node stuck because its finalized chain
//! diverged must be quarantined, not restarted onto the same chain), and if it finds
//! no divergence the node restarts itself. A node that stalls again at the same height
//! after that restart has a local state that cannot take the peers' blocks (a state
//! node lost, say: "Database missing expected key", then "Storage root must match"):
//! it marks its database for quarantine before restarting.
//!
//! Finality can stall the same way: a node freshly synced after a quarantine imported
//! every block but its GRANDPA voter never caught up (finalized #223 while best and the
//! peers were at #320). A second watch follows the finalized block against the best
//! one; when it has not moved for the same time, the audit asks the peers how far they
//! finalized, and only if a majority of them is more than [`GAP`] blocks further does
//! the node restart — a finality stall of the whole network (a split) restarts nobody.

use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

/// How often the watch looks.
pub const CHECK_EVERY: Duration = Duration::from_secs(10);

/// Blocks peers must be ahead for a still best block to count as a stall (a node at
/// the tip waits a slot or two for the next block).
pub const GAP: u32 = 8;

/// What the watch remembers between looks.
#[derive(Debug)]
pub struct StallWatch {
	timeout: Option<Duration>,
	best: u32,
	since: Instant,
}

impl StallWatch {
	/// A watch that reports a stall after `timeout` (none: never).
	pub fn new(timeout: Option<Duration>, best: u32, now: Instant) -> Self {
		Self { timeout, best, since: now }
	}

	/// Whether the node is stalled, given its best block and the best block its peers
	/// announced. Forgets the stall once reported, so the next report needs another
	/// whole `timeout` without progress.
	pub fn stalled(&mut self, best: u32, best_seen: Option<u32>, now: Instant) -> bool {
		if best != self.best {
			(self.best, self.since) = (best, now);
			return false;
		}
		let Some(timeout) = self.timeout else { return false };
		let behind = best_seen.is_some_and(|seen| seen > best.saturating_add(GAP));
		if now.saturating_duration_since(self.since) < timeout || !behind {
			return false;
		}
		self.since = now;
		true
	}
}

/// The note of the last stall, next to `database`: what stalled, and at which height.
fn note(database: &Path) -> PathBuf {
	database.with_file_name("ehr-last-stall")
}

/// Records a stall of `what` at `height` before the restart it causes; `true` if the last
/// restart was for the very same stall (the restart did not help: the local state cannot
/// take the peers' blocks, so the database must be quarantined).
pub fn stalled_again(database: &Path, what: &str, height: u32) -> bool {
	let this = format!("{what} #{height}");
	let again = std::fs::read_to_string(note(database)).is_ok_and(|last| last.trim() == this);
	let _ = std::fs::write(note(database), &this);
	again
}

/// Before a restart for a stall of `what` at `height`: the second time in a row at the
/// same height, marks the database for quarantine (see the module docs).
pub fn mark_if_stalled_again(database: &Path, what: &str, height: u32) {
	if !stalled_again(database, what, height) {
		return;
	}
	log::error!(
		target: super::LOG_TARGET,
		"🚨 {what} stalled again at #{height} after a restart: the local state cannot take \
		 the peers' blocks. Restarting to quarantine it and resync."
	);
	let reason = format!("{what} stalled at #{height} twice, across a restart");
	if let Err(e) = std::fs::write(super::recovery_marker(database), reason) {
		log::error!(target: super::LOG_TARGET, "cannot mark the database for recovery: {e}");
	}
}

/// The finalized height a majority of the answering peers reached.
pub fn majority_finalized(mut finalized: Vec<u32>) -> Option<u32> {
	finalized.sort_unstable_by(|a, b| b.cmp(a));
	finalized.get(finalized.len() / 2).copied()
}

#[cfg(test)]
mod tests {
	#[test]
	fn a_stall_at_the_same_height_after_a_restart_is_a_stall_again() {
		let dir = tempfile::tempdir().expect("tmp dir");
		let database = dir.path().join("full");
		assert!(!super::stalled_again(&database, "sync", 452));
		assert!(super::stalled_again(&database, "sync", 452), "the restart did not help");
		assert!(!super::stalled_again(&database, "sync", 460), "progress in between");
		assert!(!super::stalled_again(&database, "finality", 460), "another kind");
	}

	#[test]
	fn the_majority_finalized_height_is_one_more_than_half_the_peers_reached() {
		assert_eq!(super::majority_finalized(vec![]), None);
		assert_eq!(super::majority_finalized(vec![300, 10, 320]), Some(300));
		assert_eq!(super::majority_finalized(vec![300, 10, 5, 320]), Some(10));
	}

	use super::*;

	#[test]
	fn a_still_best_block_far_behind_the_peers_is_a_stall_once_per_timeout() {
		let start = Instant::now();
		let minute = Duration::from_secs(60);
		let mut watch = StallWatch::new(Some(minute), 0, start);
		assert!(!watch.stalled(0, Some(200), start + minute / 2), "not yet");
		assert!(watch.stalled(0, Some(200), start + minute), "a minute without progress");
		assert!(!watch.stalled(0, Some(200), start + minute + CHECK_EVERY), "reported once");
		assert!(watch.stalled(0, Some(210), start + 2 * minute), "and again a minute later");
	}

	#[test]
	fn progress_peers_at_the_tip_or_no_timeout_are_not_stalls() {
		let start = Instant::now();
		let minute = Duration::from_secs(60);
		let mut watch = StallWatch::new(Some(minute), 10, start);
		assert!(!watch.stalled(11, Some(200), start + minute), "it imported a block");
		assert!(!watch.stalled(11, Some(11 + GAP), start + 3 * minute), "peers at the tip");
		assert!(!watch.stalled(11, None, start + 4 * minute), "no peers");
		let mut off = StallWatch::new(None, 0, start);
		assert!(!off.stalled(0, Some(1_000), start + 60 * minute));
	}
}
