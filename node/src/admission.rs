// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Admission of transactions submitted over RPC: refused at once, with a "busy, retry"
//! code, when the network already holds as many transactions as it can carry in the next
//! few blocks.
//!
//! Why: over capacity, Substrate's pool accepts every valid transaction and later drops
//! some (evicted when the pool is full, or failing a re-validation on a starved node), and
//! a dropped transaction strands every later nonce of its sender. A client whose write
//! was accepted must be able to count on it; one the network cannot carry now is told so
//! while it can still act (retry after a slot, slow down).
//!
//! The runtime cannot see the pool, so this is the node's: [`AdmissionPool`] wraps the
//! pool handed to the RPC server (`author_*`, the new JSON-RPC spec's `transaction_*`)
//! and nothing else. Blocks, gossip from other nodes and the node's own transactions
//! (audit, replication) use the pool directly.
//!
//! The rule: a submission is refused while the pool holds at least `--pool-admission-blocks`
//! blocks' worth of transactions, counted both in transactions and in bytes, where a block's
//! worth is the most any of the last [`WINDOW`] best blocks carried (at least
//! [`FLOOR_TRANSACTIONS`] and [`FLOOR_BYTES`], for an idle chain), and never more than half
//! the pool's own limits (`--pool-limit`, `--pool-kbytes`), so what was admitted is never
//! evicted. Every node's pool holds the whole network's pending transactions (they are
//! gossiped), so each node judges the same backlog. The refusal is
//! `InvalidTransaction::Custom(i)`, `i` the index of the registry pallet's `Error::Busy`:
//! JSON-RPC error 1010 "Custom error: i", named from the metadata like the pool's other
//! refusals.

use ehr_primitives::opaque::Block;
use ehr_runtime::Runtime;
use jsonrpsee::core::async_trait;
use prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64};
use sc_client_api::BlockBackend;
use sc_transaction_pool_api::{
	ChainEvent, ImportNotificationStream, MaintainedTransactionPool, PoolStatus, ReadyTransactions,
	TransactionFor, TransactionPool, TransactionSource, TransactionStatusStreamFor, TxHash,
	TxInvalidityReportMap,
};
use sp_runtime::{
	traits::Block as BlockT,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
};
use std::{
	collections::{HashMap, VecDeque},
	pin::Pin,
	sync::{Arc, Mutex},
	time::Duration,
};

/// Best blocks whose contents set a block's worth of transactions.
pub const WINDOW: usize = 10;
/// A block's worth of transactions assumed however little recent blocks carried.
pub const FLOOR_TRANSACTIONS: usize = 256;
/// A block's worth of bytes assumed however little recent blocks carried.
pub const FLOOR_BYTES: usize = 1024 * 1024;

/// The node's admission settings.
#[derive(Debug, Clone, clap::Args)]
pub struct AdmissionParams {
	/// Blocks' worth of transactions the network may hold before this node refuses new
	/// submissions over RPC with `Registry::Busy` (retry after a slot), a block's worth
	/// being the most a recent block carried. Each block of backlog adds a slot to an
	/// accepted write's latency; at 1 or less the estimate of a block's worth could never
	/// grow to what a block can hold. 0 turns the check off (the pool then accepts until
	/// it is full, and may later drop what it accepted).
	// 1.5 lets the estimate grow to full blocks while keeping the backlog short. Measured
	// (README, "Performance"): under a 2.5x overload of batched writes every block was full
	// (35.0 of 35 batches), nothing accepted was lost, and accepted writes' p95 was 16.8 s
	// (the four nodes admit before each other's admissions reach them by gossip, so the
	// network's backlog can be a few times this). The sweep of other values was made on
	// runs whose records were all refused (bench/results/refused-batches) and is to redo.
	#[arg(long, value_name = "BLOCKS", default_value_t = 1.5)]
	pub pool_admission_blocks: f64,
}

/// The pool's own limits, from `--pool-limit` and `--pool-kbytes`.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
	pub count: usize,
	pub bytes: usize,
}

/// The admission rule and what it has seen of recent blocks.
pub struct Admission {
	backlog_blocks: f64,
	pool: PoolLimits,
	/// (transactions, bytes) of the last [`WINDOW`] best blocks.
	recent: Mutex<VecDeque<(usize, usize)>>,
	/// The index of `Registry::Busy`.
	busy: u8,
	metrics: Option<AdmissionMetrics>,
}

impl Admission {
	pub fn new(params: &AdmissionParams, pool: PoolLimits, registry: Option<&Registry>) -> Self {
		let busy = match pallet_ehr_registry::refusal::<Runtime>(pallet_ehr_registry::Error::Busy) {
			TransactionValidityError::Invalid(InvalidTransaction::Custom(code)) => code,
			// `refusal` makes nothing else of a registry error.
			_ => 0,
		};
		let metrics = registry.and_then(|registry| match AdmissionMetrics::register(registry) {
			Ok(metrics) => Some(metrics),
			Err(e) => {
				log::warn!("admission metrics not registered: {e}");
				None
			}
		});
		Self {
			backlog_blocks: params.pool_admission_blocks.max(0.0),
			pool,
			recent: Mutex::new(VecDeque::with_capacity(WINDOW)),
			busy,
			metrics,
		}
	}

	/// Notes what a new best block carried.
	pub fn note_block(&self, transactions: usize, bytes: usize) {
		let mut recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if recent.len() == WINDOW {
			recent.pop_front();
		}
		recent.push_back((transactions, bytes));
		drop(recent);
		if let Some(metrics) = &self.metrics {
			let (count, bytes) = self.limits();
			metrics.limit_transactions.set(count as u64);
			metrics.limit_bytes.set(bytes as u64);
		}
	}

	/// The most transactions and bytes the pool may hold before submissions are refused.
	pub fn limits(&self) -> (usize, usize) {
		let recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let per_block = recent.iter().map(|(count, _)| *count).max().unwrap_or(0);
		let bytes_per_block = recent.iter().map(|(_, bytes)| *bytes).max().unwrap_or(0);
		// Float to integer casts saturate.
		let count = (per_block.max(FLOOR_TRANSACTIONS) as f64 * self.backlog_blocks) as usize;
		let bytes = (bytes_per_block.max(FLOOR_BYTES) as f64 * self.backlog_blocks) as usize;
		(count.min(self.pool.count / 2), bytes.min(self.pool.bytes / 2))
	}

	/// Whether `incoming` more transactions of `incoming_bytes` may enter a pool in `status`.
	pub fn admits(&self, status: &PoolStatus, incoming: usize, incoming_bytes: usize) -> bool {
		if self.backlog_blocks == 0.0 {
			return true;
		}
		let (count, bytes) = self.limits();
		let held = status.ready.saturating_add(status.future);
		let held_bytes = status.ready_bytes.saturating_add(status.future_bytes);
		// One submission always fits an empty pool, however large.
		let admitted = held == 0
			|| (held.saturating_add(incoming) <= count
				&& held_bytes.saturating_add(incoming_bytes) <= bytes);
		if let Some(metrics) = &self.metrics {
			if admitted {
				metrics.admitted.inc_by(incoming as u64);
			} else {
				metrics.refused.inc_by(incoming as u64);
			}
		}
		admitted
	}

	fn busy<E: From<sc_transaction_pool_api::error::Error>>(&self) -> E {
		E::from(sc_transaction_pool_api::error::Error::InvalidTransaction(
			InvalidTransaction::Custom(self.busy),
		))
	}
}

struct AdmissionMetrics {
	admitted: Counter<U64>,
	refused: Counter<U64>,
	limit_transactions: Gauge<U64>,
	limit_bytes: Gauge<U64>,
}

impl AdmissionMetrics {
	fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			admitted: register(
				Counter::new(
					"ehr_pool_admitted_total",
					"Transactions submitted over RPC that the admission check let into the pool",
				)?,
				registry,
			)?,
			refused: register(
				Counter::new(
					"ehr_pool_busy_refusals_total",
					"Transactions submitted over RPC refused as Busy: the network held a full \
					 backlog",
				)?,
				registry,
			)?,
			limit_transactions: register(
				Gauge::new(
					"ehr_pool_admission_limit_transactions",
					"Transactions the pool may hold before RPC submissions are refused",
				)?,
				registry,
			)?,
			limit_bytes: register(
				Gauge::new(
					"ehr_pool_admission_limit_bytes",
					"Bytes of transactions the pool may hold before RPC submissions are refused",
				)?,
				registry,
			)?,
		})
	}
}

/// The pool as the RPC server sees it: [`Admission`] in front of `submit_*`, everything
/// else the inner pool's. It also maintains the pool (`sc-service` maintains the pool it
/// is given), which is where it learns what each new best block carried.
pub struct AdmissionPool<P, C> {
	inner: Arc<P>,
	client: Arc<C>,
	admission: Arc<Admission>,
}

impl<P: TransactionPool, C> AdmissionPool<P, C> {
	pub fn new(inner: Arc<P>, client: Arc<C>, admission: Arc<Admission>) -> Self {
		Self { inner, client, admission }
	}

	/// `Ok` if one more transaction, `xt`, may enter the pool now; else the busy refusal.
	fn admit_one(&self, xt: &<Block as BlockT>::Extrinsic) -> Result<(), P::Error> {
		if self.admission.admits(&self.inner.status(), 1, encoded_len(xt)) {
			Ok(())
		} else {
			Err(self.admission.busy())
		}
	}
}

fn encoded_len(xt: &<Block as BlockT>::Extrinsic) -> usize {
	codec::Encode::encoded_size(xt)
}

#[async_trait]
impl<P, C> TransactionPool for AdmissionPool<P, C>
where
	P: TransactionPool<Block = Block, Hash = <Block as BlockT>::Hash>,
	C: BlockBackend<Block> + Send + Sync,
{
	type Block = Block;
	type Hash = <Block as BlockT>::Hash;
	type InPoolTransaction = P::InPoolTransaction;
	type Error = P::Error;

	async fn submit_at(
		&self,
		at: <Block as BlockT>::Hash,
		source: TransactionSource,
		xts: Vec<TransactionFor<Self>>,
	) -> Result<Vec<Result<TxHash<Self>, Self::Error>>, Self::Error> {
		let bytes = xts.iter().map(encoded_len).sum();
		if !self.admission.admits(&self.inner.status(), xts.len(), bytes) {
			return Ok(xts.iter().map(|_| Err(self.admission.busy())).collect());
		}
		self.inner.submit_at(at, source, xts).await
	}

	async fn submit_one(
		&self,
		at: <Block as BlockT>::Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<TxHash<Self>, Self::Error> {
		self.admit_one(&xt)?;
		self.inner.submit_one(at, source, xt).await
	}

	async fn submit_and_watch(
		&self,
		at: <Block as BlockT>::Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<Pin<Box<TransactionStatusStreamFor<Self>>>, Self::Error> {
		self.admit_one(&xt)?;
		self.inner.submit_and_watch(at, source, xt).await
	}

	async fn ready_at(
		&self,
		at: <Block as BlockT>::Hash,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at(at).await
	}

	fn ready(&self) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready()
	}

	async fn report_invalid(
		&self,
		at: Option<<Block as BlockT>::Hash>,
		invalid_tx_errors: TxInvalidityReportMap<TxHash<Self>>,
	) -> Vec<Arc<Self::InPoolTransaction>> {
		self.inner.report_invalid(at, invalid_tx_errors).await
	}

	fn futures(&self) -> Vec<Self::InPoolTransaction> {
		self.inner.futures()
	}

	fn status(&self) -> PoolStatus {
		self.inner.status()
	}

	fn import_notification_stream(&self) -> ImportNotificationStream<TxHash<Self>> {
		self.inner.import_notification_stream()
	}

	fn on_broadcasted(&self, propagations: HashMap<TxHash<Self>, Vec<String>>) {
		self.inner.on_broadcasted(propagations)
	}

	fn hash_of(&self, xt: &TransactionFor<Self>) -> TxHash<Self> {
		self.inner.hash_of(xt)
	}

	fn ready_transaction(&self, hash: &TxHash<Self>) -> Option<Arc<Self::InPoolTransaction>> {
		self.inner.ready_transaction(hash)
	}

	async fn ready_at_with_timeout(
		&self,
		at: <Block as BlockT>::Hash,
		timeout: Duration,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at_with_timeout(at, timeout).await
	}
}

#[async_trait]
impl<P, C> MaintainedTransactionPool for AdmissionPool<P, C>
where
	P: MaintainedTransactionPool<Block = Block, Hash = <Block as BlockT>::Hash>,
	C: BlockBackend<Block> + Send + Sync,
{
	async fn maintain(&self, event: ChainEvent<Block>) {
		if let ChainEvent::NewBestBlock { hash, .. } = &event {
			match self.client.block_body(*hash) {
				Ok(Some(body)) => {
					let bytes = body.iter().map(encoded_len).sum();
					self.admission.note_block(body.len(), bytes);
				}
				Ok(None) => {}
				Err(e) => log::debug!("admission: no body for best block {hash}: {e}"),
			}
		}
		self.inner.maintain(event).await
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn admission(blocks: f64) -> Admission {
		Admission::new(
			&AdmissionParams { pool_admission_blocks: blocks },
			PoolLimits { count: 8192, bytes: 20 * 1024 * 1024 },
			None,
		)
	}

	fn status(ready: usize, ready_bytes: usize) -> PoolStatus {
		PoolStatus { ready, ready_bytes, future: 0, future_bytes: 0 }
	}

	#[test]
	fn an_idle_chain_admits_a_floor_of_blocks() {
		let admission = admission(3.0);
		assert_eq!(admission.limits(), (3 * FLOOR_TRANSACTIONS, 3 * FLOOR_BYTES));
		assert!(admission.admits(&status(3 * FLOOR_TRANSACTIONS - 1, 1000), 1, 100));
		assert!(!admission.admits(&status(3 * FLOOR_TRANSACTIONS, 1000), 1, 100));
	}

	#[test]
	fn the_backlog_follows_what_recent_blocks_carried() {
		let admission = admission(3.0);
		admission.note_block(700, 600_000);
		admission.note_block(20, 10_000);
		assert_eq!(admission.limits(), (2100, 3 * FLOOR_BYTES));
		assert!(admission.admits(&status(2099, 500_000), 1, 1000));
		assert!(!admission.admits(&status(2100, 500_000), 1, 1000));
		// Bytes bind too: large transactions (batches) fill the backlog by size first.
		assert!(!admission.admits(&status(10, 3 * FLOOR_BYTES - 10), 1, 1000));
		// A block leaves the window after WINDOW newer ones.
		for _ in 0..WINDOW {
			admission.note_block(10, 10);
		}
		assert_eq!(admission.limits(), (3 * FLOOR_TRANSACTIONS, 3 * FLOOR_BYTES));
	}

	#[test]
	fn a_backlog_of_more_than_a_block_lets_the_estimate_grow_to_full_blocks() {
		let admission = admission(1.5);
		// A block took all the pool held (1,000): the next may take up to 1,500, and so on
		// until blocks are cut by their own limits.
		admission.note_block(1000, 100);
		assert_eq!(admission.limits().0, 1500);
		admission.note_block(1500, 100);
		assert_eq!(admission.limits().0, 2250);
	}

	#[test]
	fn never_more_than_half_the_pool_so_admitted_transactions_are_not_evicted() {
		let admission = admission(50.0);
		admission.note_block(5000, 20 * 1024 * 1024);
		assert_eq!(admission.limits(), (4096, 10 * 1024 * 1024));
	}

	#[test]
	fn one_submission_always_fits_an_empty_pool() {
		let admission = admission(1.0);
		assert!(admission.admits(&status(0, 0), 1, 8 * FLOOR_BYTES));
	}

	#[test]
	fn zero_blocks_turns_the_check_off() {
		let admission = admission(0.0);
		assert!(admission.admits(&status(100_000, 1 << 30), 1, 100));
	}

	#[test]
	fn the_refusal_is_the_registry_busy_code() {
		let refusal: sc_transaction_pool_api::error::Error = admission(3.0).busy();
		let sc_transaction_pool_api::error::Error::InvalidTransaction(InvalidTransaction::Custom(
			code,
		)) = refusal
		else {
			panic!("not a custom refusal: {refusal:?}");
		};
		let busy = pallet_ehr_registry::Error::<Runtime>::Busy;
		let sp_runtime::DispatchError::Module(module) = sp_runtime::DispatchError::from(busy)
		else {
			panic!("not a module error");
		};
		assert_eq!(code, module.error[0]);
	}
}
