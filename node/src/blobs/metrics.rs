// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Prometheus metrics of the blob store: what it holds (blobs, bytes), what it still waits
//! for and how long blobs take to reach it (seconds), damage found, copies fetched again.

use prometheus_endpoint::{
	register, Counter, CounterVec, Gauge, Histogram, HistogramOpts, Opts, PrometheusError,
	Registry, U64,
};

/// How the store learnt that a blob was damaged or gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoundBy {
	/// Serving it (a reader or a peer asked for it).
	Read,
	/// The periodic scrub, which reads every stored blob.
	Scrub,
}

impl FoundBy {
	fn label(self) -> &'static str {
		match self {
			FoundBy::Read => "read",
			FoundBy::Scrub => "scrub",
		}
	}
}

#[derive(Clone)]
pub struct BlobMetrics {
	corrupt: CounterVec<U64>,
	/// Blobs of live anchors found missing by a reconciliation.
	pub missing: Counter<U64>,
	/// Blobs fetched from peers and stored (new records, missing and corrupt copies).
	pub fetched: Counter<U64>,
	/// Blobs the scrub read and found sound.
	pub scrubbed: Counter<U64>,
	/// Scrub passes over the whole store completed.
	pub scrub_passes: Counter<U64>,
	/// Blobs of finalized anchors this node does not hold yet and is fetching.
	pub pending: Gauge<U64>,
	/// How long the longest-waiting of those has been wanted.
	pub oldest_pending_seconds: Gauge<U64>,
	/// From the node wanting a blob (its anchor finalized, or the blob found missing or
	/// damaged) to holding it, for blobs fetched from peers.
	pub replication_seconds: Histogram,
	/// Blobs stored (adopted by an anchor), and their bytes; bytes staged for an anchor.
	pub stored: Gauge<U64>,
	pub stored_bytes: Gauge<U64>,
	pub staged_bytes: Gauge<U64>,
}

impl BlobMetrics {
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			corrupt: register(
				CounterVec::new(
					Opts::new(
						"ehr_blobs_corrupt_total",
						"Blob files that did not match their content id, set aside in corrupt/ \
						 and fetched again from peers, by how they were found",
					),
					&["found_by"],
				)?,
				registry,
			)?,
			missing: register(
				Counter::new(
					"ehr_blobs_missing_total",
					"Blobs of live record anchors found missing from the store",
				)?,
				registry,
			)?,
			fetched: register(
				Counter::new("ehr_blobs_fetched_total", "Blobs fetched from peers and stored")?,
				registry,
			)?,
			scrubbed: register(
				Counter::new("ehr_blobs_scrubbed_total", "Stored blobs the scrub found sound")?,
				registry,
			)?,
			scrub_passes: register(
				Counter::new(
					"ehr_blobs_scrub_passes_total",
					"Scrub passes over the whole blob store completed",
				)?,
				registry,
			)?,
			pending: register(
				Gauge::new(
					"ehr_blobs_pending",
					"Blobs of finalized record anchors this node does not hold yet (being fetched)",
				)?,
				registry,
			)?,
			oldest_pending_seconds: register(
				Gauge::new(
					"ehr_blobs_oldest_pending_seconds",
					"How long the longest-waiting pending blob has been wanted",
				)?,
				registry,
			)?,
			replication_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"ehr_blobs_replication_seconds",
						"From a blob being wanted (anchor finalized, or found missing) to this node \
						 holding it, for blobs fetched from peers",
					)
					.buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0]),
				)?,
				registry,
			)?,
			stored: register(
				Gauge::new("ehr_blobs_stored", "Blobs held for finalized record anchors")?,
				registry,
			)?,
			stored_bytes: register(
				Gauge::new("ehr_blobs_stored_bytes", "Bytes of the blobs held for record anchors")?,
				registry,
			)?,
			staged_bytes: register(
				Gauge::new(
					"ehr_blobs_staged_bytes",
					"Bytes of put blobs waiting for a record anchor to adopt them",
				)?,
				registry,
			)?,
		})
	}

	/// Sets the gauges of what the store holds.
	pub fn set_usage(&self, usage: &super::store::Usage) {
		self.stored.set(usage.stored);
		self.stored_bytes.set(usage.stored_bytes);
		self.staged_bytes.set(usage.staged_bytes);
	}

	pub fn corrupt(&self, found_by: FoundBy) {
		self.corrupt.with_label_values(&[found_by.label()]).inc();
	}

	/// Damaged blobs found so far by `found_by`.
	#[cfg(test)]
	pub fn corrupt_found(&self, found_by: FoundBy) -> u64 {
		self.corrupt.with_label_values(&[found_by.label()]).get()
	}
}
