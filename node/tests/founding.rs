// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The founding ceremony on real processes on 127.0.0.1: four hospitals each generate
//! their keys (`ehr-node founding keys`), one raw chain spec is assembled from their
//! public `founder.json` files (`founding assemble`), and the four nodes, started with
//! nothing but that spec and their own base paths, author and finalize with the founders'
//! keys. No development key is in the genesis state, and a development account cannot
//! act on the chain. Then one hospital loses its node's machine state: restored from its
//! encrypted key backup (`scripts/hospital-node.sh backup`/`restore`), the node resyncs
//! and authors again.

mod common;

use ehr_runtime::{signing::signed_transaction, RuntimeCall};
use ehr_testnet::{free_port, wait_until, Network, Node, NodeConfig, TestDir};
use sp_core::{crypto::Ss58Codec, sr25519, Encode, H256};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use std::{
	path::Path,
	process::Command,
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_ehr-node");
const CHAIN_ID: &str = "ehr_founding_test";

fn ehr_node(args: &[&str]) -> (bool, String) {
	let output = Command::new(NODE).args(args).output().expect("runs ehr-node");
	let text = format!(
		"{}{}",
		String::from_utf8_lossy(&output.stdout),
		String::from_utf8_lossy(&output.stderr)
	);
	(output.status.success(), text)
}

#[test]
fn four_founders_found_a_chain_with_their_own_keys() {
	let dir = TestDir::new("founding").expect("test dir");
	let names = ["st-mary", "general", "childrens", "riverside"];
	let ports: Vec<u16> = names.iter().map(|_| free_port()).collect();

	// 1. Each hospital, on its own: keys under its node's base path.
	let mut founder_files = Vec::new();
	for (name, port) in names.iter().zip(&ports) {
		let base = dir.path().join(name);
		let (ok, out) = ehr_node(&[
			"founding",
			"keys",
			"--name",
			name,
			"--base-path",
			base.to_str().unwrap(),
			"--chain-id",
			CHAIN_ID,
			"--public-addr",
			&format!("/ip4/127.0.0.1/tcp/{port}"),
		]);
		assert!(ok, "founding keys for {name}: {out}");
		founder_files.push(base.join("founder.json"));
	}

	// 2. The spec, from the public files only; any founder gets the same bytes.
	let assemble = |output: &Path, files: &[&Path]| {
		let mut args = vec![
			"founding".to_string(),
			"assemble".into(),
			"--name".into(),
			"Founding Test Consortium".into(),
			"--id".into(),
			CHAIN_ID.into(),
			"--output".into(),
			output.display().to_string(),
		];
		for file in files {
			args.push("--founder".into());
			args.push(file.display().to_string());
		}
		ehr_node(&args.iter().map(String::as_str).collect::<Vec<_>>())
	};
	let spec = dir.path().join("spec.json");
	let files: Vec<&Path> = founder_files.iter().map(|f| f.as_path()).collect();
	let (ok, out) = assemble(&spec, &files);
	assert!(ok, "assemble: {out}");
	let reversed: Vec<&Path> = files.iter().rev().copied().collect();
	let (ok, _) = assemble(&dir.path().join("spec-2.json"), &reversed);
	assert!(ok);
	assert_eq!(
		std::fs::read(&spec).unwrap(),
		std::fs::read(dir.path().join("spec-2.json")).unwrap(),
		"the same founders in another order give the same spec"
	);

	// No development key in the genesis state (the runtime code holds the dev presets'
	// constants, so `:code` is left out).
	let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
	let top = json["genesis"]["raw"]["top"].as_object().expect("a raw spec");
	let state: String = top
		.iter()
		.filter(|(key, _)| key.as_str() != "0x3a636f6465")
		.map(|(key, value)| format!("{key}{}", value.as_str().unwrap_or_default()))
		.collect();
	for dev in Sr25519Keyring::iter() {
		let public = hex::encode(dev.public());
		assert!(!state.contains(&public), "//{dev:?} is in the genesis state");
	}
	for dev in Ed25519Keyring::iter() {
		assert!(
			!state.contains(&hex::encode(dev.public())),
			"//{dev:?} (ed25519) is in the genesis"
		);
	}
	assert_eq!(json["bootNodes"].as_array().map(Vec::len), Some(4));

	// Refusals, by name.
	let (ok, out) = assemble(&dir.path().join("three.json"), &files[..3]);
	assert!(!ok && out.contains("at least 4"), "{out}");
	let (ok, out) =
		assemble(&dir.path().join("twice.json"), &[files[0], files[1], files[2], files[0]]);
	assert!(!ok && out.contains("used twice"), "{out}");
	let (ok, out) = assemble(&spec, &files);
	assert!(!ok && out.contains("File exists"), "never overwrites a spec: {out}");

	// 3. The four nodes, each with its own base path (keystore, node key, custody key).
	let spec_path = spec.display().to_string();
	let mut nodes = Vec::new();
	for (i, (name, port)) in names.iter().zip(&ports).enumerate() {
		let base = dir.path().join(name);
		let founder: serde_json::Value =
			serde_json::from_slice(&std::fs::read(&founder_files[i]).unwrap()).unwrap();
		let config = NodeConfig {
			binary: NODE.into(),
			name: name.to_string(),
			validator_key: None,
			chain: spec_path.clone(),
			node_key_file: base.join("node-key"),
			peer_id: founder["peerId"].as_str().unwrap().to_string(),
			base_path: base.clone(),
			p2p_port: *port,
			rpc_port: free_port(),
			prometheus_port: free_port(),
			// From the spec's boot nodes.
			bootnodes: Vec::new(),
			extra_args: vec![
				"--validator".into(),
				"--custody-key-file".into(),
				base.join("custody.key").display().to_string(),
			],
			start_timeout: Duration::from_secs(60),
			host: None,
		};
		nodes.push(Node::start(config).unwrap_or_else(|e| panic!("{name} starts: {e}")));
	}
	let mut network = Network { nodes, dir };
	network
		.wait_all_finalized(5, Duration::from_secs(240))
		.expect("the founders' nodes author and finalize with their own keys");
	let rpc = network.nodes[0].rpc();
	let authorities = rpc.runtime_call("AuraApi_authorities", &[]).expect("authorities");
	assert_eq!(authorities.len(), 1 + 4 * 32, "four Aura authorities");

	// A development account is nobody here: the membership gate refuses it.
	let genesis = H256(rpc.genesis_hash().expect("genesis"));
	let alice = Sr25519Keyring::Alice.pair();
	let call =
		RuntimeCall::Consortium(pallet_ehr_consortium::Call::remove_node { node: vec![0; 38] });
	let xt = signed_transaction(&alice, call, 0, genesis);
	let refused = rpc.submit_extrinsic(&xt.encode()).expect_err("Alice is not a member");
	eprintln!("a development account is refused: {refused}");

	// Riverside's machine is lost. Its keys come back from its encrypted backup; the chain
	// (and the blobs) from the other hospitals; it validates again.
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/hospital-node.sh");
	let hospital_node = |args: &[&str]| {
		let output = Command::new(&script).args(args).output().expect("runs hospital-node.sh");
		let text = format!(
			"{}{}",
			String::from_utf8_lossy(&output.stdout),
			String::from_utf8_lossy(&output.stderr)
		);
		(output.status.success(), text)
	};
	let base = network.nodes[3].base_path().to_path_buf();
	let passphrase = network.dir.path().join("backup.passphrase");
	std::fs::write(&passphrase, "a long passphrase kept in the hospital's safe\n").unwrap();
	let backup = network.dir.path().join("riverside.backup");
	let (base_arg, pass_arg, backup_arg) = (
		base.display().to_string(),
		passphrase.display().to_string(),
		backup.display().to_string(),
	);
	let (ok, out) = hospital_node(&[
		"backup",
		"--base-path",
		&base_arg,
		"--output",
		&backup_arg,
		"--passphrase-file",
		&pass_arg,
	]);
	assert!(ok, "backup: {out}");
	let backup_bytes = std::fs::read(&backup).unwrap();
	let node_key = std::fs::read_to_string(base.join("node-key")).unwrap();
	assert!(
		!backup_bytes.windows(node_key.len()).any(|w| w == node_key.as_bytes()),
		"the backup is encrypted"
	);
	network.nodes[3].stop();
	std::fs::remove_dir_all(&base).expect("the machine state is gone");
	let wrong = network.dir.path().join("wrong.passphrase");
	std::fs::write(&wrong, "not the passphrase\n").unwrap();
	let (ok, out) = hospital_node(&[
		"restore",
		"--input",
		&backup_arg,
		"--passphrase-file",
		&wrong.display().to_string(),
		"--base-path",
		&base_arg,
	]);
	assert!(!ok && out.contains("cannot decrypt"), "a wrong passphrase restores nothing: {out}");
	assert!(!base.join("node-key").exists());
	let (ok, restored) = hospital_node(&[
		"restore",
		"--input",
		&backup_arg,
		"--passphrase-file",
		&pass_arg,
		"--base-path",
		&base_arg,
	]);
	assert!(ok, "restore: {restored}");
	let peer_id = &network.nodes[3].config.peer_id;
	assert!(restored.contains(peer_id.as_str()), "the same node identity: {restored}");
	let riverside: serde_json::Value =
		serde_json::from_slice(&std::fs::read(&founder_files[3]).unwrap()).unwrap();
	let aura = sr25519::Public::from_ss58check(riverside["aura"].as_str().unwrap()).unwrap().0;
	let (from, _) = rpc.finalized_head().expect("head");
	let restart = Instant::now();
	network.nodes[3].restart().expect("the restored node starts");
	let mut scanned = from;
	let authored = wait_until(
		"the restored node to author a finalized block",
		Duration::from_secs(180),
		Duration::from_secs(2),
		|| {
			let (finalized, _) = rpc.finalized_head().map_err(|e| e.to_string())?;
			for number in scanned + 1..=finalized {
				let hash = rpc.block_hash(number).map_err(|e| e.to_string())?.unwrap_or_default();
				if common::author(&rpc, &hash) == aura {
					return Ok(Some(number));
				}
				scanned = number;
			}
			Err(format!("finalized #{finalized}"))
		},
	)
	.expect("riverside authors again");
	network
		.wait_all_finalized(authored, Duration::from_secs(60))
		.expect("the restored node has the finalized chain too");
	eprintln!(
		"restored from its backup, riverside authored finalized #{authored} {:.1} s after it restarted",
		restart.elapsed().as_secs_f64()
	);
}
