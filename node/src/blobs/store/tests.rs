// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Tests of the blob store on a real directory.

use super::*;

fn store(dir: &Path) -> BlobStore {
	BlobStore::open(
		dir,
		StoreLimits {
			max_blob_bytes: 64,
			staging_ttl: Duration::from_secs(60),
			staging_quota: 100,
		},
	)
	.expect("store opens")
}

#[test]
fn staged_blobs_are_adopted_or_expire() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	let cid = store.stage(b"ciphertext one").expect("staged");
	assert_eq!(store.placement(&cid), Placement::Staged);
	assert_eq!(store.get(&cid).expect("read").as_deref(), Some(&b"ciphertext one"[..]));
	assert!(store.adopt(&cid).expect("adopted"));
	assert_eq!(store.placement(&cid), Placement::Stored);
	assert_eq!(store.stored().expect("listed"), vec![cid]);

	let other = store.stage(b"ciphertext two").expect("staged");
	assert_eq!(store.expire_staged(SystemTime::now()).expect("swept"), 0);
	let later = SystemTime::now() + Duration::from_secs(61);
	assert_eq!(store.expire_staged(later).expect("swept"), 1);
	assert_eq!(store.placement(&other), Placement::Absent);
	assert_eq!(store.placement(&cid), Placement::Stored, "stored blobs never expire");
}

#[test]
fn the_staging_quota_counts_what_is_staged_not_what_was() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	let first = store.stage(&[1; 60]).expect("fits the quota");
	assert!(store.adopt(&first).expect("adopted"));
	// Adoption is not counted off at once: the estimate (120 bytes) is over the quota,
	// so the store counts again, finds 0 staged, and takes the put.
	let second = store.stage(&[2; 60]).expect("room again once the first was adopted");
	assert!(matches!(
		store.stage(&[3; 60]),
		Err(StoreError::StagingFull { staged: 60, quota: 100 })
	));
	// A staged blob that expires makes room too (the expiry pass counts again).
	let later = SystemTime::now() + Duration::from_secs(120);
	assert_eq!(store.expire_staged(later).expect("expired"), 1);
	assert_eq!(store.placement(&second), Placement::Absent);
	store.stage(&[3; 60]).expect("room after the expiry");
}

#[test]
fn limits_and_ids_are_enforced() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	assert!(matches!(store.stage(&[7; 65]), Err(StoreError::TooLarge { size: 65, max: 64 })));
	assert!(matches!(store.stage(&[]), Err(StoreError::Empty)));
	store.stage(&[1; 60]).expect("first fits the quota");
	assert!(matches!(store.stage(&[2; 60]), Err(StoreError::StagingFull { .. })));

	let cid = ContentId::from_sha256(sha2_256(b"right"));
	assert!(matches!(
		store.insert(&cid, b"wrong", Placement::Stored),
		Err(StoreError::CidMismatch { .. })
	));
	assert_eq!(store.placement(&cid), Placement::Absent);
	store.insert(&cid, b"right", Placement::Stored).expect("matching blob stored");
	assert!(store.remove(&cid).expect("removed"));
	assert!(!store.remove(&cid).expect("nothing left"));
}

#[test]
fn erasing_leaves_no_copy_behind() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	let cid = ContentId::from_sha256(sha2_256(b"record"));
	store.insert(&cid, b"record", Placement::Stored).expect("stored");
	fs::write(store.object_path(&cid), b"recorD").expect("tampered");
	assert_eq!(store.get(&cid).expect("read"), None, "set aside in corrupt/");
	store.insert(&cid, b"record", Placement::Stored).expect("a good copy again");
	assert!(store.remove(&cid).expect("removed"));
	assert_eq!(fs::read_dir(dir.path().join("corrupt")).expect("listed").count(), 0);
	assert_eq!(fs::read_dir(dir.path().join("objects")).expect("listed").count(), 0);
}

#[test]
fn the_scrub_sets_damaged_blobs_aside_within_its_byte_budget() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	let registry = prometheus_endpoint::Registry::new();
	let metrics = BlobMetrics::register(&registry).expect("registered");
	store.report_to(metrics.clone());
	let blobs: Vec<Vec<u8>> = (0u8..6).map(|i| vec![i; 40]).collect();
	let cids: Vec<ContentId> = blobs.iter().map(|b| ContentId::from_sha256(sha2_256(b))).collect();
	for (cid, blob) in cids.iter().zip(&blobs) {
		store.insert(cid, blob, Placement::Stored).expect("stored");
	}
	fs::write(store.object_path(&cids[1]), [9u8; 40]).expect("flipped");
	fs::remove_file(store.object_path(&cids[4])).expect("deleted");

	// 60 bytes a pass: it stops at the first blob past the budget, the rest left for
	// later; the damaged blob is read but yields no bytes.
	let (first, rest) = store.scrub(&cids, 60).expect("scrubbed");
	assert_eq!(first.sound, 2);
	assert_eq!(first.damaged, vec![cids[1]]);
	assert_eq!(rest, &cids[3..]);
	assert!(dir.path().join("corrupt").join(file_name(&cids[1])).exists());
	assert_eq!(store.placement(&cids[1]), Placement::Absent, "to be fetched again");

	// The missing one is skipped (reconciliation fetches it), not counted as damaged.
	let (second, rest) = store.scrub(rest, u64::MAX).expect("scrubbed");
	assert_eq!((second.sound, second.damaged.len(), rest.len()), (2, 0, 0));
	assert_eq!(metrics.scrubbed.get(), 4);
	assert_eq!(metrics.corrupt_found(FoundBy::Scrub), 1);
	assert_eq!(metrics.corrupt_found(FoundBy::Read), 0);
}

#[test]
fn a_store_opened_to_read_changes_nothing() {
	let dir = tempfile::tempdir().expect("tmp dir");
	assert!(BlobStore::open_to_read(dir.path()).is_err(), "no store there yet");
	let store = store(dir.path());
	let good = ContentId::from_sha256(sha2_256(b"good"));
	let bad = ContentId::from_sha256(sha2_256(b"bad"));
	store.insert(&good, b"good", Placement::Stored).expect("stored");
	store.insert(&bad, b"bad", Placement::Stored).expect("stored");
	fs::write(store.object_path(&bad), b"BAD").expect("tampered");
	fs::write(dir.path().join("tmp").join("in-progress"), b"half").expect("a write underway");

	let reader = BlobStore::open_to_read(dir.path()).expect("opens");
	assert_eq!(reader.read_stored(&good).expect("read").as_deref(), Some(&b"good"[..]));
	assert_eq!(reader.read_stored(&bad).expect("read"), None, "refused, not moved");
	assert!(store.object_path(&bad).exists());
	assert!(dir.path().join("tmp").join("in-progress").exists(), "the node's write survives");
}

#[test]
fn concurrent_writes_of_one_blob_do_not_collide() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = std::sync::Arc::new(store(dir.path()));
	let cid = ContentId::from_sha256(sha2_256(b"shared"));
	let writers: Vec<_> = (0..8)
		.map(|_| {
			let store = store.clone();
			std::thread::spawn(move || {
				(0..50).try_for_each(|_| store.insert(&cid, b"shared", Placement::Stored))
			})
		})
		.collect();
	for writer in writers {
		writer.join().expect("no panic").expect("every write succeeds");
	}
	assert_eq!(store.get(&cid).expect("read").as_deref(), Some(&b"shared"[..]));
	assert_eq!(fs::read_dir(dir.path().join("tmp")).expect("listed").count(), 0);
}

#[test]
fn a_blob_altered_on_disk_is_not_served() {
	let dir = tempfile::tempdir().expect("tmp dir");
	let store = store(dir.path());
	let cid = ContentId::from_sha256(sha2_256(b"record"));
	store.insert(&cid, b"record", Placement::Stored).expect("stored");
	fs::write(store.object_path(&cid), b"recorD").expect("tampered");
	assert_eq!(store.get(&cid).expect("read"), None);
	assert_eq!(store.placement(&cid), Placement::Absent);
	assert_eq!(fs::read_dir(dir.path().join("corrupt")).expect("listed").count(), 1);
}
