// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Each doctor's share of the blobs waiting for an anchor: one doctor (a flooder, or a
//! stolen account) cannot take the node's whole staging quota and block every other
//! doctor of the hospital.

use ehr_primitives::AccountId;
use std::{
	collections::{HashMap, VecDeque},
	sync::Mutex,
	time::{Duration, Instant},
};

/// A doctor's staging budget is spent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
	"{author} has {staged} bytes of blobs waiting for an anchor on this node (limit {quota} \
	 per doctor); anchor them or wait until they expire"
)]
pub struct AuthorStagingFull {
	pub author: String,
	pub staged: u64,
	pub quota: u64,
}

/// Bytes each author put in the last staging period.
pub struct StagingLedger {
	quota: u64,
	ttl: Duration,
	puts: Mutex<HashMap<AccountId, VecDeque<(Instant, u64)>>>,
}

impl StagingLedger {
	/// A ledger allowing each author `quota` bytes per `ttl` (the staging period).
	pub fn new(quota: u64, ttl: Duration) -> Self {
		Self { quota, ttl, puts: Default::default() }
	}

	/// Counts `size` more bytes for `author`, or refuses if that exceeds its quota.
	pub fn charge(&self, author: &AccountId, size: u64) -> Result<(), AuthorStagingFull> {
		let mut puts = self.puts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let now = Instant::now();
		// Forget what is past its staging period, for everyone (bounded by the authors of
		// the last period).
		puts.retain(|_, entries| {
			while entries.front().is_some_and(|(at, _)| now.duration_since(*at) >= self.ttl) {
				entries.pop_front();
			}
			!entries.is_empty()
		});
		let entries = puts.entry(author.clone()).or_default();
		let staged: u64 = entries.iter().map(|(_, bytes)| bytes).sum();
		if staged.saturating_add(size) > self.quota {
			return Err(AuthorStagingFull {
				author: author.to_string(),
				staged,
				quota: self.quota,
			});
		}
		entries.push_back((now, size));
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_keyring::Sr25519Keyring::{Alice, Bob};

	#[test]
	fn each_author_has_its_own_budget_for_one_period() {
		let ledger = StagingLedger::new(100, Duration::from_millis(50));
		let (alice, bob) = (Alice.to_account_id(), Bob.to_account_id());
		ledger.charge(&alice, 60).unwrap();
		assert_eq!(
			ledger.charge(&alice, 41),
			Err(AuthorStagingFull { author: alice.to_string(), staged: 60, quota: 100 })
		);
		// Another doctor is not blocked by the first.
		ledger.charge(&bob, 100).unwrap();
		std::thread::sleep(Duration::from_millis(60));
		ledger.charge(&alice, 100).unwrap();
	}
}
