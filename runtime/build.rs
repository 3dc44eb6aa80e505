// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
fn main() {
	#[cfg(feature = "std")]
	{
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
