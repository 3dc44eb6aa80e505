#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# The runtime fuzzer, coverage-guided: libFuzzer over the whole runtime (see fuzz/src/lib.rs),
# every pallet's invariants checked after every block. Builds the target once with the
# sanitizer coverage flags in its own target dir (they change every crate's code), runs it
# for --time seconds on the committed corpus, then prints which calls the corpus reaches.
#
#   scripts/fuzz.sh                    10 minutes
#   scripts/fuzz.sh --time 3600        an hour
#   scripts/fuzz.sh --time 3600 --keep merge what the run found into fuzz/corpus/runtime
#
# A crash (panic or broken invariant) is written to fuzz/artifacts/ and the script fails;
# the target run with the file, `~/.cache/ehr-chain/fuzz-target/<host>/release/fuzz-runtime
# fuzz/artifacts/<file>`, shows it again (then add it to fuzz/regressions/, fix, rerun).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

time=600
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time="${2:?--time needs seconds}"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown argument '$1' (expected --time SECONDS or --keep)" ;;
  esac
done
case "$time" in ''|*[!0-9]*) die "--time must be a whole number of seconds, not '$time'" ;; esac

"$EHR_ROOT/scripts/setup.sh"

# cargo-fuzz's flags, all of them stable rustc options: libFuzzer's edge and compare
# coverage, and overflow checks on, since the runtime's arithmetic must never overflow.
host="$(rustc -vV | sed -n 's/^host: //p')"
fuzz_target_dir="$HOME/.cache/ehr-chain/fuzz-target"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
log "building the libFuzzer target (target dir $fuzz_target_dir)"
# --target: the flags reach the fuzzed code only, not build scripts and proc macros.
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$fuzz_target_dir" cargo build --locked --profile release \
  -p ehr-fuzz --features libfuzzer,try-runtime --bin fuzz-runtime --target "$host"
unset RUSTFLAGS
bin="$fuzz_target_dir/$host/release/fuzz-runtime"

committed="$EHR_ROOT/fuzz/corpus/runtime"
work="$HOME/.cache/ehr-chain/fuzz-corpus"
artifacts="$EHR_ROOT/fuzz/artifacts"
mkdir -p "$committed" "$work" "$artifacts"

log "fuzzing for $time s (corpus $work, seeds $committed)"
status=0
# -len_control=0: an input is a chain's life, a transaction takes tens of bytes; libFuzzer's
# default of growing inputs from a few bytes explores nothing for the first hour.
"$bin" -max_total_time="$time" -max_len=4096 -len_control=0 -timeout=60 -report_slow_units=60 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$committed" || status=$?
[ "$status" -eq 0 ] || die "the fuzzer found a crash (exit $status): see $artifacts"

if [ "$keep" = 1 ]; then
  log "merging the inputs that add coverage into $committed"
  "$bin" -merge=1 -max_len=4096 "$committed" "$work"
fi

log "what the corpus reaches, call by call"
# The report tool as scripts/test.sh builds it (the same command, so nothing is compiled
# twice; the four pallets' invariants, not FRAME's, in this build).
ehr_wasm_env || die "no Wasm toolchain"
cargo test --locked --profile "$EHR_PROFILE" --workspace --no-run
"$CARGO_TARGET_DIR/$EHR_PROFILE/ehr-fuzz" replay "$committed" "$work"
