// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The concrete types of the node's parts: client, database backend, chain selection,
//! transaction pool and block import. A leaf module: the service builds these, and the
//! modules that take them (consensus, recovery, blobs, custody, ...) name them from here,
//! not from `service`.

use ehr_primitives::opaque::Block;
use ehr_runtime::apis::RuntimeApi;
use sc_consensus_grandpa::{GrandpaBlockImport, LinkHalf};
use sc_telemetry::Telemetry;

/// The runtime is executed as Wasm only: the on-chain code is the single source of truth.
pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
pub type FullBackend = sc_service::TFullBackend<Block>;
pub type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
pub type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
pub type FullGrandpaBlockImport =
	GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;

/// The parts of the service that subcommands (import, revert, benchmarks) also need.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	FullPool,
	(FullGrandpaBlockImport, LinkHalf<Block, FullClient, FullSelectChain>, Option<Telemetry>),
>;
