#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Measures record-write throughput and finality latency: sets up and builds if needed,
# then `ehr-bench` starts a fresh local consortium on 127.0.0.1 (real ehr-node processes),
# loads it with record anchors, prints the figures and writes them as JSON (and a CSV
# summary line per run) under bench-results/.
#
#   scripts/bench.sh                                  4 validators, 500 tx/s, 60 s per load
#   scripts/bench.sh --flood --rate 150 --senders 64  the same with and without one doctor
#                                                     flooding the chain (abuse resistance)
#   scripts/bench.sh --loads batch --rate 14 --senders 128 --duration 600
#                                                     10 minutes batched at this machine's
#                                                     capacity (448 records/s: 14 tx of 32)
#   scripts/bench.sh --loads batch --rate 35 --senders 192 --duration 120
#                                                     2.5x overload: Busy refusals, nothing
#                                                     accepted lost
#   scripts/bench.sh --loads batch --rate 10 --blobs  with each record's blob put and
#                                                     replicated (the machine's blob ceiling)
#   scripts/bench.sh --validators 1 --loads records   any `ehr-bench --help` option
#   scripts/bench.sh --key-release [--releases 200 --escrow-releases 50 --concurrency 8]
#                                                     key release latency instead
#                                                     (`ehr-release-bench --help`)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$EHR_ROOT"

"$EHR_ROOT/scripts/setup.sh"
ehr_wasm_env || die "no Wasm toolchain"
log "building ehr-node and ehr-bench ($EHR_PROFILE, target dir $CARGO_TARGET_DIR)"
cargo build --locked --profile "$EHR_PROFILE" -p ehr-node -p ehr-bench

mkdir -p bench-results
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ "${1:-}" = "--key-release" ]; then
  shift
  json="bench-results/$stamp-key-release.json"
  "$CARGO_TARGET_DIR/$EHR_PROFILE/ehr-release-bench" --node "$EHR_NODE_BIN" --output "$json" "$@"
  log "figures: $json"
  exit 0
fi
json="bench-results/$stamp.json"
"$CARGO_TARGET_DIR/$EHR_PROFILE/ehr-bench" --node "$EHR_NODE_BIN" --output "$json" "$@"

# One CSV line per run, appended, for comparing runs over time.
csv="bench-results/summary.csv"
header="stamp,load,validators,target_rate,duration_s,offered_rate,finalized_rate,records_created,refused_in_block,finalized_records_rate,finalized_rate_under_load,p50_s,p95_s,p99_s,refused,busy_retries,accepted_not_finalized,largest_block,node_cpu_s_per_1000_records,reorgs,node_args"
# A summary of older columns is kept aside rather than mixed with the new ones.
if [ -f "$csv" ] && [ "$(head -n1 "$csv")" != "$header" ]; then mv "$csv" "bench-results/summary-before-$stamp.csv"; fi
[ -f "$csv" ] || echo "$header" > "$csv"
python3 - "$json" "$stamp" >> "$csv" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
for r in results["runs"]:
    print(",".join(str(v) for v in [sys.argv[2], r["load"], r["validators"], r["target_rate"],
        r["duration_s"], round(r["offered_rate"], 1), round(r["finalized_rate"], 1),
        r["records_created"], sum(r["refused_in_block_by_reason"].values()),
        round(r["finalized_records_rate"], 1), round(r["finalized_rate_under_load"], 1),
        round(r["latency_p50_s"], 2), round(r["latency_p95_s"], 2), round(r["latency_p99_s"], 2),
        r["refused"], r["busy_retries"], r["accepted_not_finalized"], r["largest_block_writes"],
        round(r["node_cpu_s_per_1000_records"], 2), r["reorgs"], " ".join(results["node_args"])]))
PY
log "figures: $json (summary line appended to $csv)"
