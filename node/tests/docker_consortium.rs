// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The Docker deployment, built and run for real: `scripts/docker.sh` builds the node
//! image (a base made from Debian packages, the binaries of this build), founds a
//! four-hospital consortium inside the containers' volumes and starts
//! docker/docker-compose.yml on the host network, every port on 127.0.0.1. The four
//! containers finalize blocks and turn healthy; one is restarted and comes back with its
//! volume (the same node key, the same database) and follows finality again.
//!
//! Needs a Docker daemon, which `scripts/docker.sh` starts when run as root (as CI is);
//! elsewhere the test says loudly why it did not run.

use ehr_testnet::{free_port, wait_until, RpcClient, TestDir};
use std::{
	path::{Path, PathBuf},
	process::Command,
	time::{Duration, Instant},
};

const HOSPITALS: [&str; 4] = ["st-mary", "general", "childrens", "riverside"];

/// `scripts/docker.sh` with this test's own project, directory and ports.
struct Consortium {
	script: PathBuf,
	env: Vec<(String, String)>,
	rpc_ports: Vec<u16>,
	up: bool,
}

impl Consortium {
	fn new(dir: &Path) -> Self {
		let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/docker.sh");
		let mut env = vec![
			("EHR_CONSORTIUM_DIR".to_string(), dir.join("consortium").display().to_string()),
			("EHR_COMPOSE_PROJECT".into(), format!("ehrtest{}", std::process::id())),
			("EHR_CHAIN_ID".into(), "ehr_docker_test".into()),
		];
		let mut rpc_ports = Vec::new();
		for hospital in HOSPITALS {
			let var = hospital.to_uppercase().replace('-', "_");
			let rpc = free_port();
			rpc_ports.push(rpc);
			env.push((format!("{var}_RPC"), rpc.to_string()));
			env.push((format!("{var}_P2P"), free_port().to_string()));
			env.push((format!("{var}_PROMETHEUS"), free_port().to_string()));
		}
		Self { script, env, rpc_ports, up: false }
	}

	/// Runs the script; its output on success, the reason on failure.
	fn run(&self, args: &[&str]) -> Result<String, String> {
		let output = Command::new(&self.script)
			.args(args)
			.envs(self.env.iter().map(|(k, v)| (k, v)))
			.output()
			.map_err(|e| format!("running {}: {e}", self.script.display()))?;
		let text = format!(
			"{}{}",
			String::from_utf8_lossy(&output.stdout),
			String::from_utf8_lossy(&output.stderr)
		);
		if output.status.success() {
			Ok(text)
		} else {
			Err(format!("docker.sh {}: {text}", args.join(" ")))
		}
	}

	fn rpc(&self, index: usize) -> RpcClient {
		RpcClient::new(format!("http://127.0.0.1:{}", self.rpc_ports[index]))
	}

	fn container(&self, hospital: &str) -> String {
		self.run(&["compose", "ps", "-q", hospital]).expect("compose ps").trim().to_string()
	}
}

impl Drop for Consortium {
	fn drop(&mut self) {
		if self.up {
			if std::thread::panicking() {
				let _ = self.run(&["compose", "logs", "--tail", "30"]).map(|l| eprintln!("{l}"));
			}
			if let Err(e) = self.run(&["down", "--volumes"]) {
				eprintln!("cleaning up: {e}");
			}
		}
	}
}

fn docker(args: &[&str]) -> String {
	let output = Command::new("docker").args(args).output().expect("runs docker");
	assert!(
		output.status.success(),
		"docker {}: {}",
		args.join(" "),
		String::from_utf8_lossy(&output.stderr)
	);
	String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn four_hospitals_in_containers_finalize_and_a_restart_keeps_the_volume() {
	let dir = TestDir::new("docker").expect("test dir");
	let mut consortium = Consortium::new(dir.path());
	if let Err(reason) = consortium.run(&["daemon"]) {
		eprintln!("SKIPPED four_hospitals_in_containers: no Docker daemon can run here: {reason}");
		return;
	}

	let started = Instant::now();
	let built = consortium.run(&["image"]).unwrap_or_else(|e| panic!("{e}"));
	eprintln!("image built in {:.1} s: {}", started.elapsed().as_secs_f64(), built.trim());
	let size: u64 =
		docker(&["image", "inspect", "-f", "{{.Size}}", "ehr-node:latest"]).parse().expect("size");
	eprintln!("image ehr-node:latest: {} MB", size / 1_000_000);

	// The client is in the image too.
	let version = docker(&[
		"run",
		"--rm",
		"--network",
		"none",
		"--entrypoint",
		"ehr",
		"ehr-node:latest",
		"--version",
	]);
	assert!(version.starts_with("ehr "), "the ehr client in the image: {version}");

	consortium.up = true;
	let started = Instant::now();
	consortium.run(&["up"]).unwrap_or_else(|e| panic!("{e}"));
	for (index, hospital) in HOSPITALS.iter().enumerate() {
		let rpc = consortium.rpc(index);
		wait_until(
			&format!("{hospital} to finalize #3"),
			Duration::from_secs(180),
			Duration::from_secs(1),
			|| Ok((rpc.finalized_head().map_err(|e| e.to_string())?.0 >= 3).then_some(())),
		)
		.unwrap_or_else(|e| panic!("{e}"));
	}
	eprintln!(
		"four containers founded and finalized #3 in {:.1} s",
		started.elapsed().as_secs_f64()
	);
	// Keys stay files: no key on any container's command line.
	for hospital in HOSPITALS {
		let container = consortium.container(hospital);
		let args = docker(&["inspect", "-f", "{{json .Args}}", &container]);
		assert!(!args.contains("--node-key ") && !args.contains("--suri"), "{args}");
		wait_until(
			&format!("{hospital}'s container to be healthy"),
			Duration::from_secs(120),
			Duration::from_secs(2),
			|| {
				let status = docker(&["inspect", "-f", "{{.State.Health.Status}}", &container]);
				Ok((status == "healthy").then_some(()))
			},
		)
		.unwrap_or_else(|e| panic!("{e}"));
	}

	// General's container restarts: the same volume, so the same node identity and the
	// same database, and it follows finality again.
	let general = consortium.container("general");
	let rpc = consortium.rpc(1);
	let peer_id = rpc.call("system_localPeerId", serde_json::json!([])).expect("peer id");
	let database = "/data/chains/ehr_docker_test/paritydb/full";
	let inode = docker(&["exec", &general, "stat", "-c", "%i", database]);
	let (finalized_before, _) = rpc.finalized_head().expect("finalized");
	let restarted = Instant::now();
	consortium.run(&["compose", "restart", "general"]).unwrap_or_else(|e| panic!("{e}"));
	let first_best = wait_until(
		"general's RPC after the restart",
		Duration::from_secs(60),
		Duration::from_millis(250),
		|| Ok(rpc.best_number().ok()),
	)
	.unwrap_or_else(|e| panic!("{e}"));
	assert!(
		first_best >= finalized_before,
		"general came back with its chain (best #{first_best}, had finalized #{finalized_before})"
	);
	assert_eq!(rpc.call("system_localPeerId", serde_json::json!([])).expect("peer id"), peer_id);
	assert_eq!(docker(&["exec", &general, "stat", "-c", "%i", database]), inode);
	let target = consortium.rpc(0).finalized_head().expect("finalized").0 + 2;
	wait_until(
		"general to follow finality after its restart",
		Duration::from_secs(90),
		Duration::from_secs(1),
		|| Ok((rpc.finalized_head().map_err(|e| e.to_string())?.0 >= target).then_some(())),
	)
	.unwrap_or_else(|e| panic!("{e}"));
	eprintln!(
		"general restarted with its volume (best #{first_best} at once) and finalized #{target} {:.1} s after the restart",
		restarted.elapsed().as_secs_f64()
	);
}
