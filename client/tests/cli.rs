// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The `ehr` command as scripts use it, without a node: exit codes, accepted values,
//! confirmations, completions and JSON errors.

use std::process::{Command, Output, Stdio};

/// Runs `ehr` with `args`, stdin closed, no acting account or output format from the
/// environment.
fn ehr(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_ehr"))
		.args(args)
		.env_remove("EHR_SURI")
		.env_remove("EHR_KEYSTORE")
		.env_remove("EHR_OUTPUT")
		.env_remove("EHR_NODE")
		.env_remove("EHR_TIMEOUT")
		.env_remove("EHR_POLKADOT_JS")
		.env_remove("EHR_PASSWORD")
		.stdin(Stdio::null())
		.output()
		.expect("ehr runs")
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_exit_codes() {
	let output = ehr(&["--help"]);
	assert_eq!(output.status.code(), Some(0));
	let help = text(&output.stdout);
	assert!(help.contains("Exit codes:"), "{help}");
	for line in ["0  success", "2  usage", "3  refused", "4  not found", "5  network"] {
		assert!(help.contains(line), "no '{line}' in:\n{help}");
	}
}

#[test]
fn a_bad_value_lists_the_accepted_ones() {
	let output = ehr(&["--suri", "//Alice", "record", "read", "0", "--purpose", "marketing"]);
	assert_eq!(output.status.code(), Some(2));
	let error = text(&output.stderr);
	for value in ["treatment", "payment", "operations", "research"] {
		assert!(error.contains(value), "'{value}' not listed in:\n{error}");
	}
	// The help lists them too.
	let help = text(&ehr(&["consent", "request", "--help"]).stdout);
	assert!(help.contains("second-opinion"), "{help}");
}

#[test]
fn the_spellings_scripts_use_still_parse() {
	// Values parse before anything needs an account: a missing one is the error then.
	let output = ehr(&[
		"record",
		"write",
		"--patient",
		"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
		"--input",
		"seed.json",
		"--category",
		"MedicationRequest",
	]);
	let error = text(&output.stderr);
	assert!(error.contains("say who acts"), "{error}");
	assert_eq!(output.status.code(), Some(2));
}

#[test]
fn erase_without_yes_and_no_terminal_is_refused() {
	let output = ehr(&["--suri", "//Alice", "--node", "ws://127.0.0.1:1", "record", "erase", "3"]);
	assert_eq!(output.status.code(), Some(2));
	let error = text(&output.stderr);
	assert!(error.contains("--yes"), "{error}");
	let output = ehr(&["--suri", "//Alice", "consent", "revoke", "1", "--output", "json"]);
	assert_eq!(output.status.code(), Some(2));
	let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("JSON error");
	assert_eq!(error["error"]["kind"], "usage");
}

#[test]
fn completions_print_a_script() {
	let output = ehr(&["completions", "bash"]);
	assert_eq!(output.status.code(), Some(0));
	let script = text(&output.stdout);
	assert!(script.contains("complete") && script.contains("ehr"), "{script}");
	assert!(script.contains("break-glass"), "{script}");
}

#[test]
fn an_unreachable_node_is_a_network_error_in_json() {
	let output = ehr(&[
		"--node",
		"ws://127.0.0.1:1",
		"--suri",
		"//Alice",
		"--output",
		"json",
		"--timeout",
		"20",
		"record",
		"list",
	]);
	assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
	assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
	let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("one JSON error");
	assert_eq!(error["error"]["kind"], "network");
	assert_eq!(error["error"]["exitCode"], 5);
	assert!(error["error"]["message"].as_str().unwrap().contains("127.0.0.1:1"), "{error}");
}

#[test]
fn a_usage_error_is_json_when_json_was_asked_for() {
	let output = ehr(&["--output", "json", "consent", "grant", "--to", "nobody"]);
	assert_eq!(output.status.code(), Some(2));
	let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("JSON error");
	assert_eq!(error["error"]["kind"], "usage");
}

#[test]
fn the_justification_comes_from_a_file_not_the_arguments() {
	let help = text(&ehr(&["break-glass", "--help"]).stdout);
	assert!(help.contains("--justification-file"), "{help}");
	let output = ehr(&[
		"break-glass",
		"--patient",
		"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
		"--reason",
		"life-threatening",
		"--justification",
		"text",
	]);
	assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_silent_node_times_out_naming_what_was_awaited() {
	// Accepts connections (the kernel does) and never answers the WebSocket handshake.
	let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
	let node = format!("ws://{}", silent.local_addr().expect("address"));
	let started = std::time::Instant::now();
	let output =
		ehr(&["--node", &node, "--suri", "//Alice", "--output", "json", "--timeout", "1", "audit"]);
	assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
	assert!(started.elapsed() < std::time::Duration::from_secs(30));
	let error: serde_json::Value = serde_json::from_slice(&output.stderr).expect("one JSON error");
	assert_eq!(error["error"]["kind"], "timeout");
	let message = error["error"]["message"].as_str().unwrap();
	assert!(message.contains("timed out after 1 s waiting for the node at"), "{message}");
	drop(silent);
}

#[test]
fn a_polkadot_js_export_acts_as_its_account() {
	let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/polkadot-js");
	let dir = std::env::temp_dir().join(format!("ehr-cli-pjs-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let good = dir.join("good");
	let bad = dir.join("bad");
	std::fs::write(&good, "correct horse battery staple").unwrap();
	std::fs::write(&bad, "wrong").unwrap();
	let export = format!("{vectors}/alice.json");
	let shown =
		ehr(&["--polkadot-js", &export, "--password-file", good.to_str().unwrap(), "keys", "show"]);
	assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
	assert!(
		text(&shown.stdout).contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
		"{}",
		text(&shown.stdout)
	);
	let refused =
		ehr(&["--polkadot-js", &export, "--password-file", bad.to_str().unwrap(), "keys", "show"]);
	assert_ne!(refused.status.code(), Some(0));
	std::fs::remove_dir_all(&dir).unwrap();
}
