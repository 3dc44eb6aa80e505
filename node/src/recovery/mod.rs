//! Self-healing: the node notices a corrupt or lost local chain and heals itself from its
//! peers, without an operator.
//!
//! - **At start** ([`open_verified`]): before the service runs, the local database is
//!   opened and checked ([`integrity`]). If it does not open, or its finalized chain does
//!   not hold together, it is moved aside — quarantined with a timestamp, never deleted —
//!   and the node starts with an empty database and syncs from its peers.
//! - **While running** ([`audit`]): the node periodically asks its peers, over a
//!   request-response protocol of its own, which blocks they finalized at recent heights,
//!   and compares with its own. Disagreeing with the majority at a finalized height can
//!   only come from local corruption: the node raises an alert, marks its database for
//!   quarantine and restarts itself, and the start-up path above recovers it.

pub mod audit;
pub mod integrity;
pub(crate) mod quarantine;

use crate::service::{new_partial, Service};
use prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64};
use sc_service::{error::Error as ServiceError, Configuration};
use std::{
	panic::AssertUnwindSafe,
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

const LOG_TARGET: &str = "ehr::recovery";

/// Command-line settings of self-healing.
#[derive(Debug, Clone, clap::Args)]
pub struct RecoveryParams {
	/// How many finalized blocks back from the finalized head the start-up check follows
	/// the chain by hash.
	#[arg(long, value_name = "BLOCKS", default_value_t = 256)]
	pub integrity_depth: u32,

	/// Seconds between two audits of the local finalized chain against the peers'.
	#[arg(long, value_name = "SECONDS", default_value_t = 600)]
	pub audit_interval: u64,

	/// Do not check the database at start nor audit it against peers.
	#[arg(long)]
	pub no_self_healing: bool,
}

impl RecoveryParams {
	pub fn audit_interval(&self) -> Duration {
		Duration::from_secs(self.audit_interval.max(1))
	}
}

/// Prometheus metrics of self-healing.
#[derive(Clone)]
pub struct RecoveryMetrics {
	pub quarantines: Counter<U64>,
	pub quarantined_databases: Gauge<U64>,
	pub integrity_check_millis: Gauge<U64>,
	pub audit_runs: Counter<U64>,
	pub audit_agreeing_peers: Gauge<U64>,
	pub audit_disagreeing_peers: Gauge<U64>,
	pub audit_local_divergences: Counter<U64>,
}

impl RecoveryMetrics {
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			quarantines: register(
				Counter::new(
					"ehr_recovery_quarantines_total",
					"Local databases quarantined by this node process after failing a check",
				)?,
				registry,
			)?,
			quarantined_databases: register(
				Gauge::new(
					"ehr_recovery_quarantined_databases",
					"Quarantined databases kept on disk for forensics",
				)?,
				registry,
			)?,
			integrity_check_millis: register(
				Gauge::new(
					"ehr_recovery_integrity_check_milliseconds",
					"Duration of the last start-up integrity check",
				)?,
				registry,
			)?,
			audit_runs: register(
				Counter::new(
					"ehr_audit_runs_total",
					"Audits of the finalized chain against peers",
				)?,
				registry,
			)?,
			audit_agreeing_peers: register(
				Gauge::new("ehr_audit_agreeing_peers", "Peers that agreed in the last audit")?,
				registry,
			)?,
			audit_disagreeing_peers: register(
				Gauge::new(
					"ehr_audit_disagreeing_peers",
					"Peers that disagreed in the last audit (the minority)",
				)?,
				registry,
			)?,
			audit_local_divergences: register(
				Counter::new(
					"ehr_audit_local_divergences_total",
					"Audits in which the local finalized chain disagreed with the peers' majority",
				)?,
				registry,
			)?,
		})
	}
}

/// The directory holding the node's chain database.
fn database_dir(config: &Configuration) -> Option<PathBuf> {
	config.database.path().map(Path::to_path_buf)
}

/// The file that asks the next start to quarantine the database (left by an audit that
/// found local divergence).
pub fn recovery_marker(database: &Path) -> PathBuf {
	database.with_file_name("ehr-recovery-requested")
}

/// Opens the node's database and checks it; on failure quarantines it and opens a fresh
/// one, from which the node will sync. Returns the service's parts and whether the
/// database was quarantined.
pub fn open_verified(
	config: &Configuration,
	params: &RecoveryParams,
	metrics: Option<&RecoveryMetrics>,
) -> Result<Service, ServiceError> {
	let Some(database) = database_dir(config).filter(|_| !params.no_self_healing) else {
		return new_partial(config);
	};
	let started = Instant::now();
	let marker = recovery_marker(&database);
	let failure = if let Ok(reason) = std::fs::read_to_string(&marker) {
		Some(format!("recovery requested: {}", reason.trim()))
	} else if !database.exists() {
		None
	} else {
		// A corrupt database can make the storage layer panic instead of failing.
		match std::panic::catch_unwind(AssertUnwindSafe(|| new_partial(config))) {
			Ok(Ok(parts)) => match integrity::verify(&parts.client, params.integrity_depth) {
				Ok(report) => {
					log::info!(
						target: LOG_TARGET,
						"✅ database integrity verified in {} ms: {report}",
						started.elapsed().as_millis()
					);
					record_check(metrics, &database, started);
					return Ok(parts);
				}
				Err(problem) => {
					drop(parts);
					Some(problem)
				}
			},
			Ok(Err(e)) => Some(format!("the database does not open: {e}")),
			Err(_) => Some("opening the database panicked".to_string()),
		}
	};
	if let Some(reason) = failure {
		log::error!(
			target: LOG_TARGET,
			"🚑 the local database failed its integrity check: {reason}. Quarantining it and \
			 syncing the chain from peers."
		);
		let kept = quarantine::move_aside(&database, &reason)
			.map_err(|e| ServiceError::Other(format!("quarantining {database:?}: {e}")))?;
		log::warn!(target: LOG_TARGET, "🚑 quarantined database kept at {}", kept.display());
		if let Err(e) = quarantine::prune(&database) {
			log::warn!(target: LOG_TARGET, "deleting old quarantined databases failed: {e}");
		}
		let _ = std::fs::remove_file(&marker);
		if let Some(metrics) = metrics {
			metrics.quarantines.inc();
		}
	}
	record_check(metrics, &database, started);
	new_partial(config)
}

fn record_check(metrics: Option<&RecoveryMetrics>, database: &Path, started: Instant) {
	if let Some(metrics) = metrics {
		metrics.integrity_check_millis.set(started.elapsed().as_millis() as u64);
		metrics.quarantined_databases.set(quarantine::count(database) as u64);
	}
}
