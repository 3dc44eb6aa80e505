// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! What a run cost the nodes: their CPU time, their block build and import times, and the
//! forks they switched between, read before and after the load.

use ehr_testnet::Network;

/// Sums and counts of the nodes' block construction (`substrate_proposer_block_constructed`)
/// and import (`substrate_block_verification_and_import_time`) histograms.
#[derive(Default)]
pub struct BlockTimings {
	build: (f64, f64),
	import: (f64, f64),
}

impl BlockTimings {
	pub fn since(self, before: &Self) -> Self {
		Self {
			build: (self.build.0 - before.build.0, self.build.1 - before.build.1),
			import: (self.import.0 - before.import.0, self.import.1 - before.import.1),
		}
	}

	pub fn mean_build(&self) -> f64 {
		if self.build.1 > 0.0 {
			self.build.0 / self.build.1
		} else {
			f64::NAN
		}
	}

	pub fn mean_import(&self) -> f64 {
		if self.import.1 > 0.0 {
			self.import.0 / self.import.1
		} else {
			f64::NAN
		}
	}
}

pub fn block_timings(network: &Network) -> BlockTimings {
	let mut timings = BlockTimings::default();
	for node in &network.nodes {
		let metric = |name: &str| node.metric(name, &[]).ok().flatten().unwrap_or(0.0);
		timings.build.0 += metric("substrate_proposer_block_constructed_sum");
		timings.build.1 += metric("substrate_proposer_block_constructed_count");
		timings.import.0 += metric("substrate_block_verification_and_import_time_sum");
		timings.import.1 += metric("substrate_block_verification_and_import_time_count");
	}
	timings
}

/// CPU seconds all the network's nodes have used so far.
pub fn nodes_cpu_seconds(network: &Network) -> f64 {
	network.nodes.iter().filter_map(|node| node.cpu_seconds()).sum()
}

/// Times the network's nodes switched their best chain to another fork so far.
pub fn reorgs(network: &Network) -> u64 {
	network.nodes.iter().map(|node| node.reorgs()).sum()
}
