// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-bench` end to end, briefly: a batched load with blobs on a real four-validator
//! consortium (127.0.0.1) must anchor every record it sends and get every followed blob
//! onto every node.
//!
//! A guard on the harness as much as on the chain: a batch is included even when the
//! runtime refuses each of its records (`BatchRecordRefused`), and a bench that counted
//! included transactions once reported ~1,000 records/s for batches whose records had all
//! been refused for want of a treatment grant — and, with no anchor, no blob replicated.

use std::{path::PathBuf, process::Command};

const BENCH: &str = env!("CARGO_BIN_EXE_ehr-bench");

/// `ehr-node`, built next to `ehr-bench` by `cargo test --workspace`.
fn node_binary() -> PathBuf {
	let node = PathBuf::from(BENCH).with_file_name("ehr-node");
	assert!(
		node.is_file(),
		"no ehr-node next to ehr-bench at {}: build the workspace (cargo test --workspace)",
		node.display()
	);
	node
}

#[test]
fn a_batched_load_with_blobs_anchors_every_record_and_replicates_its_blobs() {
	let dir = tempfile::tempdir().expect("a temp dir");
	let output = dir.path().join("figures.json");
	let status = Command::new(BENCH)
		.arg("--node")
		.arg(node_binary())
		.args(["--validators", "4", "--loads", "batch", "--rate", "2", "--senders", "8"])
		.args(["--duration", "10", "--drain", "60", "--blobs", "--output"])
		.arg(&output)
		.status()
		.expect("ehr-bench runs");
	assert!(status.success(), "ehr-bench failed: {status}");
	let figures: serde_json::Value =
		serde_json::from_slice(&std::fs::read(&output).expect("the figures were written"))
			.expect("the figures are JSON");
	let run = &figures["runs"][0];
	let count = |field: &str| run[field].as_u64().unwrap_or_else(|| panic!("no {field}: {run}"));
	assert!(count("offered") >= 10, "too little load offered: {run}");
	assert_eq!(count("refused"), 0, "submissions refused: {}", run["refused_by_reason"]);
	assert_eq!(count("accepted_not_finalized"), 0, "accepted writes lost");
	assert_eq!(count("finalized"), count("offered"), "not every batch was finalized");
	assert_eq!(
		run["refused_in_block_by_reason"],
		serde_json::json!({}),
		"the runtime refused records inside included batches"
	);
	assert_eq!(
		count("records_created"),
		count("finalized") * count("records_per_transaction"),
		"a finalized batch did not anchor all its records"
	);
	let blobs = &run["blobs"];
	assert_eq!(blobs["puts"].as_u64(), Some(count("records_created")), "a blob put failed");
	assert!(blobs["followed"].as_u64().unwrap_or(0) > 0, "no blob followed: {blobs}");
	assert_eq!(blobs["not_everywhere"].as_u64(), Some(0), "a followed blob was not replicated");
}
