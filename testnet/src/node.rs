// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! One `ehr-node` process.

use crate::{free_port, rpc::RpcClient, wait_until};
use std::{
	fs::File,
	net::Ipv4Addr,
	os::unix::process::CommandExt,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::Duration,
};

/// How a node is started. Fields can be changed between [`Node::stop`] and
/// [`Node::restart`] (e.g. to restart with other bootnodes).
#[derive(Clone, Debug)]
pub struct NodeConfig {
	pub binary: PathBuf,
	/// The node's name, and the dev key (`--alice`, ...) it validates with, if any.
	pub name: String,
	pub validator_key: Option<String>,
	pub chain: String,
	pub base_path: PathBuf,
	pub node_key_file: PathBuf,
	pub peer_id: String,
	pub p2p_port: u16,
	pub rpc_port: u16,
	/// Where the node serves Prometheus metrics (on 127.0.0.1).
	pub prometheus_port: u16,
	pub bootnodes: Vec<String>,
	pub extra_args: Vec<String>,
	/// How long the node may take from its start to answering RPC (longer for a large
	/// genesis state).
	pub start_timeout: Duration,
	/// Run on a host of its own instead of on 127.0.0.1.
	pub host: Option<OnHost>,
}

/// A node on a host of its own ([`crate::Hosts`]): P2P on the host's address, RPC and
/// metrics on 127.0.0.1 inside its namespace.
#[derive(Clone, Debug)]
pub struct OnHost {
	pub netns: String,
	pub ip: Ipv4Addr,
}

impl NodeConfig {
	/// A validator `key` (`alice`, ...) of `chain` under `dir`, with a fixed node key
	/// derived from `index` so its peer id is known before it starts.
	pub fn new(
		binary: &Path,
		dir: &Path,
		chain: &str,
		key: &str,
		index: u8,
	) -> Result<Self, String> {
		let base_path = dir.join(key);
		std::fs::create_dir_all(&base_path).map_err(|e| format!("creating {base_path:?}: {e}"))?;
		let node_key_file = base_path.join("node-key");
		std::fs::write(&node_key_file, format!("{:064x}", u64::from(index) + 0xe4))
			.map_err(|e| format!("writing {node_key_file:?}: {e}"))?;
		let peer_id = peer_id_of(binary, &node_key_file)?;
		Ok(Self {
			binary: binary.to_path_buf(),
			name: key.to_string(),
			validator_key: Some(key.to_string()),
			chain: chain.to_string(),
			base_path,
			node_key_file,
			peer_id,
			p2p_port: free_port(),
			rpc_port: free_port(),
			prometheus_port: free_port(),
			bootnodes: Vec::new(),
			extra_args: Vec::new(),
			start_timeout: Duration::from_secs(60),
			host: None,
		})
	}

	/// The peer id as bytes, as the chain stores authorized nodes.
	pub fn peer_id_bytes(&self) -> Vec<u8> {
		crate::base58_decode(&self.peer_id).unwrap_or_default()
	}

	/// The address P2P listens on: the host's, or 127.0.0.1.
	fn p2p_ip(&self) -> Ipv4Addr {
		self.host.as_ref().map_or(Ipv4Addr::LOCALHOST, |host| host.ip)
	}

	/// The multiaddress other nodes reach this one at.
	pub fn p2p_address(&self) -> String {
		format!("/ip4/{}/tcp/{}/p2p/{}", self.p2p_ip(), self.p2p_port, self.peer_id)
	}

	fn command(&self) -> Command {
		let mut cmd = match &self.host {
			Some(host) => {
				let mut cmd = Command::new("ip");
				cmd.args(["netns", "exec", &host.netns]).arg(&self.binary);
				cmd
			}
			None => Command::new(&self.binary),
		};
		cmd.arg("--chain").arg(&self.chain);
		cmd.arg("--name").arg(&self.name);
		if let Some(key) = &self.validator_key {
			cmd.arg(format!("--{key}"));
		}
		cmd.arg("--base-path").arg(&self.base_path);
		cmd.arg("--node-key-file").arg(&self.node_key_file);
		// 127.0.0.1 (or the host's address) only, for listening, for what the node tells
		// peers, and 127.0.0.1 for RPC.
		let p2p = format!("/ip4/{}/tcp/{}", self.p2p_ip(), self.p2p_port);
		cmd.arg("--listen-addr").arg(&p2p);
		cmd.arg("--public-addr").arg(&p2p);
		cmd.arg("--rpc-port").arg(self.rpc_port.to_string());
		cmd.arg("--prometheus-port").arg(self.prometheus_port.to_string());
		cmd.args(["--no-mdns", "--no-telemetry"]);
		for bootnode in &self.bootnodes {
			cmd.arg("--bootnodes").arg(bootnode);
		}
		cmd.args(&self.extra_args);
		cmd
	}
}

/// The libp2p peer id of the node key in `key_file`, as the node itself computes it.
fn peer_id_of(binary: &Path, key_file: &Path) -> Result<String, String> {
	let output = Command::new(binary)
		.args(["key", "inspect-node-key", "--file"])
		.arg(key_file)
		.output()
		.map_err(|e| format!("running {binary:?}: {e}"))?;
	if !output.status.success() {
		return Err(format!(
			"`{} key inspect-node-key` failed: {}",
			binary.display(),
			String::from_utf8_lossy(&output.stderr)
		));
	}
	Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A running (or stopped) node process.
pub struct Node {
	pub config: NodeConfig,
	child: Option<Child>,
	log_path: PathBuf,
	starts: u32,
}

impl Node {
	/// Starts the node and waits (bounded) until its RPC answers.
	pub fn start(config: NodeConfig) -> Result<Self, String> {
		let log_path = config.base_path.join("node.log");
		let mut node = Self { config, child: None, log_path, starts: 0 };
		node.restart()?;
		Ok(node)
	}

	/// Starts the process again with the (possibly changed) config. Its log is appended.
	pub fn restart(&mut self) -> Result<(), String> {
		if self.is_running() {
			return Err(format!("{} is already running", self.config.name));
		}
		let log = File::options()
			.create(true)
			.append(true)
			.open(&self.log_path)
			.map_err(|e| format!("opening {:?}: {e}", self.log_path))?;
		let log_err = log.try_clone().map_err(|e| e.to_string())?;
		let mut cmd = self.config.command();
		cmd.stdin(Stdio::null()).stdout(log).stderr(log_err);
		// SAFETY: `prctl` is async-signal-safe; the closure touches nothing else.
		#[allow(unsafe_code)] // no safe API sets the parent-death signal
		unsafe {
			cmd.pre_exec(|| {
				// If the thread that started the node dies, the node dies too.
				if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
					return Err(std::io::Error::last_os_error());
				}
				Ok(())
			});
		}
		let child = cmd.spawn().map_err(|e| format!("starting {:?}: {e}", self.config.binary))?;
		self.child = Some(child);
		self.starts += 1;
		self.wait_rpc_ready(self.config.start_timeout)
	}

	fn wait_rpc_ready(&mut self, timeout: Duration) -> Result<(), String> {
		let rpc = self.rpc();
		let name = self.config.name.clone();
		let mut exited = None;
		let result =
			wait_until(&format!("{name}'s RPC"), timeout, Duration::from_millis(250), || {
				if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
				{
					exited = Some(status);
					// Done waiting: a process that exited will not answer.
					return Ok(Some(()));
				}
				Ok(rpc.call("system_health", serde_json::json!([])).ok().map(|_| ()))
			});
		let result = match exited {
			Some(status) => {
				self.child = None;
				Err(format!("{name} exited with {status} before its RPC answered"))
			}
			None => result,
		};
		if result.is_err() {
			self.print_log_tail(30);
		}
		result
	}

	pub fn name(&self) -> &str {
		&self.config.name
	}

	/// How many times this node was started.
	pub fn starts(&self) -> u32 {
		self.starts
	}

	pub fn log_path(&self) -> &Path {
		&self.log_path
	}

	pub fn rpc(&self) -> RpcClient {
		let url = format!("http://127.0.0.1:{}", self.config.rpc_port);
		match &self.config.host {
			Some(host) => RpcClient::in_netns(url, host.netns.clone()),
			None => RpcClient::new(url),
		}
	}

	/// The node's WebSocket RPC endpoint (the same port serves HTTP and WebSocket).
	/// The value of the Prometheus metric `name` (its first sample whose labels contain
	/// every `label`, e.g. `status="finalized"`), as the node serves it now.
	pub fn metric(&self, name: &str, labels: &[&str]) -> Result<Option<f64>, String> {
		let url = format!("http://127.0.0.1:{}/metrics", self.config.prometheus_port);
		let text = match &self.config.host {
			Some(host) => crate::in_netns(&host.netns, || crate::http_get(&url))??,
			None => crate::http_get(&url)?,
		};
		Ok(crate::parse_metric(&text, name, labels))
	}

	/// The address of the node's Prometheus endpoint (`127.0.0.1:port`).
	pub fn prometheus_target(&self) -> String {
		format!("127.0.0.1:{}", self.config.prometheus_port)
	}

	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.config.rpc_port)
	}

	/// The node's base path (`--base-path`).
	pub fn base_path(&self) -> &Path {
		&self.config.base_path
	}

	/// CPU time (user and system, seconds) the node's process has used so far; `None`
	/// when it is not running.
	pub fn cpu_seconds(&self) -> Option<f64> {
		let pid = self.child.as_ref()?.id();
		let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
		// stat(5): utime and stime are fields 14 and 15; the command name (field 2) is in
		// parentheses and may hold spaces, so count from its closing one (field 3 on).
		let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
		let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
		// SAFETY: sysconf only reads a constant of the system.
		#[allow(unsafe_code)]
		let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
		(per_second > 0).then(|| ticks / per_second as f64)
	}

	/// How many times the node's log says it switched its best chain to another fork
	/// (Substrate's "Reorg on #..." lines) so far.
	pub fn reorgs(&self) -> u64 {
		std::fs::read(&self.log_path)
			.map(|log| String::from_utf8_lossy(&log).matches("Reorg on #").count() as u64)
			.unwrap_or(0)
	}

	pub fn is_running(&self) -> bool {
		self.child.as_ref().is_some()
	}

	/// If the process has exited on its own, how (and the node counts as stopped from
	/// then on, ready to be started again).
	pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
		let status = self.child.as_mut()?.try_wait().ok().flatten()?;
		self.child = None;
		Some(status)
	}

	/// The multiaddress other nodes reach this one at.
	pub fn p2p_address(&self) -> String {
		self.config.p2p_address()
	}

	/// Stops the node gracefully (SIGTERM), killing it if it has not exited in 30 s.
	pub fn stop(&mut self) {
		if let Some(mut child) = self.child.take() {
			// SAFETY: plain syscall on our own child's pid.
			#[allow(unsafe_code)] // std's Child::kill only sends SIGKILL
			unsafe {
				libc::kill(child.id() as libc::pid_t, libc::SIGTERM)
			};
			let exited = wait_until(
				"node exit",
				Duration::from_secs(30),
				Duration::from_millis(100),
				|| Ok(child.try_wait().map_err(|e| e.to_string())?.map(|_| ())),
			);
			if exited.is_err() {
				let _ = child.kill();
				let _ = child.wait();
			}
		}
	}

	/// Kills the node at once (SIGKILL), as a crash or power loss would.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Prints the last `lines` lines of the node's log to stderr.
	pub fn print_log_tail(&self, lines: usize) {
		let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
		let all: Vec<&str> = text.lines().collect();
		eprintln!(
			"----- last {} lines of {} ({}) -----",
			lines,
			self.config.name,
			self.log_path.display()
		);
		for line in &all[all.len().saturating_sub(lines)..] {
			eprintln!("{line}");
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}
