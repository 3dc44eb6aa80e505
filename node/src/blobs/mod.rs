// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The off-chain record store: encrypted record blobs, kept by every hospital node.
//!
//! The chain holds a record's content id (CIDv1, raw, sha2-256) and ciphertext hash; the
//! ciphertext itself lives here, in each node's [`store`]:
//!
//! - **Put** (RPC `ehr_putBlob`): an active doctor's signed request stages a blob. It is
//!   kept only if a record anchor adopts it within `--blob-staging-ttl`, so strangers
//!   cannot fill the store; staging is capped by size and in total.
//! - **Replicate** ([`replication`]): when a block that anchors records is finalized, every
//!   node adopts the staged blob or fetches it from a peer over the request-response
//!   protocol `/<genesis>/ehr/blob/2` ([`protocol`]), checking it against its content id. A periodic
//!   reconciliation against the finalized state catches up a node that was offline and
//!   drops the blobs of erased records.
//! - **Get** (RPC `ehr_getBlob`, [`access`]): a reader's signed request is answered only
//!   if the chain says the reader may access that record now, and the node records the
//!   access in the patient's on-chain audit trail, signed with the hospital's key.
//! - **Scrub** ([`replication`]): every stored blob is read again periodically and checked
//!   against its content id; damaged or lost files are set aside and fetched again from
//!   peers, counted in Prometheus ([`metrics`]).
//! - **Export** (`ehr-node export-blobs`, [`car`]): the stored blobs as files and a CAR
//!   file any IPFS node can import and pin.

pub mod access;
pub mod car;
pub mod metrics;
pub mod protocol;
pub mod replication;
mod retries;
pub mod staging;
pub mod store;

use crate::{client::FullClient, node_account::NodeAccount, read_limits::ReadLimits};
use ehr_primitives::{opaque::Block, Hash};
use sc_network::{
	request_responses::IncomingRequest, service::traits::NetworkService, ProtocolName,
};
use sc_network_sync::SyncingService;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use std::{sync::Arc, time::Duration};

const LOG_TARGET: &str = "ehr::blobs";

/// Command-line settings of the blob store.
#[derive(Debug, Clone, clap::Args)]
pub struct BlobParams {
	/// Seconds a put blob waits for a record anchor to refer to it before it is dropped.
	#[arg(long, value_name = "SECONDS", default_value_t = 600)]
	pub blob_staging_ttl: u64,

	/// Most MiB of blobs waiting for an anchor at once.
	#[arg(long, value_name = "MIB", default_value_t = 512)]
	pub blob_staging_mib: u64,

	/// Most MiB of blobs one doctor may put per staging period (`--blob-staging-ttl`).
	#[arg(long, value_name = "MIB", default_value_t = 64)]
	pub blob_staging_per_author_mib: u64,

	/// Blob reads and key releases one reader may have this node serve per minute (each
	/// is an audit transaction the node signs).
	#[arg(long, value_name = "COUNT", default_value_t = crate::read_limits::READS_PER_READER_PER_MINUTE)]
	pub max_reads_per_reader: usize,

	/// Blob reads and key releases of one record one reader may have this node serve per
	/// ten minutes.
	#[arg(long, value_name = "COUNT", default_value_t = crate::read_limits::READS_PER_RECORD_PER_TEN_MINUTES)]
	pub max_reads_per_record: usize,

	/// Seconds between two reconciliations of the store with the finalized chain (fetch
	/// what is missing, drop what was erased).
	#[arg(long, value_name = "SECONDS", default_value_t = 300)]
	pub blob_reconcile_interval: u64,

	/// Seconds between two scrubs of the blob store: every stored blob read again and
	/// checked against its content id; damaged or lost ones are fetched from peers.
	#[arg(long, value_name = "SECONDS", default_value_t = 3600)]
	pub blob_scrub_interval: u64,
}

impl BlobParams {
	pub fn limits(&self) -> store::StoreLimits {
		store::StoreLimits {
			// One limit for the whole consortium (nodes must take each other's blobs), and
			// IPFS's block limit, so every blob exports as one IPFS block.
			max_blob_bytes: ehr_primitives::blobs::MAX_BLOB_BYTES,
			staging_ttl: Duration::from_secs(self.blob_staging_ttl),
			staging_quota: self.blob_staging_mib * 1024 * 1024,
		}
	}

	/// Each doctor's share of the staging quota.
	pub fn staging_ledger(&self) -> staging::StagingLedger {
		staging::StagingLedger::new(
			self.blob_staging_per_author_mib * 1024 * 1024,
			Duration::from_secs(self.blob_staging_ttl),
		)
	}

	/// How often one reader may be served.
	pub fn read_limits(&self) -> crate::read_limits::ReadLimits {
		crate::read_limits::ReadLimits::new(self.max_reads_per_reader, self.max_reads_per_record)
	}

	pub fn reconcile_interval(&self) -> Duration {
		Duration::from_secs(self.blob_reconcile_interval.max(1))
	}

	pub fn scrub_interval(&self) -> Duration {
		Duration::from_secs(self.blob_scrub_interval.max(1))
	}
}

/// What the blob store needs from the node service.
pub struct StartParams<'a> {
	pub config: &'a Configuration,
	pub params: &'a BlobParams,
	pub client: Arc<FullClient>,
	pub network: Arc<dyn NetworkService>,
	pub sync: Arc<SyncingService<Block>>,
	/// The name of [`protocol`] and the requests peers send over it.
	pub protocol: ProtocolName,
	pub requests: async_channel::Receiver<IncomingRequest>,
	pub genesis: Hash,
	/// The node's service account, which records every read on chain.
	pub account: Option<Arc<NodeAccount>>,
	/// How often each reader was served recently (shared with key releases).
	pub reads: Arc<ReadLimits>,
	pub task_manager: &'a TaskManager,
}

/// Opens the node's blob store (`<chain dir>/blobs`), starts answering peers' blob
/// requests and replicating, and returns the service the RPC methods use.
pub fn start(p: StartParams<'_>) -> Result<Arc<access::BlobService>, ServiceError> {
	let store = Arc::new(
		store::BlobStore::open(
			p.config.base_path.config_dir(p.config.chain_spec.id()).join("blobs"),
			p.params.limits(),
		)
		.map_err(|e| ServiceError::Other(format!("opening the blob store: {e}")))?,
	);
	if let Some(registry) = p.config.prometheus_registry() {
		let metrics = metrics::BlobMetrics::register(registry)
			.map_err(|e| ServiceError::Other(format!("registering blob metrics: {e}")))?;
		store.report_to(metrics);
	}
	let fetcher =
		protocol::Fetcher { network: p.network.clone(), sync: p.sync, protocol: p.protocol };
	// Both blob tasks read files and walk chain state (a reconciliation reads every record
	// anchor): on threads of their own they never hold up the node's networking and
	// consensus tasks.
	p.task_manager.spawn_handle().spawn_blocking(
		"blob-answers",
		None,
		protocol::serve(p.client.clone(), p.network.local_peer_id(), store.clone(), p.requests),
	);
	p.task_manager.spawn_handle().spawn_blocking(
		"blob-replication",
		None,
		replication::Replicator {
			client: p.client.clone(),
			store: store.clone(),
			fetcher: fetcher.clone(),
			reconcile_interval: p.params.reconcile_interval(),
			scrub_interval: p.params.scrub_interval(),
		}
		.run(),
	);
	Ok(Arc::new(access::BlobService {
		client: p.client,
		store,
		fetcher,
		genesis: p.genesis,
		account: p.account,
		served: Default::default(),
		staging: p.params.staging_ledger(),
		reads: p.reads,
	}))
}
