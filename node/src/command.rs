// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Dispatches the command line to the node service or a subcommand.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use ehr_primitives::{opaque::Block, Hash};
use sc_cli::SubstrateCli;
use sc_network::config::NetworkBackendType;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"ehr-chain hospital node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/ehr-chain/ehr-chain/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		chain_spec::load(id)
	}
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	default_to_single_state_pool(&mut cli);
	default_rpc_limits(&mut cli);
	default_to_no_trie_cache(&mut cli);

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		}
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		}
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		}
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		}
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		}
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				// GRANDPA keeps its own view of the authority set in the aux store; it must
				// be reverted with the blocks.
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		}
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| crate::benchmarking::run(cmd, config))
		}
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		}
		Some(Subcommand::ExportBlobs(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(&config.base_path.config_dir(config.chain_spec.id())))
		}
		Some(Subcommand::CustodyKey(cmd)) => cmd.run().map_err(sc_cli::Error::Input),
		Some(Subcommand::NodeKeyProof(cmd)) => cmd.run().map_err(sc_cli::Error::Input),
		Some(Subcommand::Founding(cmd)) => cmd.run().map_err(sc_cli::Error::Input),
		None => {
			let runner = cli.create_runner(&cli.run)?;
			if crate::recovery::isolated::is_child() {
				let recovery = cli.recovery.clone();
				return runner.sync_run(|config| -> sc_cli::Result<()> {
					crate::recovery::isolated::run_child(&config, &recovery, service::new_partial)
				});
			}
			let database = crate::recovery::checked_database(runner.config(), &cli.recovery);
			let params = service::NodeParams {
				recovery: cli.recovery.clone(),
				finality: cli.finality.clone(),
				blobs: cli.blobs.clone(),
				custody: cli.custody.clone(),
				admission: cli.admission.clone(),
				pool_limits: crate::admission::PoolLimits {
					count: cli.run.pool_config.pool_limit,
					bytes: cli.run.pool_config.pool_kbytes.saturating_mul(1024),
				},
			};
			runner
				.run_node_until_exit(|config| async move {
					match config.network.network_backend {
						NetworkBackendType::Libp2p => service::new_full::<
							sc_network::NetworkWorker<Block, Hash>,
						>(config, params),
						NetworkBackendType::Litep2p => {
							service::new_full::<sc_network::Litep2pNetworkBackend>(config, params)
						}
					}
					.map_err(sc_cli::Error::Service)
				})
				.inspect(|()| {
					// A clean stop: whatever panicked before is not a crash loop.
					if let Some(database) = database {
						crate::recovery::crash_note::clear(&database);
					}
				})
		}
	}
}

/// Calls a minute one RPC connection from another host may make (`--rpc-rate-limit`).
const RPC_CALLS_PER_MINUTE: u32 = 1_200;
/// Largest RPC request, in MiB (`--rpc-max-request-size`): a 1 MiB blob travels as 2 MiB of
/// hex; a runtime upgrade proposed to the council is the largest transaction.
const RPC_MAX_REQUEST_MIB: u32 = 8;

/// Whether the operator gave `flag` on the command line.
fn chosen(flag: &str) -> bool {
	std::env::args().any(|arg| arg == flag || arg.starts_with(&format!("{flag}=")))
}

/// Unless the operator chose otherwise, RPC connections from other hosts are rate-limited
/// (Substrate's default is no limit) and requests are bounded well below Substrate's
/// 15 MiB: one client cannot make the node decode, hash and verify without end. Loopback
/// connections (the hospital's own gateway, scripts, tests) are not limited.
fn default_rpc_limits(cli: &mut Cli) {
	let rpc = &mut cli.run.rpc_params;
	if !chosen("--rpc-rate-limit") {
		rpc.rpc_rate_limit = std::num::NonZeroU32::new(RPC_CALLS_PER_MINUTE);
		if !chosen("--rpc-rate-limit-whitelisted-ips") {
			rpc.rpc_rate_limit_whitelisted_ips =
				["127.0.0.0/8", "::1/128"].iter().filter_map(|net| net.parse().ok()).collect();
		}
	}
	if !chosen("--rpc-max-request-size") {
		rpc.rpc_max_request_size = RPC_MAX_REQUEST_MIB;
	}
}

/// Unless the operator chose a transaction pool (`--pool-type`), the node runs the
/// single-state pool rather than Substrate's default, the fork-aware one: under a steady
/// load of record writes below capacity the fork-aware pool accepted transactions and then
/// dropped them — one submitted while a new view was being built lands only in the old
/// view as "future", and is reported dropped (`LimitsEnforced`) and removed from the
/// mempool when that view goes, stranding every later nonce of its sender. Measured with
/// `scripts/bench.sh` (README, "Performance"): at 200 writes/s the fork-aware pool lost
/// 132–282 of 12,032 accepted writes per run, the single-state pool none.
/// Unless the operator sized it (`--trie-cache-size`), the node runs without Substrate's
/// shared trie cache (1 GiB by default). Every block built or imported hands all the trie
/// nodes it touched to that cache under its write lock, and a block of ~1,000 record
/// writes touches tens of thousands: measured with `scripts/bench.sh` (README,
/// "Performance"), four validators at 448 records/s for 3 minutes finalized 297 records/s
/// with the cache (5.6 CPU-seconds per 1,000 records, blocks imported in 1.2 s, 13 reorgs,
/// a write lost) and all 440/s without it (2.5 CPU-seconds, 0.6 s, no reorg, none lost).
/// A node that mostly serves reads (an archive behind a busy gateway) may size it again.
fn default_to_no_trie_cache(cli: &mut Cli) {
	if !chosen("--trie-cache-size") {
		cli.run.import_params.trie_cache_size = 0;
	}
}

fn default_to_single_state_pool(cli: &mut Cli) {
	if !chosen("--pool-type") {
		cli.run.pool_config.pool_type = sc_cli::TransactionPoolType::SingleState;
	}
}
