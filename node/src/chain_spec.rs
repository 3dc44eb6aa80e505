// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Chain specifications built from the runtime's genesis presets.

use ehr_runtime::WASM_BINARY;
use sc_service::ChainType;

/// A chain specification of ehr-chain (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

pub fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime Wasm blob was not built: rebuild without SKIP_WASM_BUILD".to_string()
	})
}

pub fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	// No token exists; Polkadot.js still expects a symbol and decimals.
	properties.insert("tokenSymbol".into(), "EHR".into());
	properties.insert("tokenDecimals".into(), 0.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// One hospital (Alice) validating: `--dev`.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("ehr-chain development")
		.with_id("ehr_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Four hospitals (Alice, Bob, Charlie, Dave) validating on one machine: `--chain local`.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("ehr-chain local consortium")
		.with_id("ehr_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The four local hospitals governed by their council alone (no bootstrap admin):
/// `--chain consortium`.
pub fn consortium() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("ehr-chain consortium")
		.with_id("ehr_consortium")
		.with_chain_type(ChainType::Live)
		.with_genesis_config_preset_name(ehr_runtime::genesis_config_presets::CONSORTIUM_PRESET)
		.with_properties(properties())
		.build())
}

/// The chain spec `--chain <id>` names: `dev`, `local`, `consortium`, or a path to a JSON
/// spec file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" | "" => Box::new(development()?),
		"local" => Box::new(local_testnet()?),
		"consortium" => Box::new(consortium()?),
		path => {
			Box::new(ChainSpec::from_json_file(std::path::PathBuf::from(path)).map_err(|e| {
				format!(
					"chain spec `{path}` is neither `dev`, `local` nor a readable spec file: {e}"
				)
			})?)
		}
	})
}
