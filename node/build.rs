// This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
use substrate_build_script_utils::{generate_cargo_keys, rerun_if_git_head_changed};

fn main() {
	// Embeds the git commit in `--version`, as every Substrate node reports it.
	generate_cargo_keys();
	rerun_if_git_head_changed();
}
