// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Self-healing: the node notices a corrupt or lost local chain and heals itself from its
//! peers, without an operator.
//!
//! - **At start** ([`open_verified`]): before the service runs, the local database is
//!   opened and checked ([`integrity`]) in a child process ([`isolated`]), so that a
//!   database that panics, aborts or hangs the reader cannot take the node down. If it
//!   does not open, its finalized chain does not hold together, or the check dies, it is
//!   moved aside — quarantined with a timestamp, never deleted — and the node starts with
//!   an empty database and syncs from its peers. The same happens when the last run
//!   panicked in the storage stack or a crash loop is under way ([`crash_note`]).
//! - **While running** ([`audit`]): the node periodically asks its peers, over a
//!   request-response protocol of its own, which blocks they finalized at recent heights,
//!   and compares with its own. Disagreeing with the majority at a finalized height can
//!   only come from local corruption: the node raises an alert, marks its database for
//!   quarantine and restarts itself, and the start-up path above recovers it.

pub mod audit;
pub mod crash_note;
pub mod integrity;
pub mod isolated;
pub(crate) mod quarantine;
pub mod stall;

use crate::client::Service;
use prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64};
use sc_service::{error::Error as ServiceError, Configuration};
use std::{
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

	/// Seconds without importing a block, while peers announce blocks well ahead, after
	/// which the node audits its chain and restarts (0: never).
	#[arg(long, value_name = "SECONDS", default_value_t = 60)]
	pub sync_stall_restart: u64,

	/// Seconds the start-up check may take before the database counts as unreadable (a
	/// corrupt database can hang its reader).
	#[arg(long, value_name = "SECONDS", default_value_t = 300)]
	pub integrity_check_timeout: u64,

	/// Do not check the database at start nor audit it against peers.
	#[arg(long)]
	pub no_self_healing: bool,
}

impl RecoveryParams {
	pub fn sync_stall_timeout(&self) -> Option<Duration> {
		(self.sync_stall_restart > 0).then(|| Duration::from_secs(self.sync_stall_restart))
	}

	pub fn integrity_check_timeout(&self) -> Duration {
		Duration::from_secs(self.integrity_check_timeout.max(1))
	}

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
	pub sync_stall_restarts: Counter<U64>,
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
			sync_stall_restarts: register(
				Counter::new(
					"ehr_sync_stall_restarts_total",
					"Restarts after the node imported nothing for long while its peers were ahead",
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

/// The file present while this process opens the database after the child's check: a
/// start that finds it died there, and quarantines.
fn opening_marker(database: &Path) -> PathBuf {
	database.with_file_name("ehr-opening-database")
}

/// The database directory of `config` when self-healing is on.
pub fn checked_database(config: &Configuration, params: &RecoveryParams) -> Option<PathBuf> {
	database_dir(config).filter(|_| !params.no_self_healing)
}

/// Why the database of this start must be quarantined, if it must.
fn failure(database: &Path, params: &RecoveryParams, started: Instant) -> Option<String> {
	if let Ok(reason) = std::fs::read_to_string(recovery_marker(database)) {
		return Some(format!("recovery requested: {}", reason.trim()));
	}
	if let Some(verdict) = crash_note::read(database).and_then(|note| note.verdict()) {
		return Some(verdict);
	}
	if std::fs::metadata(opening_marker(database)).is_ok() {
		return Some("the last start died opening the database after its check".into());
	}
	if !database.exists() {
		return None;
	}
	match isolated::check(params.integrity_check_timeout()) {
		Ok(report) => {
			log::info!(
				target: LOG_TARGET,
				"✅ database integrity verified in {} ms: {report}",
				started.elapsed().as_millis()
			);
			None
		}
		Err(problem) => Some(problem),
	}
}

/// Opens the node's database with `open` (the service's `new_partial`) once a child
/// process has checked it (see [`isolated`]); on failure quarantines it and opens a fresh
/// one, from which the node will sync. Installs the panic hook of [`crash_note`].
pub fn open_verified(
	config: &Configuration,
	params: &RecoveryParams,
	metrics: Option<&RecoveryMetrics>,
	open: impl FnOnce(&Configuration) -> Result<Service, ServiceError>,
) -> Result<Service, ServiceError> {
	let Some(database) = checked_database(config, params) else {
		return open(config);
	};
	let started = Instant::now();
	if let Some(reason) = failure(&database, params, started) {
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
		for done in [recovery_marker(&database), opening_marker(&database)] {
			let _ = std::fs::remove_file(done);
		}
		crash_note::clear(&database);
		if let Some(metrics) = metrics {
			metrics.quarantines.inc();
		}
	}
	record_check(metrics, &database, started);
	crash_note::install(&database);
	let opening = opening_marker(&database);
	if let Some(parent) = opening.parent() {
		std::fs::create_dir_all(parent)?;
	}
	std::fs::write(&opening, b"")?;
	let parts = open(config);
	let _ = std::fs::remove_file(&opening);
	parts
}

fn record_check(metrics: Option<&RecoveryMetrics>, database: &Path, started: Instant) {
	if let Some(metrics) = metrics {
		metrics.integrity_check_millis.set(started.elapsed().as_millis() as u64);
		metrics.quarantined_databases.set(quarantine::count(database) as u64);
	}
}
