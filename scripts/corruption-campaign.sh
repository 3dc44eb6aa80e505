#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# The corruption campaign: on the four-validator local network (127.0.0.1), each trial
# stops one validator, damages its database one way drawn from a wide family (random
# bytes, flipped bits, truncation, zeroed pages, deleted or swapped files, a column
# removed, garbled metadata, the whole database deleted), starts it again and times it
# back to the others' finalized head, hash and state root. Prints a table: pattern →
# detected how → time to healed, and the p95.
#
#   scripts/corruption-campaign.sh                       one trial of each pattern (as CI)
#   scripts/corruption-campaign.sh --trials 100 --seed 7
#   scripts/corruption-campaign.sh --trials 3 --pattern EveryFileMiddle
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

"$EHR_ROOT/scripts/setup.sh"
ehr_wasm_env || die "no Wasm toolchain"
# --workspace, as scripts/test.sh builds: the same features, so the same node, not a second build.
cargo test --locked --profile "$EHR_PROFILE" --workspace --test corruption_campaign -- "$@"
