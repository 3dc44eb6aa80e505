// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Prometheus metrics of the blob store: damage found, and copies fetched again.

use prometheus_endpoint::{register, Counter, CounterVec, Opts, PrometheusError, Registry, U64};

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
		})
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
