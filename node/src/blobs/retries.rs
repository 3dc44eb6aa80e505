// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The replicator's queue of blobs to fetch again: when each is due, how long it waited
//! last, and since when it has been wanted (for the replication-lag metrics).

use super::protocol::MAX_IDS_PER_REQUEST;
use ehr_primitives::records::ContentId;
use std::{
	collections::HashMap,
	time::{Duration, Instant},
};

/// Blobs of finalized anchors that no peer had yet are retried rather than left to the
/// next reconciliation: first after `FIRST_RETRY`, then at twice the previous wait, at
/// most `MAX_RETRIES_PER_TICK` fetches every tick, at most `MAX_PENDING` blobs waiting
/// (the reconciliation catches the rest). A blob nobody has costs its peers little.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const MAX_RETRIES_PER_TICK: usize = 4 * MAX_IDS_PER_REQUEST;
const MAX_PENDING: usize = 4096;

/// Blobs waiting for another fetch, with when and how long the last wait was, and since
/// when each has been wanted.
#[derive(Default)]
pub struct Retries {
	pending: HashMap<ContentId, (Instant, Duration)>,
	/// Since when each blob still missing (pending, or being fetched) has been wanted.
	since: HashMap<ContentId, Instant>,
}

impl Retries {
	/// Schedules the first retry of blobs no peer had.
	pub fn add(&mut self, cids: Vec<ContentId>, now: Instant) {
		for cid in cids {
			if self.pending.len() >= MAX_PENDING {
				return;
			}
			self.pending.entry(cid).or_insert((now + FIRST_RETRY, FIRST_RETRY));
			self.since.entry(cid).or_insert(now);
		}
	}

	/// Queues blobs to fetch at once (as many as fit); returns how many were queued.
	pub fn add_due(&mut self, cids: Vec<ContentId>, now: Instant) -> usize {
		let mut queued = 0;
		for cid in cids {
			if self.pending.len() >= MAX_PENDING {
				break;
			}
			if self.pending.insert(cid, (now, FIRST_RETRY / 2)).is_none() {
				queued += 1;
			}
			self.since.entry(cid).or_insert(now);
		}
		queued
	}

	/// Forgets a blob that arrived; returns how long it was wanted.
	pub fn forget(&mut self, cid: &ContentId, now: Instant) -> Option<Duration> {
		self.pending.remove(cid);
		self.since.remove(cid).map(|since| now.saturating_duration_since(since))
	}

	/// Forgets since when blobs were wanted that are no longer pending (after a
	/// reconciliation replaced the queue).
	pub fn forget_not_pending(&mut self) {
		let pending = &self.pending;
		self.since.retain(|cid, _| pending.contains_key(cid));
	}

	/// How many blobs are still wanted (pending, or being fetched).
	pub fn wanted(&self) -> usize {
		self.since.len()
	}

	/// How long the longest-waiting blob has been wanted.
	pub fn oldest(&self, now: Instant) -> Option<Duration> {
		self.since.values().map(|since| now.saturating_duration_since(*since)).max()
	}

	/// Takes up to `MAX_RETRIES_PER_TICK` blobs whose retry is due, with their last wait.
	pub fn take_due(&mut self, now: Instant) -> Vec<(ContentId, Duration)> {
		let due: Vec<(ContentId, Duration)> = self
			.pending
			.iter()
			.filter(|(_, (at, _))| *at <= now)
			.take(MAX_RETRIES_PER_TICK)
			.map(|(cid, (_, wait))| (*cid, *wait))
			.collect();
		for (cid, _) in &due {
			self.pending.remove(cid);
		}
		due
	}

	/// Schedules another retry of blobs still missing, after twice the last wait.
	pub fn back_off(
		&mut self,
		still_missing: impl Iterator<Item = (ContentId, Duration)>,
		now: Instant,
	) {
		for (cid, wait) in still_missing {
			let wait = wait.saturating_mul(2);
			self.pending.insert(cid, (now + wait, wait));
		}
	}

	pub fn clear(&mut self) {
		self.pending.clear();
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn cid(n: u8) -> ContentId {
		ContentId::from_sha256([n; 32])
	}

	#[test]
	fn retries_wait_twice_as_long_each_time_and_are_bounded() {
		let start = Instant::now();
		let mut retries = Retries::default();
		retries.add(vec![cid(1), cid(2)], start);
		assert!(retries.take_due(start).is_empty(), "not due before the first wait");
		let due = retries.take_due(start + FIRST_RETRY);
		assert_eq!(due.len(), 2);
		assert!(due.iter().all(|(_, wait)| *wait == FIRST_RETRY));
		// cid(1) still missing: next try after 10 s; cid(2) arrived and is forgotten.
		retries.back_off(due.into_iter().filter(|(c, _)| *c == cid(1)), start + FIRST_RETRY);
		let later = start + FIRST_RETRY;
		assert!(retries.take_due(later + Duration::from_secs(9)).is_empty());
		assert_eq!(
			retries.take_due(later + Duration::from_secs(10)),
			vec![(cid(1), 2 * FIRST_RETRY)]
		);

		let many: Vec<ContentId> = (0..=255u8)
			.flat_map(|a| {
				(0..20u8).map(move |b| {
					let mut digest = [a; 32];
					digest[1] = b;
					ContentId::from_sha256(digest)
				})
			})
			.collect();
		retries.add(many, start);
		assert_eq!(retries.pending.len(), MAX_PENDING);
		assert_eq!(retries.take_due(start + FIRST_RETRY).len(), MAX_RETRIES_PER_TICK);
	}

	#[test]
	fn a_reconciliation_queues_what_fits_due_at_once() {
		let start = Instant::now();
		let mut retries = Retries::default();
		let many: Vec<ContentId> = (0..MAX_PENDING as u32 + 10)
			.map(|i| {
				let mut digest = [0u8; 32];
				digest[..4].copy_from_slice(&i.to_le_bytes());
				ContentId::from_sha256(digest)
			})
			.collect();
		assert_eq!(retries.add_due(many, start), MAX_PENDING, "the rest waits for the next pass");
		let due = retries.take_due(start);
		assert_eq!(due.len(), MAX_RETRIES_PER_TICK, "due at once, a tick's worth at a time");
		// Not found: the next try after FIRST_RETRY, as for a blob of a new block.
		let first = due[0].0;
		retries.back_off(due.into_iter().take(1), start);
		assert_eq!(retries.pending.get(&first), Some(&(start + FIRST_RETRY, FIRST_RETRY)));
	}

	#[test]
	fn retries_know_how_long_each_blob_has_been_wanted() {
		let start = Instant::now();
		let mut retries = Retries::default();
		retries.add(vec![cid(1)], start);
		retries.add(vec![cid(1), cid(2)], start + FIRST_RETRY);
		assert_eq!(retries.oldest(start + 3 * FIRST_RETRY), Some(3 * FIRST_RETRY));
		// Taken for a fetch: still wanted; backed off: the first want counts.
		let due = retries.take_due(start + 2 * FIRST_RETRY);
		assert_eq!(due.len(), 2);
		assert_eq!(retries.oldest(start + 3 * FIRST_RETRY), Some(3 * FIRST_RETRY));
		retries.back_off(due.into_iter().filter(|(c, _)| *c == cid(1)), start + 2 * FIRST_RETRY);
		// cid(2) arrived after 2 retries' time: wanted since the second add.
		assert_eq!(retries.forget(&cid(2), start + 3 * FIRST_RETRY), Some(2 * FIRST_RETRY));
		assert_eq!(retries.since.len(), 1);
		// A reconciliation that no longer finds cid(1) missing forgets it.
		retries.clear();
		retries.add_due(vec![cid(3)], start + 4 * FIRST_RETRY);
		retries.forget_not_pending();
		assert_eq!(retries.oldest(start + 5 * FIRST_RETRY), Some(FIRST_RETRY));
		assert_eq!(retries.forget(&cid(3), start + 5 * FIRST_RETRY), Some(FIRST_RETRY));
		assert_eq!(retries.oldest(start), None);
	}
}
