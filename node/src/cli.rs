// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Command-line interface of `ehr-node`.

/// The `ehr-node` command line: run a node, or one of the standard subcommands.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	#[clap(flatten)]
	pub recovery: crate::recovery::RecoveryParams,

	#[clap(flatten)]
	pub finality: crate::consensus::FinalityParams,

	#[clap(flatten)]
	pub blobs: crate::blobs::BlobParams,

	#[clap(flatten)]
	pub custody: crate::custody::CustodyParams,

	#[clap(flatten)]
	pub admission: crate::admission::AdmissionParams,
}

/// The subcommands every Substrate node offers, plus benchmarks.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys (e.g. a hospital's session keys).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (`--chain dev|local|<file>`), to share with other hospitals.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Sub-commands concerned with benchmarking (a node built with `--features
	/// runtime-benchmarks`, as `scripts/benchmark.sh` builds it).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Write the stored record blobs out as files and/or a CAR file, for IPFS.
	ExportBlobs(crate::blobs::car::ExportBlobsCmd),

	/// Make or inspect a hospital's custody key file (the key its nodes hold record keys
	/// with; see docs/keys.md).
	#[command(subcommand)]
	CustodyKey(crate::custody::keys::CustodyKeyCmd),

	/// Print this node's peer id and its network key's proof that it is a hospital's node,
	/// the arguments of `consortium.addNode`.
	NodeKeyProof(crate::node_key_proof::NodeKeyProofCmd),

	/// Found a consortium chain with the founding hospitals' own keys: `keys` on each
	/// hospital's node, then `assemble` over every founder's public `founder.json`.
	#[command(subcommand)]
	Founding(crate::founding::FoundingCmd),
}
