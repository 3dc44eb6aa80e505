// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
//! The libFuzzer target: one input, one chain's life (see the crate docs). Built and run
//! by `scripts/fuzz.sh` with the sanitizer coverage flags that guide libFuzzer.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
	ehr_fuzz::run(data, &mut ehr_fuzz::Stats::default());
});
