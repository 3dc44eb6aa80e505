// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The blob store on disk: encrypted record blobs, one file each, named by content id.
//!
//! Layout under the chain's data directory (`chains/<id>/blobs/`):
//! - `objects/<cid>`: blobs a finalized record anchor refers to; kept until erased.
//! - `staging/<cid>`: blobs put by a doctor whose anchor is not finalized yet; dropped
//!   `staging_ttl` after they were put unless an anchor adopts them first.
//! - `tmp/`: files being written. Every write goes to `tmp/` and is renamed into place,
//!   so a crash leaves either the whole blob or nothing, never half of one.
//!
//! Every blob is checked against its content id when it enters the store, again when it
//! is read, and by a periodic scrub of the whole store ([`BlobStore::scrub`]): a file
//! altered on disk is moved aside (`corrupt/`) rather than served, and the replication
//! task fetches a good copy from a peer.

use super::metrics::{BlobMetrics, FoundBy};
use ehr_primitives::records::ContentId;
use sp_io::hashing::sha2_256;
use std::{
	fs, io,
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Mutex, OnceLock,
	},
	time::{Duration, SystemTime},
};

/// Why a blob was not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	#[error("the blob is {size} bytes; this node stores at most {max} bytes per blob")]
	TooLarge { size: usize, max: usize },
	#[error("the blob is empty")]
	Empty,
	#[error("the blob does not match content id {expected}")]
	CidMismatch { expected: String },
	#[error(
		"this node holds {staged} bytes of blobs no anchor refers to yet (limit {quota}); \
		 try again after some are anchored or expire"
	)]
	StagingFull { staged: u64, quota: u64 },
	#[error("blob store I/O: {0}")]
	Io(#[from] io::Error),
}

/// Limits of a blob store.
#[derive(Clone, Copy, Debug)]
pub struct StoreLimits {
	/// Largest blob accepted, in bytes.
	pub max_blob_bytes: usize,
	/// How long a put blob waits for an anchor.
	pub staging_ttl: Duration,
	/// Most bytes waiting for an anchor at once.
	pub staging_quota: u64,
}

/// What a store holds, as [`BlobStore::usage`] counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
	pub stored: u64,
	pub stored_bytes: u64,
	pub staged_bytes: u64,
}

/// Where a blob is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Placement {
	/// Referred to by a finalized anchor.
	Stored,
	/// Waiting for an anchor.
	Staged,
	/// Not here.
	Absent,
}

/// The blob store of one node.
pub struct BlobStore {
	root: PathBuf,
	limits: StoreLimits,
	/// Serialises staging, so concurrent puts cannot together overshoot the quota.
	staging: Mutex<()>,
	/// Bytes in `staging/` at the last count plus those staged since: never less than what
	/// it holds (only puts and fetched copies add to it, and both add here), so a put
	/// within it needs no walk of the directory — one per put cost a stat per staged blob,
	/// half a second a put with 20,000 staged. Counted again by every expiry pass and
	/// before any refusal.
	staged_estimate: AtomicU64,
	/// Makes every temporary file name unique: RPC puts, reads that fetch from a peer and
	/// the replicator may write the same blob at the same time.
	next_tmp: AtomicU64,
	metrics: OnceLock<BlobMetrics>,
}

/// What a scrub of some blobs found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scrubbed {
	/// Blobs read and found sound.
	pub sound: usize,
	/// Blobs that did not match their id (now in `corrupt/`) or were gone.
	pub damaged: Vec<ContentId>,
	/// Bytes read.
	pub bytes: u64,
}

impl BlobStore {
	/// Opens (creating if needed) the store under `root` for the node that owns it,
	/// discarding unfinished writes.
	pub fn open(root: impl Into<PathBuf>, limits: StoreLimits) -> io::Result<Self> {
		let store = Self::at(root.into(), limits);
		for dir in ["objects", "staging", "corrupt"] {
			fs::create_dir_all(store.root.join(dir))?;
		}
		let _ = fs::remove_dir_all(store.root.join("tmp"));
		fs::create_dir_all(store.root.join("tmp"))?;
		store.staged_estimate.store(store.staged_bytes()?, Ordering::Relaxed);
		Ok(store)
	}

	/// Opens an existing store to read it (export) while its node may be running: changes
	/// nothing on disk, unfinished writes included.
	pub fn open_to_read(root: impl Into<PathBuf>) -> io::Result<Self> {
		let limits = StoreLimits {
			max_blob_bytes: usize::MAX,
			staging_ttl: Duration::MAX,
			staging_quota: 0,
		};
		let store = Self::at(root.into(), limits);
		if !store.root.join("objects").is_dir() {
			return Err(io::Error::new(
				io::ErrorKind::NotFound,
				format!("no blob store at {}", store.root.display()),
			));
		}
		Ok(store)
	}

	fn at(root: PathBuf, limits: StoreLimits) -> Self {
		Self {
			root,
			limits,
			staging: Mutex::new(()),
			staged_estimate: AtomicU64::new(0),
			next_tmp: AtomicU64::new(0),
			metrics: OnceLock::new(),
		}
	}

	/// Counts the damage this store finds in `metrics` from now on.
	pub fn report_to(&self, metrics: BlobMetrics) {
		let _ = self.metrics.set(metrics);
	}

	pub fn metrics(&self) -> Option<&BlobMetrics> {
		self.metrics.get()
	}

	pub fn limits(&self) -> StoreLimits {
		self.limits
	}

	/// Checks a blob's size.
	pub fn check_size(&self, size: usize) -> Result<(), StoreError> {
		if size == 0 {
			return Err(StoreError::Empty);
		}
		if size > self.limits.max_blob_bytes {
			return Err(StoreError::TooLarge { size, max: self.limits.max_blob_bytes });
		}
		Ok(())
	}

	/// Keeps `blob` until an anchor refers to it (or `staging_ttl` passes). Returns its
	/// content id; a blob already stored is not staged again.
	pub fn stage(&self, blob: &[u8]) -> Result<ContentId, StoreError> {
		self.check_size(blob.len())?;
		let cid = ContentId::from_sha256(sha2_256(blob));
		let _staging = self.staging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if self.placement(&cid) != Placement::Absent {
			return Ok(cid);
		}
		let size = blob.len() as u64;
		if self.staged_estimate.load(Ordering::Relaxed) + size > self.limits.staging_quota {
			let staged = self.staged_bytes()?;
			self.staged_estimate.store(staged, Ordering::Relaxed);
			if staged + size > self.limits.staging_quota {
				return Err(StoreError::StagingFull { staged, quota: self.limits.staging_quota });
			}
		}
		self.write_atomically(&self.path("staging", &cid), blob)?;
		self.staged_estimate.fetch_add(size, Ordering::Relaxed);
		Ok(cid)
	}

	/// Keeps a blob an anchor refers to (received from a peer), after checking it against
	/// `cid`: as `Stored` for a finalized anchor, as `Staged` (outside the staging quota,
	/// since an anchor exists) for one not finalized yet.
	pub fn insert(
		&self,
		cid: &ContentId,
		blob: &[u8],
		placement: Placement,
	) -> Result<(), StoreError> {
		self.check_size(blob.len())?;
		if ContentId::from_sha256(sha2_256(blob)) != *cid {
			return Err(StoreError::CidMismatch { expected: cid.to_multibase() });
		}
		match placement {
			Placement::Stored => {
				self.write_atomically(&self.path("objects", cid), blob)?;
				let _ = fs::remove_file(self.path("staging", cid));
			}
			Placement::Staged => {
				let _staging = self.staging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
				self.write_atomically(&self.path("staging", cid), blob)?;
				self.staged_estimate.fetch_add(blob.len() as u64, Ordering::Relaxed);
			}
			Placement::Absent => {}
		}
		Ok(())
	}

	/// Moves a staged blob into the store for good. `Ok(false)` if it was not staged.
	pub fn adopt(&self, cid: &ContentId) -> io::Result<bool> {
		match fs::rename(self.path("staging", cid), self.path("objects", cid)) {
			Ok(()) => Ok(true),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
			Err(e) => Err(e),
		}
	}

	/// Where the blob `cid` is.
	pub fn placement(&self, cid: &ContentId) -> Placement {
		if self.path("objects", cid).is_file() {
			Placement::Stored
		} else if self.path("staging", cid).is_file() {
			Placement::Staged
		} else {
			Placement::Absent
		}
	}

	/// The blob `cid`, stored or staged, checked against its id. A file that fails the
	/// check is moved to `corrupt/` and reported absent.
	pub fn get(&self, cid: &ContentId) -> io::Result<Option<Vec<u8>>> {
		self.get_from(cid, &["objects", "staging"], Some(FoundBy::Read))
	}

	/// The stored blob `cid`, checked against its id, without moving anything (export).
	pub fn read_stored(&self, cid: &ContentId) -> io::Result<Option<Vec<u8>>> {
		self.get_from(cid, &["objects"], None)
	}

	/// Reads the stored blobs `cids` (those still there) and checks each against its id,
	/// moving the damaged ones to `corrupt/`, until `max_bytes` are read. Returns what it
	/// found and the ids it did not get to.
	pub fn scrub<'a>(
		&self,
		cids: &'a [ContentId],
		max_bytes: u64,
	) -> io::Result<(Scrubbed, &'a [ContentId])> {
		let mut found = Scrubbed::default();
		for (done, cid) in cids.iter().enumerate() {
			if found.bytes >= max_bytes {
				return Ok((found, &cids[done..]));
			}
			let path = self.path("objects", cid);
			if !path.exists() {
				// Erased or never fetched: the reconciliation's business.
				continue;
			}
			match self.get_from(cid, &["objects"], Some(FoundBy::Scrub))? {
				Some(blob) => {
					found.sound += 1;
					found.bytes += blob.len() as u64;
					if let Some(metrics) = self.metrics() {
						metrics.scrubbed.inc();
					}
				}
				None => found.damaged.push(*cid),
			}
		}
		Ok((found, &[]))
	}

	/// `cid` from the first of `areas` that holds it, checked against its id. A damaged
	/// copy is set aside in `corrupt/` (and counted as found by `set_aside`) if
	/// `set_aside` is given, else left where it is.
	fn get_from(
		&self,
		cid: &ContentId,
		areas: &[&str],
		set_aside: Option<FoundBy>,
	) -> io::Result<Option<Vec<u8>>> {
		for area in areas {
			let path = self.path(area, cid);
			let blob = match fs::read(&path) {
				Ok(blob) => blob,
				Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
				Err(e) => return Err(e),
			};
			if ContentId::from_sha256(sha2_256(&blob)) == *cid {
				return Ok(Some(blob));
			}
			log::warn!(
				target: super::LOG_TARGET,
				"blob {} on disk does not match its id{}",
				cid.to_multibase(),
				if set_aside.is_some() { "; moved to corrupt/, to be fetched again" } else { "" }
			);
			if let Some(found_by) = set_aside {
				fs::rename(&path, self.root.join("corrupt").join(file_name(cid)))?;
				if let Some(metrics) = self.metrics() {
					metrics.corrupt(found_by);
				}
			}
		}
		Ok(None)
	}

	/// Deletes the blob `cid` wherever it is, a damaged copy set aside included (an erased
	/// record leaves nothing behind). `Ok(true)` if there was a good copy.
	pub fn remove(&self, cid: &ContentId) -> io::Result<bool> {
		match fs::remove_file(self.path("corrupt", cid)) {
			Ok(()) => {}
			Err(e) if e.kind() == io::ErrorKind::NotFound => {}
			Err(e) => return Err(e),
		}
		let mut removed = false;
		for area in ["objects", "staging"] {
			match fs::remove_file(self.path(area, cid)) {
				Ok(()) => removed = true,
				Err(e) if e.kind() == io::ErrorKind::NotFound => {}
				Err(e) => return Err(e),
			}
		}
		Ok(removed)
	}

	/// The content ids of all stored (not staged) blobs.
	pub fn stored(&self) -> io::Result<Vec<ContentId>> {
		let mut ids = Vec::new();
		for entry in fs::read_dir(self.root.join("objects"))? {
			let name = entry?.file_name();
			if let Some(cid) = name.to_str().and_then(|n| ContentId::from_multibase(n).ok()) {
				ids.push(cid);
			}
		}
		Ok(ids)
	}

	/// What the store holds: blobs and bytes stored, bytes staged.
	pub fn usage(&self) -> io::Result<Usage> {
		let mut usage = Usage { staged_bytes: self.staged_bytes()?, ..Default::default() };
		for (_, metadata) in self.files_in("objects")? {
			usage.stored += 1;
			usage.stored_bytes += metadata.len();
		}
		Ok(usage)
	}

	/// The path of the stored blob `cid`.
	#[cfg(test)]
	pub fn object_path(&self, cid: &ContentId) -> PathBuf {
		self.path("objects", cid)
	}

	/// Drops staged blobs put more than `staging_ttl` before `now`; returns how many.
	/// Also counts what staging holds again (see `staged_estimate`).
	pub fn expire_staged(&self, now: SystemTime) -> io::Result<usize> {
		let _staging = self.staging.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		let (mut expired, mut kept) = (0, 0);
		for (path, metadata) in self.files_in("staging")? {
			let put_at = metadata.modified()?;
			if now.duration_since(put_at).is_ok_and(|age| age > self.limits.staging_ttl) {
				match fs::remove_file(path) {
					Ok(()) => expired += 1,
					Err(e) if e.kind() == io::ErrorKind::NotFound => {}
					Err(e) => return Err(e),
				}
			} else {
				kept += metadata.len();
			}
		}
		self.staged_estimate.store(kept, Ordering::Relaxed);
		Ok(expired)
	}

	fn staged_bytes(&self) -> io::Result<u64> {
		Ok(self.files_in("staging")?.iter().map(|(_, metadata)| metadata.len()).sum())
	}

	/// The files of `area` and their metadata, but those gone between the listing and the
	/// reading (adopted, expired or dropped meanwhile: not an error).
	fn files_in(&self, area: &str) -> io::Result<Vec<(PathBuf, fs::Metadata)>> {
		let mut files = Vec::new();
		for entry in fs::read_dir(self.root.join(area))? {
			let entry = entry?;
			match entry.metadata() {
				Ok(metadata) => files.push((entry.path(), metadata)),
				Err(e) if e.kind() == io::ErrorKind::NotFound => {}
				Err(e) => return Err(e),
			}
		}
		Ok(files)
	}

	fn path(&self, area: &str, cid: &ContentId) -> PathBuf {
		self.root.join(area).join(file_name(cid))
	}

	fn write_atomically(&self, target: &Path, blob: &[u8]) -> io::Result<()> {
		let tmp = self.root.join("tmp").join(format!(
			"{}.{}.{}",
			target.file_name().and_then(|n| n.to_str()).unwrap_or("blob"),
			std::process::id(),
			self.next_tmp.fetch_add(1, Ordering::Relaxed)
		));
		{
			use std::io::Write;
			let mut file = fs::File::create_new(&tmp)?;
			file.write_all(blob)?;
			file.sync_all()?;
		}
		fs::rename(&tmp, target)
	}
}

fn file_name(cid: &ContentId) -> String {
	cid.to_multibase()
}

#[cfg(test)]
mod tests;
