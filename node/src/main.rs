// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! `ehr-node`: the node a hospital of the ehr-chain consortium runs.
//!
//! It authors blocks in its Aura slots, votes on finality with GRANDPA, syncs with the
//! other hospitals over P2P and serves JSON-RPC to Polkadot.js and integrators.

// The node returns Substrate's own `sc_service::Error` and `sc_cli::Error` (over 128
// bytes) as the node template does; boxing them everywhere would buy nothing.
#![allow(clippy::result_large_err)]

mod admission;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod blobs;
mod chain_spec;
mod cli;
mod client;
mod command;
mod consensus;
mod custody;
mod disk;
mod founding;
mod node_account;
mod node_key_proof;
mod permissioning;
mod read_limits;
mod recovery;
mod rpc;
mod secret_file;
mod service;
mod signed_requests;

fn main() -> sc_cli::Result<()> {
	command::run()
}
