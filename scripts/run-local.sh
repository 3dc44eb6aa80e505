#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Runs a local ehr-chain consortium on this machine, after setting up and building what
# is missing.
#
#   scripts/run-local.sh            4 hospital validators (Alice, Bob, Charlie, Dave)
#   scripts/run-local.sh --dev      1 validator, a throw-away development chain
#   scripts/run-local.sh --keep     continue the chain of the previous run (./data/local)
#
# Everything listens on 127.0.0.1 only. Ctrl-C stops all nodes.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

mode=local
keep=0
for arg in "$@"; do
  case "$arg" in
    --dev) mode=dev ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown option '$arg' (expected --dev, --keep or --help)" ;;
  esac
done

"$EHR_ROOT/scripts/setup.sh"
ehr_build_node

DATA="${EHR_DATA_DIR:-$EHR_ROOT/data}"
apps_link() { echo "https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A$1#/explorer"; }
# Never `--rpc-cors all`: RPC on 127.0.0.1 serves unsafe methods (key rotation) to local
# tools, so only local pages and Polkadot.js apps may call it from a browser; any other web
# page the operator opens may not (Substrate would allow all origins on `--dev`).
cors="http://localhost:*,http://127.0.0.1:*,https://localhost:*,https://127.0.0.1:*,https://polkadot.js.org"
common_args=(--no-mdns --no-telemetry --rpc-cors "$cors")

if [ "$mode" = dev ]; then
  log "starting a development node (Alice validates alone; state is discarded on exit)"
  log "RPC: ws://127.0.0.1:9944  —  Polkadot.js apps: $(apps_link 9944)"
  exec "$EHR_NODE_BIN" --dev --tmp --rpc-port 9944 \
    --listen-addr /ip4/127.0.0.1/tcp/30333 "${common_args[@]}"
fi

names=(alice bob charlie dave)
dir="$DATA/local"
if [ "$keep" = 0 ]; then rm -rf "$dir"; fi
mkdir -p "$dir"

# Fixed node keys, so every node's peer id is known before any node starts.
peer_ids=()
for i in "${!names[@]}"; do
  key_file="$dir/${names[$i]}.node-key"
  [ -f "$key_file" ] || printf '%064x' $((i + 1 + 0xe4)) > "$key_file"
  peer_ids+=("$("$EHR_NODE_BIN" key inspect-node-key --file "$key_file")")
done

pids=()
cleanup() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping ${#pids[@]} nodes"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

for i in "${!names[@]}"; do
  name=${names[$i]}
  p2p=$((30333 + i)); rpc=$((9944 + i)); prom=$((9615 + i))
  bootnodes=()
  for j in "${!names[@]}"; do
    [ "$j" = "$i" ] && continue
    bootnodes+=(--bootnodes "/ip4/127.0.0.1/tcp/$((30333 + j))/p2p/${peer_ids[$j]}")
  done
  "$EHR_NODE_BIN" --chain local --"$name" --name "$name" \
    --base-path "$dir/$name" --node-key-file "$dir/$name.node-key" \
    --listen-addr "/ip4/127.0.0.1/tcp/$p2p" --public-addr "/ip4/127.0.0.1/tcp/$p2p" \
    --rpc-port "$rpc" --prometheus-port "$prom" \
    --state-pruning archive-canonical --blocks-pruning archive-canonical \
    "${bootnodes[@]}" "${common_args[@]}" >"$dir/$name.log" 2>&1 &
  pids+=($!)
  log "$name: p2p 127.0.0.1:$p2p  rpc ws://127.0.0.1:$rpc  metrics http://127.0.0.1:$prom/metrics  log $dir/$name.log"
done

log "4 hospital validators running. Polkadot.js apps: $(apps_link 9944)"
log "the ehr client: $EHR_CLI_BIN --help (README: \"Health records off chain\")"
log "Ctrl-C stops all nodes. Following the chain:"

# A line every 6 s with each node's best and finalized block, from its own RPC.
rpc_number() {
  local port=$1 method=$2 hash header
  if [ "$method" = finalized ]; then
    hash=$(curl -s -m 2 -H 'Content-Type: application/json' \
      -d '{"id":1,"jsonrpc":"2.0","method":"chain_getFinalizedHead","params":[]}' \
      "http://127.0.0.1:$port" | sed -n 's/.*"result":"\([^"]*\)".*/\1/p')
    [ -n "$hash" ] || { echo "-"; return; }
    header=$(curl -s -m 2 -H 'Content-Type: application/json' \
      -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"chain_getHeader\",\"params\":[\"$hash\"]}" "http://127.0.0.1:$port")
  else
    header=$(curl -s -m 2 -H 'Content-Type: application/json' \
      -d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' "http://127.0.0.1:$port")
  fi
  local hex
  hex=$(printf '%s' "$header" | sed -n 's/.*"number":"0x\([0-9a-f]*\)".*/\1/p')
  [ -n "$hex" ] && echo $((16#$hex)) || echo "-"
}
while true; do
  sleep 6
  line=""
  for i in "${!names[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      die "${names[$i]} exited; see $dir/${names[$i]}.log"
    fi
    line+="${names[$i]} #$(rpc_number $((9944 + i)) best)/#$(rpc_number $((9944 + i)) finalized)  "
  done
  log "best/finalized: $line"
done
