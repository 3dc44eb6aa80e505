// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! Replays fuzz inputs or runs seeded random ones, and prints which calls of the runtime
//! they reached and how those ended.
//!
//! ```text
//! ehr-fuzz replay fuzz/corpus/runtime fuzz/regressions
//! ehr-fuzz random --seed 7 --inputs 2000
//! ```

use clap::{Parser, Subcommand};
use ehr_fuzz::Stats;
use rand_chacha::{
	rand_core::{RngCore, SeedableRng},
	ChaCha8Rng,
};
use std::{path::PathBuf, process::ExitCode, time::Instant};

#[derive(Parser)]
#[command(about = "Replay or generate inputs for the ehr-chain runtime fuzzer")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Run every input file in the given files and folders (a libFuzzer corpus, crash files).
	Replay {
		/// Files or folders of input files.
		#[arg(required = true)]
		paths: Vec<PathBuf>,
	},
	/// Run inputs of random bytes from a seed: the same seed runs the same inputs.
	Random {
		/// The seed of the inputs.
		#[arg(long, default_value_t = 1)]
		seed: u64,
		/// How many inputs to run.
		#[arg(long, default_value_t = 1_000)]
		inputs: u32,
		/// The largest input, in bytes (each input's size is drawn up to it).
		#[arg(long, default_value_t = 4_096)]
		max_len: usize,
	},
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	let mut stats = Stats::default();
	let started = Instant::now();
	match cli.command {
		Command::Replay { paths } => {
			let files = match ehr_fuzz::input_files(&paths) {
				Ok(files) => files,
				Err(e) => {
					eprintln!("ehr-fuzz: {e}");
					return ExitCode::from(2);
				}
			};
			for file in files {
				match std::fs::read(&file) {
					Ok(data) => ehr_fuzz::run(&data, &mut stats),
					// A running fuzzer replaces inputs by shorter ones as it goes.
					Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
					Err(e) => {
						eprintln!("ehr-fuzz: cannot read {}: {e}", file.display());
						return ExitCode::from(2);
					}
				}
			}
		}
		Command::Random { seed, inputs, max_len } => {
			let mut rng = ChaCha8Rng::seed_from_u64(seed);
			for _ in 0..inputs {
				let len = (rng.next_u32() as usize) % max_len.max(1) + 1;
				let mut data = vec![0u8; len];
				rng.fill_bytes(&mut data);
				ehr_fuzz::run(&data, &mut stats);
			}
		}
	}
	print!("{}", stats.report());
	println!("in {:.1} s", started.elapsed().as_secs_f64());
	ExitCode::SUCCESS
}
