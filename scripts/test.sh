#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Sets up this machine if needed, builds everything once (release profile, shared target
# dir) and runs every test of ehr-chain: formatting, unit and pallet tests, runtime
# tests, the node and client tests that start real node processes on 127.0.0.1, and the
# JavaScript tests with clients nobody here wrote (a FHIR validator, Polkadot.js, IPFS's
# CAR and CID libraries, Substrate API Sidecar) against real dev nodes.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

start=$(date +%s)
"$EHR_ROOT/scripts/setup.sh"
ehr_wasm_env || die "no Wasm toolchain"

log "checking formatting and licence lines"
cargo fmt --all --check || die "code is not formatted: run 'cargo fmt --all'"
"$EHR_ROOT/scripts/license-headers.sh"

log "lints: clippy on every crate and target, warnings are errors"
# In the profile the tests build with: the build scripts, proc macros and the Wasm runtime
# it compiles are the very ones the test build then reuses (a dev-profile lint pass built
# them all a second time: 11 of a cold run's 61 minutes).
cargo clippy --locked --profile "$EHR_PROFILE" --workspace --all-targets -- -D warnings

log "dependencies: licences, bans and sources (deny.toml)"
# Errors only: the duplicate-version warnings (policy "warn") run to thousands of lines.
cargo deny --log-level error --locked check bans licenses sources

log "building all tests ($EHR_PROFILE profile, target dir $CARGO_TARGET_DIR)"
cargo test --locked --profile "$EHR_PROFILE" --workspace --no-run

# The second runtime node/tests/runtime_upgrade.rs upgrades to, from the Wasm build above.
"$EHR_ROOT/scripts/build-rehearsal-runtime.sh"

log "running all tests"
cargo test --locked --profile "$EHR_PROFILE" --workspace --no-fail-fast -- --nocapture

log "benchmark tests: every pallet benchmark runs once against its mock runtime"
cargo test --locked --profile "$EHR_PROFILE" --features runtime-benchmarks --lib \
  -p pallet-ehr-registry -p pallet-ehr-consent -p pallet-ehr-records -p pallet-ehr-consortium

# `cargo test` above built the node and the client for the node and client tests: the
# JavaScript tests use those very binaries.
[ -x "$EHR_NODE_BIN" ] || die "no node binary at $EHR_NODE_BIN after cargo test"
[ -x "$EHR_CLI_BIN" ] || die "no ehr client binary at $EHR_CLI_BIN after cargo test"
js_tests() {
  (cd "$EHR_ROOT/tests/$1" \
    && npm ci --no-audit --no-fund --loglevel=error \
    && EHR_NODE_BIN="$EHR_NODE_BIN" EHR_CLI_BIN="$EHR_CLI_BIN" npm test)
}

log "FHIR R4: the client's Bundles against HL7's JSON schema (an independent validator)"
js_tests fhir

log "Polkadot.js (no custom types) and the blob store from JavaScript, against a dev node"
js_tests polkadotjs

log "@substrate/api-sidecar against a dev node"
js_tests sidecar

log "operators' tools: Prometheus rules, the systemd unit, nginx TLS for a stock wss:// client"
js_tests ops

log "all tests passed in $(( $(date +%s) - start )) s"
