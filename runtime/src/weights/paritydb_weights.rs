// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0

//! THIS FILE WAS AUTO-GENERATED USING THE SUBSTRATE BENCHMARK CLI VERSION 64.0.0
//! DATE: 2026-12-06 (Y/M/D)
//! HOSTNAME: `vm`, CPU: `AMD EPYC`
//!
//! DATABASE: `ParityDb`, RUNTIME: `ehr-chain benchmark`
//! BLOCK-NUM: `Number(0)`
//! SKIP-WRITE: `false`, SKIP-READ: `false`, WARMUPS: `1`
//! STATE-VERSION: `V1`, STATE-CACHE-SIZE: ``
//! WEIGHT-PATH: `runtime/src/weights`
//! METRIC: `Average`, WEIGHT-MUL: `1.0`, WEIGHT-ADD: `0`

// Executed Command:
//   /root/.cache/ehr-chain/target-benchmarks/release/ehr-node
//   benchmark
//   storage
//   --chain
//   <the ehr-bench chain spec with --stored-anchors 1000000>
//   --base-path
//   <a fresh directory>
//   --database
//   paritydb
//   --state-version
//   1
//   --keys-limit
//   100000
//   --disable-pov-recorder
//   --weight-path
//   runtime/src/weights
//   --header
//   scripts/license-header.txt

/// Storage DB weights for the `ehr-chain benchmark` runtime and `ParityDb`.
pub mod constants {
	use frame_support::weights::constants;
	use sp_core::parameter_types;
	use sp_weights::RuntimeDbWeight;

	parameter_types! {
		/// ehr-node stores its state in ParityDB: these are its measured costs, on a state of
		/// 10^6 record anchors (5 million keys), reading 100,000 sampled keys and writing them.
		pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
			// Time to read one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 1_663, 571_786
			//   Average:  7_132
			//   Median:   6_883
			//   Std-Dev:  3347.94
			//
			// Percentiles nanoseconds:
			//   99th: 11_722
			//   95th: 9_718
			//   75th: 7_654
			read: 7_132 * constants::WEIGHT_REF_TIME_PER_NANOS,

			// Time to write one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 36_367, 36_367
			//   Average:  36_367
			//   Median:   36_367
			//   Std-Dev:  0.0
			//
			// Percentiles nanoseconds:
			//   99th: 36_367
			//   95th: 36_367
			//   75th: 36_367
			write: 36_367 * constants::WEIGHT_REF_TIME_PER_NANOS,
		};
	}

	#[cfg(test)]
	mod test_db_weights {
		use super::constants::ParityDbWeight as W;
		use sp_weights::constants;

		/// Checks that all weights exist and have sane values.
		// NOTE: If this test fails but you are sure that the generated values are fine,
		// you can delete it.
		#[test]
		fn bound() {
			// At least 1 µs.
			assert!(
				W::get().reads(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Read weight should be at least 1 µs."
			);
			assert!(
				W::get().writes(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Write weight should be at least 1 µs."
			);
			// At most 1 ms.
			assert!(
				W::get().reads(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Read weight should be at most 1 ms."
			);
			assert!(
				W::get().writes(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Write weight should be at most 1 ms."
			);
		}
	}
}
