// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The founding ceremony on real processes on 127.0.0.1: four hospitals each generate
//! their keys (`ehr-node founding keys`), one raw chain spec is assembled from their
//! public `founder.json` files (`founding assemble`), and the four nodes, started with
//! nothing but that spec and their own base paths, author and finalize with the founders'
//! keys. No development key is in the genesis state, and a development account cannot
//! act on the chain.

use ehr_runtime::{signing::signed_transaction, RuntimeCall};
use ehr_testnet::{free_port, Network, Node, NodeConfig, TestDir};
use sp_core::{Encode, H256};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use std::{path::Path, process::Command, time::Duration};

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
		};
		nodes.push(Node::start(config).unwrap_or_else(|e| panic!("{name} starts: {e}")));
	}
	let network = Network { nodes, dir };
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
}
