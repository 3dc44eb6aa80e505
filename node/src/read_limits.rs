// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! How often one reader may have a node serve it (blobs and keys): each read makes the
//! node sign an audit transaction, so a reader looping with fresh signatures would
//! otherwise flood the chain. Per reader, and per reader and record, over sliding windows.

use ehr_primitives::{records::RecordId, AccountId};
use std::{
	collections::{HashMap, VecDeque},
	sync::Mutex,
	time::{Duration, Instant},
};

/// Reads one reader may have served per minute, over all records, by default.
pub const READS_PER_READER_PER_MINUTE: usize = 120;
/// Reads of one record one reader may have served per ten minutes, by default.
pub const READS_PER_RECORD_PER_TEN_MINUTES: usize = 20;

/// A reader asked too often.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{reader} asked this node {limit} times in the last {window_secs} s{what}; retry later")]
pub struct TooManyReads {
	pub reader: String,
	pub limit: usize,
	pub window_secs: u64,
	/// ` for record N`, or nothing for the per-reader limit.
	pub what: String,
}

/// Sliding-window counts of served reads.
pub struct ReadLimits {
	per_reader: Window<AccountId>,
	per_record: Window<(AccountId, RecordId)>,
}

impl Default for ReadLimits {
	fn default() -> Self {
		Self::new(READS_PER_READER_PER_MINUTE, READS_PER_RECORD_PER_TEN_MINUTES)
	}
}

impl ReadLimits {
	/// `per_reader` reads a minute per reader, `per_record` reads of one record per ten
	/// minutes per reader.
	pub fn new(per_reader: usize, per_record: usize) -> Self {
		Self {
			per_reader: Window::new(per_reader, Duration::from_secs(60)),
			per_record: Window::new(per_record, Duration::from_secs(600)),
		}
	}

	/// Counts a read of `record` by `reader`, or refuses it.
	pub fn admit(&self, reader: &AccountId, record: RecordId) -> Result<(), TooManyReads> {
		let refused = |window: &dyn WindowInfo, what: String| TooManyReads {
			reader: reader.to_string(),
			limit: window.limit(),
			window_secs: window.span().as_secs(),
			what,
		};
		if !self.per_record.would_admit(&(reader.clone(), record)) {
			return Err(refused(&self.per_record, format!(" for record {record}")));
		}
		if !self.per_reader.admit(reader) {
			return Err(refused(&self.per_reader, String::new()));
		}
		self.per_record.admit(&(reader.clone(), record));
		Ok(())
	}
}

trait WindowInfo {
	fn limit(&self) -> usize;
	fn span(&self) -> Duration;
}

struct Window<K> {
	limit: usize,
	span: Duration,
	hits: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K> WindowInfo for Window<K> {
	fn limit(&self) -> usize {
		self.limit
	}
	fn span(&self) -> Duration {
		self.span
	}
}

impl<K: std::hash::Hash + Eq + Clone> Window<K> {
	fn new(limit: usize, span: Duration) -> Self {
		Self { limit, span, hits: Default::default() }
	}

	/// The hits of `key` still in the window, after forgetting expired ones everywhere
	/// (the map stays as small as the readers of the last window).
	fn prune(&self, hits: &mut HashMap<K, VecDeque<Instant>>, now: Instant) {
		hits.retain(|_, times| {
			while times.front().is_some_and(|at| now.duration_since(*at) >= self.span) {
				times.pop_front();
			}
			!times.is_empty()
		});
	}

	fn would_admit(&self, key: &K) -> bool {
		let mut hits = self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		self.prune(&mut hits, Instant::now());
		hits.get(key).map_or(0, VecDeque::len) < self.limit
	}

	fn admit(&self, key: &K) -> bool {
		let mut hits = self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let now = Instant::now();
		self.prune(&mut hits, now);
		let times = hits.entry(key.clone()).or_default();
		if times.len() >= self.limit {
			return false;
		}
		times.push_back(now);
		true
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_keyring::Sr25519Keyring::{Alice, Bob};

	#[test]
	fn a_reader_is_limited_per_record_and_overall_and_others_are_not() {
		let limits = ReadLimits::default();
		let (alice, bob) = (Alice.to_account_id(), Bob.to_account_id());
		for _ in 0..READS_PER_RECORD_PER_TEN_MINUTES {
			limits.admit(&alice, 1).unwrap();
		}
		let refused = limits.admit(&alice, 1).unwrap_err();
		assert_eq!(refused.what, " for record 1");
		// Other records, up to the per-reader limit.
		let left = READS_PER_READER_PER_MINUTE - READS_PER_RECORD_PER_TEN_MINUTES;
		for record in 0..left as u64 {
			limits.admit(&alice, 100 + record).unwrap();
		}
		assert_eq!(limits.admit(&alice, 7).unwrap_err().what, "");
		limits.admit(&bob, 1).unwrap();
	}
}
