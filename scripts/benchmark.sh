#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Regenerates the weights of ehr-chain's own pallets from their benchmarks, executed in
# the real Wasm runtime by `ehr-node benchmark pallet`.
#
#   scripts/benchmark.sh                 all pallets, full precision (steps 50, repeat 20)
#   scripts/benchmark.sh --quick         steps 10, repeat 5 (to check the pipeline)
#   scripts/benchmark.sh PALLET...       only these (e.g. pallet_ehr_consortium)
#   scripts/benchmark.sh --overhead      the base weights of a block and of an extrinsic
#                                        (runtime/src/weights/)
#   scripts/benchmark.sh --storage       ParityDB's read and write cost per storage item
#                                        (runtime/src/weights/paritydb_weights.rs), on a
#                                        chain holding EHR_STORAGE_ANCHORS (1000000)
#                                        anchors (~5 min, ~9 GiB of memory)
#
# The node is built with `--features runtime-benchmarks` in its own target directory
# (next to the shared one), so the production and test binaries are never replaced by a
# benchmarking build; only that build has the `benchmark` subcommands (`benchmark block`
# too: run it as target-benchmarks/release/ehr-node).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

steps=50 repeat=20
only=()
overhead="" storage=""
for arg in "$@"; do
  case "$arg" in
    --quick) steps=10 repeat=5 ;;
    --overhead) overhead=1 ;;
    --storage) storage=1 ;;
    pallet_*) only+=("$arg") ;;
    *) die "unknown argument '$arg' (expected --quick, --overhead, --storage or a pallet name such as pallet_ehr_records)" ;;
  esac
done

"$EHR_ROOT/scripts/setup.sh"
ehr_wasm_env || die "no Wasm toolchain"
bench_target="${CARGO_TARGET_DIR%/}-benchmarks"
log "building ehr-node with runtime benchmarks (target dir $bench_target)"
# frame-benchmarking-cli's own test runtime (frame-storage-access-test-runtime, for
# `benchmark storage` with proof recording, which --storage below turns off) cannot be
# built as Wasm in this workspace: substrate-wasm-builder looks it up in the workspace's
# `cargo metadata` (WASM_BUILD_WORKSPACE_HINT), which lists only default-feature packages,
# and panics "Failed to find entry for package". Its Wasm is not needed: skip it.
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 CARGO_TARGET_DIR="$bench_target" \
  cargo build --locked --release -p ehr-node --features runtime-benchmarks
node="$bench_target/release/ehr-node"

if [ -n "$overhead" ]; then
  "$node" benchmark overhead --chain dev --warmup 10 --repeat 100 \
    --weight-path runtime/src/weights --header scripts/license-header.txt
  log "base weights regenerated in runtime/src/weights; rebuild and run scripts/test.sh"
  exit 0
fi

if [ -n "$storage" ]; then
  # A state the size of a busy consortium's: the benchmark chain (ehr-bench's members)
  # holding EHR_STORAGE_ANCHORS confirmed anchors from genesis on. `benchmark storage`
  # builds it into a fresh ParityDB, then times reads of sampled keys and batched writes.
  anchors="${EHR_STORAGE_ANCHORS:-1000000}"
  ehr_build_node
  cargo build --locked --profile "$EHR_PROFILE" -p ehr-bench
  work="$(mktemp -d /tmp/ehr-storage-bench.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  "$CARGO_TARGET_DIR/$EHR_PROFILE/ehr-bench" --node "$EHR_NODE_BIN" \
    --stored-anchors "$anchors" --write-spec "$work/spec.json"
  log "benchmarking ParityDB reads and writes on a state of $anchors anchors"
  "$node" benchmark storage --chain "$work/spec.json" --base-path "$work/db" \
    --database paritydb --state-version 1 --keys-limit 100000 --disable-pov-recorder \
    --weight-path runtime/src/weights --header scripts/license-header.txt
  log "storage weights regenerated in runtime/src/weights; rebuild and run scripts/test.sh"
  exit 0
fi

# pallet name → crate directory
declare -A pallets=(
  [pallet_ehr_registry]=pallets/registry
  [pallet_ehr_consent]=pallets/consent
  [pallet_ehr_records]=pallets/records
  [pallet_ehr_consortium]=pallets/consortium
)
[ ${#only[@]} -gt 0 ] || only=("${!pallets[@]}")
for pallet in "${only[@]}"; do
  [ -n "${pallets[$pallet]:-}" ] || die "no pallet '$pallet' (known: ${!pallets[*]})"
  out="${pallets[$pallet]}/src/weights.rs"
  log "benchmarking $pallet → $out"
  "$node" benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*' \
    --steps "$steps" --repeat "$repeat" --wasm-execution compiled \
    --template scripts/pallet-weight-template.hbs --header scripts/license-header.txt \
    --output "$out"
done
log "weights regenerated; review the diff and run scripts/test.sh"
