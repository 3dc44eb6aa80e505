#!/usr/bin/env bash
# Sets up this machine if needed, builds everything once (release profile, shared target
# dir) and runs every test of ehr-chain: formatting, unit and pallet tests, runtime
# tests, the node tests that start real node processes on 127.0.0.1, and the
# Polkadot.js compatibility tests against a real dev node.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

start=$(date +%s)
"$EHR_ROOT/scripts/setup.sh"
ehr_wasm_env || die "no Wasm toolchain"

log "checking formatting"
cargo fmt --all --check || die "code is not formatted: run 'cargo fmt --all'"

log "building and running all tests ($EHR_PROFILE profile, target dir $CARGO_TARGET_DIR)"
cargo test --locked --profile "$EHR_PROFILE" --workspace --no-fail-fast -- --nocapture

log "benchmark tests: every pallet benchmark runs once against its mock runtime"
cargo test --locked --profile "$EHR_PROFILE" --features runtime-benchmarks --lib \
  -p pallet-ehr-registry -p pallet-ehr-consent -p pallet-ehr-records -p pallet-ehr-consortium

log "Polkadot.js compatibility (no custom types) against a dev node"
# `cargo test` above built the node binary for the node tests: use that very binary.
[ -x "$EHR_NODE_BIN" ] || die "no node binary at $EHR_NODE_BIN after cargo test"
(cd "$EHR_ROOT/tests/polkadotjs" \
  && npm ci --no-audit --no-fund --loglevel=error \
  && EHR_NODE_BIN="$EHR_NODE_BIN" npm test)

log "all tests passed in $(( $(date +%s) - start )) s"
