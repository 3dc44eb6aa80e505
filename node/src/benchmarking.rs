// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-node benchmark …`, in a node built with `--features runtime-benchmarks` (the
//! benchmark CLI crate brings ~100 crates of Polkadot and Cumulus that production and test
//! builds do without): the subcommands, and what `benchmark overhead|extrinsic` need from
//! this chain — signed `system.remark` transactions built natively, and the inherent data
//! of a block.

use crate::{client::FullClient, service};
use ehr_primitives::opaque::Block;
use ehr_runtime as runtime;
use frame_benchmarking_cli::{
	BenchmarkCmd, ExtrinsicBuilder, ExtrinsicFactory, SUBSTRATE_REFERENCE_HARDWARE,
};
use sc_cli::Result;
use sc_service::PartialComponents;
use sp_keyring::Sr25519Keyring;
use sp_runtime::OpaqueExtrinsic;
use std::{sync::Arc, time::Duration};

/// Builds `system.remark` transactions signed by Alice, who is a member of every dev and
/// local chain.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		use sc_client_api::UsageProvider;
		let genesis_hash = self.client.usage_info().chain.genesis_hash;
		let call: runtime::RuntimeCall = runtime::SystemCall::remark { remark: vec![] }.into();
		let alice = Sr25519Keyring::Alice.pair();
		Ok(runtime::signing::signed_transaction(&alice, call, nonce, genesis_hash).into())
	}
}

/// The inherent data of a benchmark block: just a timestamp.
pub fn inherent_benchmark_data() -> Result<sp_inherents::InherentData> {
	let mut inherent_data = sp_inherents::InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(Duration::ZERO.into());
	futures::executor::block_on(sp_inherents::InherentDataProvider::provide_inherent_data(
		&timestamp,
		&mut inherent_data,
	))
	.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}

/// Runs a `benchmark` subcommand.
pub fn run(cmd: &BenchmarkCmd, config: sc_service::Configuration) -> sc_cli::Result<()> {
	match cmd {
		BenchmarkCmd::Pallet(cmd) => {
			cmd.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(config.chain_spec))
		}
		BenchmarkCmd::Block(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			cmd.run(client)
		}
		BenchmarkCmd::Storage(cmd) => {
			let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
			let db = backend.expose_db();
			let storage = backend.expose_storage();
			let shared_trie_cache = backend.expose_shared_trie_cache();
			cmd.run(config, client, db, storage, shared_trie_cache)
		}
		BenchmarkCmd::Overhead(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			let ext_builder = RemarkBuilder::new(client.clone());
			cmd.run(
				config.chain_spec.name().into(),
				client,
				inherent_benchmark_data()?,
				Vec::new(),
				&ext_builder,
				false,
			)
		}
		BenchmarkCmd::Extrinsic(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			let ext_factory = ExtrinsicFactory(vec![Box::new(RemarkBuilder::new(client.clone()))]);
			cmd.run(client, inherent_benchmark_data()?, Vec::new(), &ext_factory)
		}
		BenchmarkCmd::Machine(cmd) => cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()),
	}
}
