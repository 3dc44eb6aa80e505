// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The four-hospital local consortium as real processes on 127.0.0.1: it authors and
//! finalizes, all validators agree on the finalized chain, and finality survives the loss
//! of one validator (GRANDPA needs more than two thirds: 3 of 4).
//!
//! Watched as operators watch it: each node serves Prometheus metrics, scraped by a real
//! Prometheus (Debian's package) evaluating the deployed alert rules
//! (`deploy/prometheus/alerts.yml`). Every node exports the figures the rules read
//! (block heights, sync peers, the blob store's gauges, the data disk's bytes); the stopped
//! node fires `EhrNodeDown`, for that node only, and the alert clears when it is back.

use ehr_testnet::{free_port, http_get, wait_until, Network, Node, TestDir};
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");

/// A Prometheus server on 127.0.0.1, killed when dropped.
struct Prometheus {
	child: Child,
	port: u16,
}

impl Prometheus {
	/// Starts Prometheus scraping `targets` every second and evaluating `rules` every
	/// second, with its data under `dir`.
	fn start(dir: &Path, targets: &[String], rules: &Path) -> Self {
		let port = free_port();
		let config = dir.join("prometheus.yml");
		let targets = targets.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
		std::fs::write(
			&config,
			format!(
				"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
				 rule_files:\n  - '{}'\n\
				 scrape_configs:\n  - job_name: ehr-node\n    static_configs:\n      - targets: [{targets}]\n",
				rules.display()
			),
		)
		.expect("writing prometheus.yml");
		let log = std::fs::File::create(dir.join("prometheus.log")).expect("log file");
		let child = Command::new("prometheus")
			.arg(format!("--config.file={}", config.display()))
			.arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
			.arg(format!("--web.listen-address=127.0.0.1:{port}"))
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect(
				"prometheus is not installed: run scripts/setup.sh (Debian package prometheus)",
			);
		Self { child, port }
	}

	fn api(&self, path: &str) -> Result<Value, String> {
		let body = http_get(&format!("http://127.0.0.1:{}/api/v1/{path}", self.port))?;
		let value: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
		Ok(value["data"].clone())
	}

	/// The instances for which alert `name` is firing.
	fn firing(&self, name: &str) -> Result<Vec<String>, String> {
		let alerts = self.api("alerts")?;
		Ok(alerts["alerts"]
			.as_array()
			.into_iter()
			.flatten()
			.filter(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
			.filter_map(|a| a["labels"]["instance"].as_str().map(str::to_string))
			.collect())
	}
}

impl Drop for Prometheus {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

fn rules() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/prometheus/alerts.yml")
}

/// The figures the alert rules read, as `node` exports them.
fn check_exported_figures(node: &Node) {
	let name = node.name().to_string();
	let read = |metric: &str, labels: &[&str]| {
		wait_until(
			&format!("{name}'s {metric}"),
			Duration::from_secs(90),
			Duration::from_secs(1),
			|| node.metric(metric, labels),
		)
		.unwrap_or_else(|e| panic!("{e}"))
	};
	assert!(read("substrate_block_height", &["status=\"finalized\""]) >= 1.0);
	let size = read("ehr_disk_size_bytes", &[]);
	let available = read("ehr_disk_available_bytes", &[]);
	assert!(size > 0.0 && available <= size, "{name}: disk {available} of {size}");
	for gauge in ["ehr_blobs_pending", "ehr_blobs_oldest_pending_seconds", "ehr_blobs_stored_bytes"]
	{
		assert_eq!(read(gauge, &[]), 0.0, "{name}: {gauge} on a chain with no records");
	}
	read("ehr_blobs_replication_seconds_count", &[]);
	read("ehr_recovery_quarantined_databases", &[]);
	wait_until(
		&format!("{name} to sync with its 3 peers"),
		Duration::from_secs(60),
		Duration::from_secs(1),
		|| Ok(node.metric("substrate_sync_peers", &[])?.filter(|p| *p >= 3.0)),
	)
	.unwrap_or_else(|e| panic!("{e}"));
}

/// The hash every running node reports at `height`, which must be one and the same.
fn agreed_hash_at(network: &Network, height: u32) -> String {
	let hashes: Vec<(String, Option<String>)> = network
		.nodes
		.iter()
		.filter(|n| n.is_running())
		.map(|n| (n.name().to_string(), n.rpc().block_hash(height).expect("chain_getBlockHash")))
		.collect();
	let first = hashes[0].1.clone().expect("block at a finalized height");
	for (name, hash) in &hashes {
		assert_eq!(hash.as_ref(), Some(&first), "{name} disagrees at #{height}: {hashes:?}");
	}
	first
}

/// The lowest finalized height among running nodes.
fn common_finalized_height(network: &Network) -> u32 {
	network
		.nodes
		.iter()
		.filter(|n| n.is_running())
		.map(|n| n.rpc().finalized_head().expect("finalized head").0)
		.min()
		.expect("running nodes")
}

#[test]
fn four_hospitals_finalize_are_watched_and_survive_one_loss() {
	let started = Instant::now();
	let mut network = Network::start_local(Path::new(NODE), "consortium").expect("network starts");

	// All four author and finalize; bounded by a generous multiple of 5 slots.
	network.wait_all_finalized(5, Duration::from_secs(180)).expect("finality on all nodes");
	eprintln!("all 4 nodes finalized #5 {:.1} s after start", started.elapsed().as_secs_f64());
	let height = common_finalized_height(&network);
	let hash = agreed_hash_at(&network, height);
	eprintln!("all 4 agree: finalized #{height} = {hash}");

	// Every node's finalized head is on the same chain: its hash at that height is what
	// the others report for the same height.
	for node in &network.nodes {
		let (number, head) = node.rpc().finalized_head().expect("finalized head");
		assert_eq!(agreed_hash_at(&network, number), head, "{} finalized a fork", node.name());
	}

	// Prometheus scrapes all four with the deployed rules.
	for node in &network.nodes {
		check_exported_figures(node);
	}
	let prometheus_dir = TestDir::new("prometheus").expect("test dir");
	let targets: Vec<String> = network.nodes.iter().map(|n| n.prometheus_target()).collect();
	let prometheus = Prometheus::start(prometheus_dir.path(), &targets, &rules());
	wait_until(
		"Prometheus to scrape all four nodes",
		Duration::from_secs(60),
		Duration::from_secs(1),
		|| {
			let data = prometheus.api("targets")?;
			let up = data["activeTargets"]
				.as_array()
				.map(|t| t.iter().filter(|t| t["health"] == "up").count())
				.unwrap_or(0);
			Ok((up == 4).then_some(()))
		},
	)
	.expect("targets up");
	let rule_groups = prometheus.api("rules").expect("rules");
	let loaded = rule_groups["groups"][0]["rules"].as_array().map_or(0, Vec::len);
	assert_eq!(loaded, 12, "Prometheus loaded the deployed rules: {rule_groups}");
	assert!(prometheus.firing("EhrNodeDown").expect("alerts").is_empty());

	// One hospital goes away: three of four still make a GRANDPA supermajority.
	let stopped_target = network.nodes[3].prometheus_target();
	network.nodes[3].stop();
	let stopped = Instant::now();
	let before = common_finalized_height(&network);
	let target = before + 3;
	wait_until(
		&format!("finality to pass #{target} without dave"),
		Duration::from_secs(120),
		Duration::from_millis(500),
		|| {
			let now = common_finalized_height(&network);
			Ok((now >= target).then_some(now))
		},
	)
	.expect("finality continues with 3 of 4");
	let height = common_finalized_height(&network);
	let hash = agreed_hash_at(&network, height);
	eprintln!(
		"3 remaining agree: finalized #{height} = {hash} (#{before} when dave stopped, {:.1} s ago)",
		stopped.elapsed().as_secs_f64()
	);

	// The operator is paged: dave's node is down (the rule waits a minute).
	let firing =
		wait_until("EhrNodeDown to fire", Duration::from_secs(150), Duration::from_secs(1), || {
			let firing = prometheus.firing("EhrNodeDown")?;
			Ok((!firing.is_empty()).then_some(firing))
		})
		.expect("the alert fires");
	assert_eq!(firing, vec![stopped_target.clone()], "only the stopped node's alert fires");
	eprintln!(
		"EhrNodeDown fired for {stopped_target} {:.1} s after the node stopped (rule: down for 1 min)",
		stopped.elapsed().as_secs_f64()
	);

	// Back: it catches up and the alert clears.
	network.nodes[3].restart().expect("restart");
	let restart = Instant::now();
	wait_until("EhrNodeDown to clear", Duration::from_secs(90), Duration::from_secs(1), || {
		Ok(prometheus.firing("EhrNodeDown")?.is_empty().then_some(()))
	})
	.expect("the alert clears");
	eprintln!("EhrNodeDown cleared {:.1} s after the restart", restart.elapsed().as_secs_f64());
}
