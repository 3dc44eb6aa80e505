// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The fuzzer's short run in CI: every committed input (the corpus the coverage-guided runs
//! kept, and each finding's regression input) and a few hundred seeded random inputs, with
//! every pallet's invariants checked after every block. A panic or a broken invariant
//! fails the test and names the input.

use ehr_fuzz::Stats;
use rand_chacha::{
	rand_core::{RngCore, SeedableRng},
	ChaCha8Rng,
};
use std::path::PathBuf;

const RANDOM_INPUTS: u32 = 300;
/// Calls that must succeed at least once in this run (the seeded random inputs alone reach
/// about 30 of the runtime's 80).
const MIN_CALLS_SUCCEEDED: usize = 25;

fn committed_inputs() -> Vec<PathBuf> {
	let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
	let folders: Vec<PathBuf> = [root.join("corpus/runtime"), root.join("regressions")]
		.into_iter()
		.filter(|p| p.is_dir())
		.collect();
	ehr_fuzz::input_files(&folders).expect("the committed inputs are readable")
}

#[test]
fn committed_and_random_inputs_keep_every_invariant() {
	let mut stats = Stats::default();
	for file in committed_inputs() {
		let data = std::fs::read(&file).expect("readable input");
		println!("replaying {}", file.display());
		ehr_fuzz::run(&data, &mut stats);
	}
	let mut rng = ChaCha8Rng::seed_from_u64(0x00e4_f022);
	for _ in 0..RANDOM_INPUTS {
		let mut data = vec![0u8; (rng.next_u32() % 4_096 + 1) as usize];
		rng.fill_bytes(&mut data);
		ehr_fuzz::run(&data, &mut stats);
	}
	println!("{}", stats.report());
	// A runtime change that left the generator behind (calls no longer decoding, signers
	// no longer fitting) would make this test pass while exploring nothing.
	assert!(
		stats.calls_succeeded() >= MIN_CALLS_SUCCEEDED,
		"only {} calls of the runtime succeeded at least once; the fuzzer no longer reaches the chain's logic",
		stats.calls_succeeded()
	);
}
