// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The data disk in Prometheus: how much of the filesystem holding the node's base path
//! (chain database, blob store, keystore) is left, in bytes. A node that cannot write
//! stops importing blocks and storing blobs; the `EhrDiskNearlyFull` alert
//! (deploy/prometheus/alerts.yml) warns well before.

use prometheus_endpoint::{register, Gauge, PrometheusError, Registry, U64};
use sc_service::TaskManager;
use std::{path::PathBuf, time::Duration};

/// How often the filesystem is asked: free space changes slowly.
const INTERVAL: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct DiskMetrics {
	available: Gauge<U64>,
	size: Gauge<U64>,
}

impl DiskMetrics {
	fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			available: register(
				Gauge::new(
					"ehr_disk_available_bytes",
					"Bytes left to the node on the filesystem of its base path",
				)?,
				registry,
			)?,
			size: register(
				Gauge::new(
					"ehr_disk_size_bytes",
					"Size of the filesystem of the node's base path",
				)?,
				registry,
			)?,
		})
	}

	fn update(&self, path: &std::path::Path) -> std::io::Result<()> {
		let stats = fs2::statvfs(path)?;
		self.available.set(stats.available_space());
		self.size.set(stats.total_space());
		Ok(())
	}
}

/// Registers the disk gauges and starts the task that keeps them current.
pub fn start(
	registry: Option<&Registry>,
	base_path: PathBuf,
	task_manager: &TaskManager,
) -> Result<(), PrometheusError> {
	let Some(registry) = registry else { return Ok(()) };
	let metrics = DiskMetrics::register(registry)?;
	task_manager.spawn_handle().spawn("disk-metrics", None, async move {
		loop {
			if let Err(e) = metrics.update(&base_path) {
				log::debug!("reading free space of {}: {e}", base_path.display());
			}
			futures_timer::Delay::new(INTERVAL).await;
		}
	});
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_gauges_read_the_filesystem() {
		let registry = Registry::new();
		let metrics = DiskMetrics::register(&registry).expect("registered");
		let dir = tempfile::tempdir().expect("temp dir");
		metrics.update(dir.path()).expect("statvfs");
		assert!(metrics.size.get() > 0);
		assert!(metrics.available.get() <= metrics.size.get());
		assert!(metrics.update(&dir.path().join("missing")).is_err());
	}
}
