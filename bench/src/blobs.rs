// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Record blobs in the write path (`--blobs`): a real write is the encrypted blob put on
//! the doctor's node (`ehr_putBlob`), then its anchor, then the blob's replication to
//! every hospital's node. Each record of the load gets a blob of its own, of a realistic
//! size, whose SHA-256 its anchor names; a sample of them is followed until every node
//! holds it (`ehr_blobStatus` = stored): the replication lag.

use ehr_primitives::{
	blobs::{put_signing_payload, PutRequest, MAX_BLOB_BYTES},
	records::ContentId,
};
use ehr_rpc_api::{BlobStatus, PutBlobParams};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClient};
use sp_core::{sr25519, Pair, H256};
use std::{
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// The median blob: a clinical note or a small FHIR Bundle, encrypted.
pub const MEDIAN_BYTES: f64 = 8.0 * 1024.0;
/// The 95th percentile: a Bundle with attachments (a scanned letter, a small image).
pub const P95_BYTES: f64 = 256.0 * 1024.0;
/// The smallest blob (an encrypted empty Bundle is about this).
const MIN_BYTES: usize = 256;

/// Size of doctor `writer`'s `k`-th blob: log-normal with median [`MEDIAN_BYTES`] and 95th
/// percentile [`P95_BYTES`] (σ = ln 32 / 1.645 ≈ 2.1), within [256 B, `MAX_BLOB_BYTES`].
/// The mean is about 60 KiB after the cap.
pub fn size(writer: u64, k: u64) -> usize {
	let seed = seed(writer, k);
	let u1 = unit(seed[0..8].try_into().unwrap_or_default());
	let u2 = unit(seed[8..16].try_into().unwrap_or_default());
	// Box-Muller: a standard normal from two uniforms in (0, 1].
	let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
	let sigma = (P95_BYTES / MEDIAN_BYTES).ln() / 1.644_853_6;
	let bytes = MEDIAN_BYTES * (sigma * normal).exp();
	(bytes as usize).clamp(MIN_BYTES, MAX_BLOB_BYTES)
}

/// Doctor `writer`'s `k`-th blob: [`size`] bytes that look like ciphertext (no pattern a
/// store could compress), the same every time they are made.
pub fn blob(writer: u64, k: u64) -> Vec<u8> {
	let seed = seed(writer, k);
	let mut state = u64::from_le_bytes(seed[16..24].try_into().unwrap_or_default()) | 1;
	let len = size(writer, k);
	let mut bytes = Vec::with_capacity(len + 8);
	while bytes.len() < len {
		// xorshift64*: fast, and enough to defeat compression.
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		bytes.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
	}
	bytes.truncate(len);
	bytes
}

/// The SHA-256 of doctor `writer`'s `k`-th blob: what its anchor names.
pub fn digest(writer: u64, k: u64) -> [u8; 32] {
	sp_io::hashing::sha2_256(&blob(writer, k))
}

fn seed(writer: u64, k: u64) -> [u8; 32] {
	sp_io::hashing::sha2_256(
		&[b"ehr-bench blob".as_slice(), &writer.to_le_bytes(), &k.to_le_bytes()].concat(),
	)
}

/// A number in (0, 1] from 8 bytes.
fn unit(bytes: [u8; 8]) -> f64 {
	((u64::from_le_bytes(bytes) >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

/// Puts `blob` on the node behind `client` as `doctor`, as the `ehr` client does.
pub async fn put(
	client: &WsClient,
	doctor: &sr25519::Pair,
	genesis: H256,
	blob: &[u8],
) -> Result<(), String> {
	let issued_at = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_err(|e| e.to_string())?
		.as_millis() as u64;
	let request = PutRequest {
		genesis,
		author: ehr_runtime::AccountId::from(doctor.public()),
		sha256: sp_io::hashing::sha2_256(blob),
		issued_at,
	};
	let signature = doctor.sign(&put_signing_payload(&request));
	let params = PutBlobParams::new(&request, &signature.0, blob);
	client
		.request::<serde_json::Value, _>("ehr_putBlob", rpc_params![params])
		.await
		.map(|_| ())
		.map_err(|e| e.to_string())
}

/// One followed blob: when it was put, in which transaction, and when every node held it.
#[derive(Clone, Debug)]
pub struct Sample {
	pub transaction: [u8; 32],
	pub put_at: Instant,
	pub everywhere_at: Option<Instant>,
}

/// Sends blobs to follow to [`follow_replication`], at most one a [`SAMPLE_EVERY`].
#[derive(Clone)]
pub struct Sampler {
	to_follow: mpsc::UnboundedSender<(String, [u8; 32], Instant)>,
	last: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// How often a blob is picked to be followed: each followed blob costs a status query per
/// node every [`POLL`], so following every blob would load the nodes measured.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// How often each node is asked about a followed blob.
pub const POLL: Duration = Duration::from_millis(500);

impl Sampler {
	/// Offers the blob put at `put_at` for transaction `transaction`: followed if none was
	/// for [`SAMPLE_EVERY`].
	pub fn offer(&self, digest: [u8; 32], transaction: [u8; 32], put_at: Instant) {
		let mut last = self.last.lock().expect("not poisoned");
		if last.is_some_and(|last| put_at.saturating_duration_since(last) < SAMPLE_EVERY) {
			return;
		}
		*last = Some(put_at);
		let cid = ContentId::from_sha256(digest).to_multibase();
		let _ = self.to_follow.send((cid, transaction, put_at));
	}
}

/// A [`Sampler`] and the task following what it picks on every node until each holds it,
/// or until `stop` is set and `patience` has passed since.
pub fn follow_replication(
	clients: Vec<Arc<WsClient>>,
	stop: Arc<AtomicBool>,
	patience: Duration,
) -> (Sampler, tokio::task::JoinHandle<Vec<Sample>>) {
	let (to_follow, mut picked) = mpsc::unbounded_channel();
	let sampler = Sampler { to_follow, last: Default::default() };
	let task = tokio::spawn(async move {
		let mut done = Vec::new();
		// cid, sample, and which nodes already hold it.
		let mut pending: Vec<(String, Sample, Vec<bool>)> = Vec::new();
		let mut stopped_at = None;
		loop {
			while let Ok((cid, transaction, put_at)) = picked.try_recv() {
				let sample = Sample { transaction, put_at, everywhere_at: None };
				pending.push((cid, sample, vec![false; clients.len()]));
			}
			for (cid, sample, held) in pending.iter_mut() {
				for (node, client) in clients.iter().enumerate() {
					if held[node] {
						continue;
					}
					let status: Result<BlobStatus, _> =
						client.request("ehr_blobStatus", rpc_params![cid.clone()]).await;
					held[node] = matches!(status, Ok(BlobStatus::Stored));
				}
				if held.iter().all(|h| *h) {
					sample.everywhere_at = Some(Instant::now());
				}
			}
			let (finished, waiting): (Vec<_>, Vec<_>) =
				pending.into_iter().partition(|(_, sample, _)| sample.everywhere_at.is_some());
			done.extend(finished.into_iter().map(|(_, sample, _)| sample));
			pending = waiting;
			if stop.load(Ordering::Relaxed) {
				let since = *stopped_at.get_or_insert_with(Instant::now);
				if pending.is_empty() || since.elapsed() > patience {
					done.extend(pending.into_iter().map(|(_, sample, _)| sample));
					return done;
				}
			}
			tokio::time::sleep(POLL).await;
		}
	});
	(sampler, task)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sizes_have_the_median_and_tail_asked_for() {
		let mut sizes: Vec<usize> = (0..20_000).map(|k| size(7, k)).collect();
		sizes.sort_unstable();
		let median = sizes[sizes.len() / 2] as f64;
		let p95 = sizes[sizes.len() * 95 / 100] as f64;
		assert!((median / MEDIAN_BYTES - 1.0).abs() < 0.1, "median {median}");
		assert!((p95 / P95_BYTES - 1.0).abs() < 0.2, "p95 {p95}");
		assert!(sizes.iter().all(|s| (MIN_BYTES..=MAX_BLOB_BYTES).contains(s)));
	}

	#[test]
	fn a_blob_is_the_same_every_time_and_its_own() {
		assert_eq!(blob(3, 9), blob(3, 9));
		assert_eq!(blob(3, 9).len(), size(3, 9));
		assert_ne!(digest(3, 9), digest(3, 10));
		assert_ne!(digest(3, 9), digest(4, 9));
	}
}
