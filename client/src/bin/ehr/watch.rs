// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! A command's progress as it waits for the node: printed on stderr (human output),
//! remembered for the JSON result (the transaction and its finalized block), and bounded by
//! `--timeout`, whose error names what was being waited for.

use crate::output::{self, Failure, Format, Outcome};
use ehr_client::chain::Progress;
use ehr_primitives::Hash;
use serde_json::{json, Value};
use std::{
	cell::{Cell, RefCell},
	future::Future,
	sync::Mutex,
	time::{Duration, Instant},
};

/// When someone last answered a prompt (a confirmation): the timeout bounds waiting on the
/// node, never on people, so its clock restarts there too.
static ANSWERED: Mutex<Option<Instant>> = Mutex::new(None);

/// Notes that a prompt was just answered.
pub fn answered() {
	if let Ok(mut answered) = ANSWERED.lock() {
		*answered = Some(Instant::now());
	}
}

fn last_answered() -> Option<Instant> {
	ANSWERED.lock().ok().and_then(|answered| *answered)
}

pub struct Watch {
	human: bool,
	/// What the command waits for now, for the timeout's message.
	waiting: RefCell<String>,
	/// When the timeout's clock (re)started.
	since: Cell<Instant>,
	/// The transaction being watched.
	transaction: Cell<Option<Hash>>,
	/// Each finalized transaction, and its block.
	finalized: RefCell<Vec<(Hash, Hash)>>,
}

impl Watch {
	pub fn new(format: Format, waiting: impl Into<String>) -> Self {
		Self {
			human: format == Format::Human,
			waiting: RefCell::new(waiting.into()),
			since: Cell::new(Instant::now()),
			transaction: Cell::new(None),
			finalized: RefCell::new(Vec::new()),
		}
	}

	/// Says what the command waits for from now on.
	pub fn waiting_for(&self, what: impl Into<String>) {
		*self.waiting.borrow_mut() = what.into();
	}

	/// A note for people on stderr (not in JSON mode).
	pub fn note(&self, text: &str) {
		if self.human {
			eprintln!("{text}");
		}
	}

	/// A transaction's progress.
	pub fn progress(&self, progress: Progress) {
		match progress {
			Progress::Submitted { transaction } => {
				// Each transaction gets the whole `--timeout` to be finalized.
				self.since.set(Instant::now());
				self.note(&format!("  submitted {transaction:?}"));
				self.transaction.set(Some(transaction));
				self.waiting_for(format!(
					"transaction {} to be included and finalized",
					output::hash(&transaction)
				));
			}
			Progress::InBlock { block } => {
				self.note(&format!("  in block {block:?}"));
				let transaction = self.transaction.get().map(|t| output::hash(&t));
				self.waiting_for(format!(
					"transaction {} (in block {}) to be finalized",
					transaction.unwrap_or_default(),
					output::hash(&block)
				));
			}
			Progress::Finalized { block } => {
				self.since.set(Instant::now());
				self.note(&format!("  finalized in {block:?}"));
				if let Some(transaction) = self.transaction.take() {
					self.finalized.borrow_mut().push((transaction, block));
				}
				self.waiting_for("the node's answers after the transaction");
			}
			Progress::Busy { retry_in } => {
				// Waiting out a busy network does not count against `--timeout`.
				self.since.set(Instant::now() + retry_in);
				self.note(&format!(
					"  the network is at capacity (Registry::Busy): submitting again in {:.1} s",
					retry_in.as_secs_f64()
				));
			}
		}
	}

	/// The proof of work of `apply`: progress for people; the timeout counts from its end.
	pub fn work(&self, tried: u64, expected: u64) {
		self.note(&format!("proof of work: {tried} hashes tried (about {expected} expected)"));
		self.since.set(Instant::now());
	}

	/// When the clock last (re)started: the command's start, the end of a proof of work, a
	/// prompt answered, a transaction submitted or finalized.
	fn started(&self) -> Instant {
		let since = self.since.get();
		last_answered().map_or(since, |answered| answered.max(since))
	}

	/// Runs `future`, giving up `seconds` after the clock (re)started (never for 0).
	pub async fn limit<F: Future>(&self, seconds: u64, future: F) -> Result<F::Output, Failure> {
		if seconds == 0 {
			return Ok(future.await);
		}
		let limit = Duration::from_secs(seconds);
		tokio::pin!(future);
		loop {
			let deadline = tokio::time::Instant::from_std(self.started() + limit);
			tokio::select! {
				biased;
				done = &mut future => return Ok(done),
				_ = tokio::time::sleep_until(deadline) => {
					// The clock may have restarted meanwhile (see `started`).
					if self.started() + limit <= Instant::now() {
						let waiting = self.waiting.borrow().clone();
						return Err(Failure::Timeout { seconds, waiting });
					}
				}
			}
		}
	}

	/// Adds the transactions the command made to its JSON result: `transaction` and
	/// `block` of the first (the command's own), and `transactions` when there were more
	/// (key hand-overs).
	pub fn stamp(&self, outcome: &mut Outcome) {
		let finalized = self.finalized.borrow();
		let Value::Object(fields) = &mut outcome.json else { return };
		if let Some((transaction, block)) = finalized.first() {
			fields.entry("transaction").or_insert_with(|| output::hash(transaction).into());
			fields.entry("block").or_insert_with(|| output::hash(block).into());
		}
		if finalized.len() > 1 {
			let all = finalized
				.iter()
				.map(|(t, b)| json!({ "transaction": output::hash(t), "block": output::hash(b) }))
				.collect();
			fields.insert("transactions".into(), Value::Array(all));
		}
	}
}
