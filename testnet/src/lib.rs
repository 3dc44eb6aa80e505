// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! # ehr-testnet
//!
//! Starts real `ehr-node` processes on 127.0.0.1 and talks to them over JSON-RPC, for
//! the network tests, fault tests and benchmarks of ehr-chain.
//!
//! - Every node listens on 127.0.0.1 only (P2P and RPC), on ports picked free at start,
//!   with mDNS off: nothing leaves the machine. Or, as a host of its own ([`Hosts`]), in a
//!   network namespace the test created, on the test's own bridge.
//! - Every wait is bounded: [`wait_until`] fails with the last observed state.
//! - Every process is cleaned up: a [`Node`] is killed when dropped, and each child is
//!   also told by the kernel to die with the test thread that started it
//!   (`PR_SET_PDEATHSIG`), so a harness that is itself killed leaves nothing behind.
//! - Logs go to files under the network's directory; when a test panics, the tail of each
//!   node's log is printed and the directory is kept for inspection.

pub mod campaign;
mod hosts;
mod node;
mod rpc;

pub use hosts::{in_netns, Hosts};
pub use node::{Node, NodeConfig, OnHost};
pub use rpc::{base58_decode, hex_decode, hex_encode, RpcClient, RpcError};

use std::{
	path::{Path, PathBuf},
	sync::atomic::{AtomicU32, Ordering},
	time::{Duration, Instant},
};

/// The `ehr-node` binary for tests outside the node crate: `EHR_NODE_BIN` if set, else the
/// one cargo built next to the running test (`<target>/<profile>/ehr-node`).
pub fn node_binary() -> Result<PathBuf, String> {
	if let Ok(path) = std::env::var("EHR_NODE_BIN") {
		return Ok(PathBuf::from(path));
	}
	let test = std::env::current_exe().map_err(|e| format!("locating the test binary: {e}"))?;
	// <target>/<profile>/deps/<test> → <target>/<profile>/ehr-node
	let binary = test
		.parent()
		.and_then(Path::parent)
		.map(|profile| profile.join("ehr-node"))
		.ok_or_else(|| format!("no target directory above {}", test.display()))?;
	if !binary.is_file() {
		return Err(format!(
			"no node binary at {}: build it first (cargo build -p ehr-node) or set EHR_NODE_BIN",
			binary.display()
		));
	}
	Ok(binary)
}

/// The development keys of the `local` chain's genesis validators, in order.
pub const LOCAL_VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Polls `check` every `interval` until it returns `Ok(Some(_))`, for at most `timeout`.
/// `Ok(None)` means "not yet"; the last `Err` or state description is reported on timeout.
pub fn wait_until<T>(
	what: &str,
	timeout: Duration,
	interval: Duration,
	mut check: impl FnMut() -> Result<Option<T>, String>,
) -> Result<T, String> {
	let start = Instant::now();
	let mut last = String::from("no observation yet");
	loop {
		match check() {
			Ok(Some(value)) => return Ok(value),
			Ok(None) => {}
			Err(observed) => last = observed,
		}
		if start.elapsed() >= timeout {
			return Err(format!("timed out after {timeout:?} waiting for {what}; last: {last}"));
		}
		std::thread::sleep(interval);
	}
}

/// A directory for one test's nodes, removed when dropped unless the test panicked (or
/// `EHR_KEEP_TESTNET` is set), so failures can be inspected.
pub struct TestDir {
	path: PathBuf,
}

impl TestDir {
	pub fn new(label: &str) -> std::io::Result<Self> {
		static COUNTER: AtomicU32 = AtomicU32::new(0);
		let path = std::env::temp_dir().join(format!(
			"ehr-testnet-{label}-{}-{}",
			std::process::id(),
			COUNTER.fetch_add(1, Ordering::Relaxed)
		));
		let _ = std::fs::remove_dir_all(&path);
		std::fs::create_dir_all(&path)?;
		Ok(Self { path })
	}

	pub fn path(&self) -> &Path {
		&self.path
	}
}

impl Drop for TestDir {
	fn drop(&mut self) {
		if std::thread::panicking() || std::env::var_os("EHR_KEEP_TESTNET").is_some() {
			eprintln!("[testnet] kept {} for inspection", self.path.display());
		} else {
			let _ = std::fs::remove_dir_all(&self.path);
		}
	}
}

/// The body of an HTTP GET of `url` (a local endpoint: bounded to 10 s).
pub fn http_get(url: &str) -> Result<String, String> {
	ureq::get(url)
		.timeout(Duration::from_secs(10))
		.call()
		.map_err(|e| format!("{url}: {e}"))?
		.into_string()
		.map_err(|e| format!("{url}: {e}"))
}

/// The value of metric `name` in Prometheus text `text`: its first sample whose labels
/// contain every one of `labels` (`key="value"`).
pub fn parse_metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
	text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
		let (series, value) = line.rsplit_once(' ')?;
		let (metric, series_labels) = match series.split_once('{') {
			Some((metric, rest)) => (metric, rest.trim_end_matches('}')),
			None => (series, ""),
		};
		if metric != name || !labels.iter().all(|l| series_labels.split(',').any(|s| s == *l)) {
			return None;
		}
		value.parse().ok()
	})
}

/// A free TCP port on 127.0.0.1. Ports are handed out from distinct ranges per process,
/// then checked by binding, so parallel tests and test binaries do not collide.
///
/// All below 32768, where Linux's ephemeral range (`ip_local_port_range`, 32768-60999 by
/// default) begins: a node restarted on its old RPC port must find it free, and an
/// outgoing connection (a peer dialling, a test's RPC call) could otherwise take it in
/// between. The node would then quietly serve RPC on a random port instead.
pub fn free_port() -> u16 {
	static NEXT: AtomicU32 = AtomicU32::new(0);
	let base = 20_000 + (std::process::id() % 127) * 100;
	loop {
		let candidate = (base + NEXT.fetch_add(1, Ordering::Relaxed) % 100) as u16;
		if std::net::TcpListener::bind(("127.0.0.1", candidate)).is_ok() {
			return candidate;
		}
	}
}

/// Several nodes of one chain, started together; all are killed when it is dropped.
pub struct Network {
	pub nodes: Vec<Node>,
	// Declared after `nodes`: nodes are stopped before their directory is removed.
	pub dir: TestDir,
}

impl Network {
	/// Starts the four genesis validators of the `local` chain (Alice, Bob, Charlie,
	/// Dave), each knowing the others as bootnodes.
	pub fn start_local(binary: &Path, label: &str) -> Result<Self, String> {
		Self::start(binary, label, "local", &LOCAL_VALIDATORS, &[])
	}

	/// Starts one node per entry of `keys` (a dev key name such as `alice`, used as
	/// `--alice` and as the node's name) on the chain `chain`, with `extra_args`.
	pub fn start(
		binary: &Path,
		label: &str,
		chain: &str,
		keys: &[&str],
		extra_args: &[&str],
	) -> Result<Self, String> {
		Self::start_with_timeout(binary, label, chain, keys, extra_args, Duration::from_secs(60))
	}

	/// [`Network::start`], giving each node `start_timeout` to answer RPC after it starts
	/// (building a large genesis state takes a while).
	pub fn start_with_timeout(
		binary: &Path,
		label: &str,
		chain: &str,
		keys: &[&str],
		extra_args: &[&str],
		start_timeout: Duration,
	) -> Result<Self, String> {
		let dir = TestDir::new(label).map_err(|e| format!("creating test directory: {e}"))?;
		let configs: Vec<NodeConfig> = keys
			.iter()
			.enumerate()
			.map(|(i, key)| NodeConfig::new(binary, dir.path(), chain, key, i as u8 + 1))
			.collect::<Result<_, _>>()?;
		Self::launch(dir, configs, extra_args, start_timeout)
	}

	/// [`Network::start`] with node `i` on host `i` of `hosts` (each in its own network
	/// namespace, reaching the others over the hosts' bridge).
	pub fn start_on_hosts(
		binary: &Path,
		label: &str,
		chain: &str,
		keys: &[&str],
		extra_args: &[&str],
		hosts: &Hosts,
	) -> Result<Self, String> {
		let dir = TestDir::new(label).map_err(|e| format!("creating test directory: {e}"))?;
		let configs: Vec<NodeConfig> = keys
			.iter()
			.enumerate()
			.map(|(i, key)| {
				let mut config = NodeConfig::new(binary, dir.path(), chain, key, i as u8 + 1)?;
				config.host = Some(OnHost { netns: hosts.netns(i), ip: hosts.ip(i) });
				Ok(config)
			})
			.collect::<Result<_, String>>()?;
		Self::launch(dir, configs, extra_args, Duration::from_secs(60))
	}

	/// Starts `configs`, each with the others as bootnodes.
	fn launch(
		dir: TestDir,
		configs: Vec<NodeConfig>,
		extra_args: &[&str],
		start_timeout: Duration,
	) -> Result<Self, String> {
		let addresses: Vec<String> = configs.iter().map(|c| c.p2p_address()).collect();
		let mut nodes = Vec::new();
		for (i, mut config) in configs.into_iter().enumerate() {
			config.bootnodes = addresses
				.iter()
				.enumerate()
				.filter(|(j, _)| *j != i)
				.map(|(_, a)| a.clone())
				.collect();
			config.extra_args = extra_args.iter().map(|s| s.to_string()).collect();
			config.start_timeout = start_timeout;
			nodes.push(Node::start(config)?);
		}
		Ok(Self { nodes, dir })
	}

	/// Waits until every running node has finalized at least block `height`.
	pub fn wait_all_finalized(&self, height: u32, timeout: Duration) -> Result<(), String> {
		wait_until(
			&format!("all nodes to finalize #{height}"),
			timeout,
			Duration::from_millis(500),
			|| {
				let mut observed = Vec::new();
				for node in self.nodes.iter().filter(|n| n.is_running()) {
					let (number, _) = node.rpc().finalized_head().map_err(|e| e.to_string())?;
					observed.push(format!("{}=#{number}", node.name()));
					if number < height {
						return Err(observed.join(", "));
					}
				}
				Ok(Some(()))
			},
		)
	}
}

impl Drop for Network {
	fn drop(&mut self) {
		if std::thread::panicking() {
			for node in &self.nodes {
				node.print_log_tail(40);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn metrics_are_read_by_name_and_labels() {
		let text = "# HELP x y\n\
			substrate_block_height{status=\"best\",chain=\"local\"} 12\n\
			substrate_block_height{status=\"finalized\",chain=\"local\"} 10\n\
			ehr_blobs_pending 3\n";
		assert_eq!(
			super::parse_metric(text, "substrate_block_height", &["status=\"finalized\""]),
			Some(10.0)
		);
		assert_eq!(super::parse_metric(text, "ehr_blobs_pending", &[]), Some(3.0));
		assert_eq!(super::parse_metric(text, "ehr_blobs", &[]), None);
		assert_eq!(super::parse_metric(text, "substrate_block_height", &["status=\"x\""]), None);
	}
}
