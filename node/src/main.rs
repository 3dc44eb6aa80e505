//! `ehr-node`: the node a hospital of the ehr-chain consortium runs.
//!
//! It authors blocks in its Aura slots, votes on finality with GRANDPA, syncs with the
//! other hospitals over P2P and serves JSON-RPC to Polkadot.js and integrators.

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod blobs;
mod chain_spec;
mod cli;
mod command;
mod consensus;
mod custody;
mod node_account;
mod node_key_proof;
mod permissioning;
mod read_limits;
mod recovery;
mod rpc;
mod service;
mod signed_requests;

fn main() -> sc_cli::Result<()> {
	command::run()
}
