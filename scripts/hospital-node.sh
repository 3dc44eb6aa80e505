#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# The operator's side of a hospital joining an ehr-chain consortium (see README,
# "Joining the consortium as a new hospital").
#
#   scripts/hospital-node.sh keys [--base-path DIR]
#       Generates the node's network key (once) and prints its peer id, in base58 and as
#       the hex bytes the council's admission motion takes.
#   scripts/hospital-node.sh start --chain SPEC --bootnodes ADDR... [--base-path DIR]
#                               [--port P2P] [--rpc-port RPC] [--name NAME] [--public-addr MULTIADDR]
#       Starts the hospital's validator node (archive of finalized blocks, ParityDB).
#   scripts/hospital-node.sh session-keys ACCOUNT [--rpc-port RPC]
#       Generates session keys (Aura + GRANDPA) in the running node's keystore, with a proof
#       that ACCOUNT (SS58 or 0x-hex) owns them; prints the `keys` and `proof` arguments of
#       `session.setKeys`, which ACCOUNT submits once the council has admitted it.
#   scripts/hospital-node.sh node-account --chain SPEC [--base-path DIR]
#       Creates the node's service account (once): a new key in the node's keystore (type
#       `ehrn`) with which the node signs the audit entries of the blobs and record keys
#       it serves, and nothing else. Prints the account; the hospital appoints it from its
#       own account (`ehr hospital appoint-node`, or registry.appointNode in Polkadot.js)
#       with the proof printed by `node-proof`. The hospital's own key never goes on the node.
#   scripts/hospital-node.sh node-proof HOSPITAL [--rpc-port RPC] [--base-path DIR]
#       Prints the node account's registration proof for HOSPITAL (needs the node running).
#   scripts/hospital-node.sh node-key-proof HOSPITAL [--base-path DIR]
#       Prints this node's peer id and its network key's proof that it is HOSPITAL's node:
#       the `node` and `proof` of `consortium.addNode`, which HOSPITAL submits to authorize
#       a further node of its own (the chain refuses node ids whose keys nobody proved).
#   scripts/hospital-node.sh custody-key [--base-path DIR]
#       Creates the hospital's custody key file (once) and prints its public key, which the
#       hospital registers as its encryption key (`ehr hospital set-custody-key`). Copy the
#       file to each of the hospital's nodes; `start` passes it to the node. Keep old files
#       when the key changes (pass them with EHR_OLD_CUSTODY_KEYS) so older records stay
#       releasable. See docs/keys.md.
#   scripts/hospital-node.sh verify ACCOUNT [--rpc-port RPC]
#       Reports the node's peers and finalized head, whether ACCOUNT is a consortium
#       hospital, and the size of the current authority set.
#   scripts/hospital-node.sh install --chain SPEC --bootnodes ADDR... [--name NAME]
#                               [--base-path DIR] [--port P2P] [--rpc-port RPC]
#                               [--prometheus-port PROM] [--public-addr MULTIADDR] [--root DIR]
#       Installs the node as the systemd service `ehr-node` (deploy/systemd/ehr-node.service):
#       the binaries in /usr/local/bin, the chain spec and /etc/ehr-chain/node.env, a
#       system user `ehr`, and the keys made by the commands above (node key, keystore,
#       custody key) moved from --base-path into /var/lib/ehr-chain (mode 700). Checks the
#       unit with `systemd-analyze verify`, then enables and starts it where systemd runs.
#       --root DIR installs into DIR instead of / (to inspect or package it; nothing starts).
#       The node serves RPC on two 127.0.0.1 ports: RPC (every method, for the operator)
#       and --public-rpc-port (default 9945, safe methods only) for the TLS proxy.
#   scripts/hospital-node.sh backup --output FILE --passphrase-file PASS [--base-path DIR]
#       Writes an encrypted archive (AES-256, key from the passphrase by PBKDF2) of what
#       a hospital node cannot get back from the others: its network key, keystore
#       (session keys, node service account), custody keys and founder.json. Not the
#       chain database or the blob store: a restored node resyncs both from its peers.
#   scripts/hospital-node.sh restore --input FILE --passphrase-file PASS [--base-path DIR]
#                               [--owner USER]
#       Restores such an archive into an empty base path (modes 700/600, owned by USER if
#       given: `ehr` for the systemd service) and prints the restored peer id.
#   scripts/hospital-node.sh rpc-proxy --server-name NAME --cert FULLCHAIN --key KEY
#                               [--tls-port 443] [--listen-address ADDR] [--public-rpc-port 9945]
#                               [--root DIR]
#       Puts nginx in front of the node's public RPC endpoint: wss:// and https:// on
#       --tls-port (on every address, or only --listen-address) with the hospital's
#       certificate (deploy/nginx/ehr-rpc.conf), checked by `nginx -t` and reloaded
#       where nginx runs.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

command="${1:-}"
[ -n "$command" ] || die "usage: $0 keys|start|session-keys|node-account|node-proof|node-key-proof|custody-key|verify|install|rpc-proxy|backup|restore ... (see the header of this script)"
shift

base_path="$EHR_ROOT/data/hospital"
rpc_port=9944
p2p_port=30333
prometheus_port=9615
public_rpc_port=9945
root=/
server_name=""
tls_port=443
listen_address=""
cert=""
key=""
output=""
input=""
passphrase_file=""
owner=""
chain=""
name="hospital"
public_addr=""
bootnodes=()
account=""
while [ $# -gt 0 ]; do
  case "$1" in
    --base-path) base_path="$2"; shift 2 ;;
    --rpc-port) rpc_port="$2"; shift 2 ;;
    --port) p2p_port="$2"; shift 2 ;;
    --prometheus-port) prometheus_port="$2"; shift 2 ;;
    --root) root="$2"; shift 2 ;;
    --public-rpc-port) public_rpc_port="$2"; shift 2 ;;
    --server-name) server_name="$2"; shift 2 ;;
    --tls-port) tls_port="$2"; shift 2 ;;
    --listen-address) listen_address="$2"; shift 2 ;;
    --cert) cert="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --input) input="$2"; shift 2 ;;
    --passphrase-file) passphrase_file="$2"; shift 2 ;;
    --owner) owner="$2"; shift 2 ;;
    --chain) chain="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --public-addr) public_addr="$2"; shift 2 ;;
    --bootnodes) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do bootnodes+=(--bootnodes "$1"); shift; done ;;
    --*) die "unknown option '$1'" ;;
    *) [ -z "$account" ] || die "unexpected argument '$1'"; account="$1"; shift ;;
  esac
done

node_bin() {
  [ -x "$EHR_NODE_BIN" ] || ehr_build_node
  echo "$EHR_NODE_BIN"
}

rpc() { # method, params (JSON)
  curl -sS -m 10 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$rpc_port" \
    || die "no RPC answer on 127.0.0.1:$rpc_port: is the node running?"
}

# The 32-byte account id (0x-hex) of an SS58 address or a 0x-hex account.
account_hex() {
  python3 - "$1" <<'PY'
import sys, hashlib
text = sys.argv[1]
if text.startswith("0x"):
    raw = bytes.fromhex(text[2:])
else:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = 0
    for c in text:
        if c not in alphabet:
            sys.exit(f"'{text}' is neither an SS58 address nor 0x-hex")
        n = n * 58 + alphabet.index(c)
    data = n.to_bytes((n.bit_length() + 7) // 8, "big")
    prefix_len = 1 if data[0] < 64 else 2
    body, checksum = data[:-2], data[-2:]
    if hashlib.blake2b(b"SS58PRE" + body, digest_size=64).digest()[:2] != checksum:
        sys.exit(f"'{text}': bad SS58 checksum")
    raw = body[prefix_len:]
if len(raw) != 32:
    sys.exit(f"'{text}' is not a 32-byte account")
print("0x" + raw.hex())
PY
}

# The `install` command: see the header. Every path is under $root.
install_service() {
  [ -n "$chain" ] || die "install needs --chain (the consortium's raw chain spec file)"
  [ -f "$chain" ] || die "install: no chain spec file at '$chain' (a preset name will not do for a service)"
  [ ${#bootnodes[@]} -gt 0 ] || die "install needs --bootnodes (the other hospitals' nodes)"
  [ -f "$base_path/node-key" ] || die "install: no node key in $base_path: run '$0 keys' first"
  [ "$root" = / ] || mkdir -p "$root"
  root=$(cd "$root" && pwd)
  local prefix=${root%/}
  local state=$prefix/var/lib/ehr-chain etc=$prefix/etc/ehr-chain
  local unit_dir=$prefix/etc/systemd/system
  local node cli
  node=$(node_bin)
  [ -x "$EHR_CLI_BIN" ] || ehr_build_node
  cli=$EHR_CLI_BIN

  install -d -m 755 "$prefix/usr/local/bin" "$etc" "$unit_dir"
  install -m 755 "$node" "$prefix/usr/local/bin/ehr-node"
  install -m 755 "$cli" "$prefix/usr/local/bin/ehr"
  install -m 644 "$chain" "$etc/chain-spec.json"
  install -m 644 "$EHR_ROOT/deploy/systemd/ehr-node.service" "$unit_dir/ehr-node.service"

  # The node's secrets: copied, never on a command line; the service user owns them.
  install -d -m 700 "$state"
  install -m 600 "$base_path/node-key" "$state/node-key"
  local node_args=()
  if [ -f "$base_path/custody.key" ]; then
    install -m 600 "$base_path/custody.key" "$state/custody.key"
    node_args+=(--custody-key-file /var/lib/ehr-chain/custody.key)
  else
    log "no custody key in $base_path: this node will release no record keys (see '$0 custody-key')"
  fi
  # The keystore (session keys, the node's service account) lives under chains/<id>/.
  [ -d "$base_path/chains" ] && cp -a "$base_path/chains" "$state/"
  node_args+=("${bootnodes[@]}")
  [ -z "$public_addr" ] || node_args+=(--public-addr "$public_addr")
  umask 022
  cat > "$etc/node.env" <<ENV
# ehr-chain node settings, read by ehr-node.service (written by hospital-node.sh install).
EHR_CHAIN=/etc/ehr-chain/chain-spec.json
EHR_NAME=$name
EHR_P2P_PORT=$p2p_port
EHR_RPC_PORT=$rpc_port
EHR_PUBLIC_RPC_PORT=$public_rpc_port
# Calls per minute per connection on the public endpoint.
EHR_RPC_RATE_LIMIT=600
EHR_PROMETHEUS_PORT=$prometheus_port
EHR_NODE_ARGS=${node_args[*]}
ENV

  if [ "$root" = / ]; then
    id ehr >/dev/null 2>&1 || useradd --system --home-dir /var/lib/ehr-chain --no-create-home \
      --shell /usr/sbin/nologin ehr
    chown -R ehr:ehr "$state"
  fi

  # The unit as systemd reads it, against the installed binary and the system's own units.
  local verify_root=$root
  if [ "$root" != / ] && [ ! -e "$prefix/usr/lib/systemd/system/sysinit.target" ]; then
    install -d "$prefix/usr/lib/systemd"
    cp -a /usr/lib/systemd/system "$prefix/usr/lib/systemd/"
  fi
  command -v systemd-analyze >/dev/null || die "install: systemd-analyze is missing (apt install systemd)"
  local problems
  problems=$(systemd-analyze verify --root="$verify_root" ehr-node.service 2>&1 || true)
  [ -z "$problems" ] || die "the installed unit does not verify: $problems"
  log "installed ehr-node.service under $root (unit verified by systemd-analyze)"

  if [ "$root" = / ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now ehr-node.service
    log "ehr-node is running: systemctl status ehr-node; journalctl -u ehr-node -f"
  elif [ "$root" = / ]; then
    log "systemd is not running on this machine: 'systemctl enable --now ehr-node' once it does"
  fi
}

# What `backup` keeps, relative to the base path: the secrets and public record of a node
# that its peers cannot give back.
backup_members() {
  (cd "$base_path" && for f in node-key custody.key custody-*.key node-account.phrase founder.json; do
     [ -e "$f" ] && echo "$f"
   done
   find chains -path '*/keystore' -type d 2>/dev/null) || true
}

encryption=(-aes-256-cbc -pbkdf2 -iter 600000 -md sha256)

# The `backup` command: see the header.
backup_node() {
  [ -n "$output" ] || die "backup needs --output FILE"
  [ -n "$passphrase_file" ] && [ -s "$passphrase_file" ] || die "backup needs --passphrase-file FILE (not empty): backups hold the node's secrets"
  [ -f "$base_path/node-key" ] || die "backup: no node key in $base_path: is it a node's base path?"
  [ ! -e "$output" ] || die "backup: $output exists; choose a new file"
  local members
  members=$(backup_members)
  (umask 077
   # shellcheck disable=SC2086
   tar -C "$base_path" -czf - $members \
     | openssl enc "${encryption[@]}" -salt -pass "file:$passphrase_file" -out "$output") \
    || { rm -f "$output"; die "backup failed"; }
  log "backed up $(echo "$members" | wc -l) items of $base_path to $output (encrypted): $(echo $members)"
}

# The `restore` command: see the header.
restore_node() {
  [ -n "$input" ] && [ -f "$input" ] || die "restore needs --input FILE (a backup made by '$0 backup')"
  [ -n "$passphrase_file" ] && [ -s "$passphrase_file" ] || die "restore needs --passphrase-file FILE"
  [ ! -e "$base_path/node-key" ] || die "restore: $base_path already has a node key; restore into an empty base path"
  local staging
  staging=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$staging'" RETURN
  openssl enc -d "${encryption[@]}" -pass "file:$passphrase_file" -in "$input" \
    | tar -C "$staging" -xzf - \
    || die "restore: cannot decrypt or unpack $input (wrong passphrase, or not a backup)"
  [ -f "$staging/node-key" ] || die "restore: $input holds no node key"
  mkdir -p "$base_path"
  chmod 700 "$base_path"
  cp -a "$staging/." "$base_path/"
  find "$base_path" -type d -exec chmod 700 {} +
  find "$base_path" -type f -exec chmod 600 {} +
  [ -z "$owner" ] || chown -R "$owner:$owner" "$base_path"
  log "restored $input into $base_path; peer id $("$(node_bin)" key inspect-node-key --file "$base_path/node-key")"
}

# The `rpc-proxy` command: see the header. Writes $root/etc/nginx/conf.d/ehr-rpc.conf.
install_rpc_proxy() {
  [ -n "$server_name" ] || die "rpc-proxy needs --server-name (the host name in the certificate)"
  [ -n "$cert" ] && [ -f "$cert" ] || die "rpc-proxy needs --cert FILE (the certificate chain, PEM)"
  [ -n "$key" ] && [ -f "$key" ] || die "rpc-proxy needs --key FILE (the certificate's private key, PEM)"
  case "$tls_port$public_rpc_port$rpc_port" in *[!0-9]*) die "rpc-proxy: ports must be numbers" ;; esac
  case "$server_name" in *[!A-Za-z0-9.-]*) die "rpc-proxy: '$server_name' is not a host name" ;; esac
  [ "$public_rpc_port" != "$rpc_port" ] || die "rpc-proxy: the public RPC port must not be the operator's ($rpc_port)"
  command -v nginx >/dev/null || die "rpc-proxy: nginx is not installed (apt install nginx-light)"
  local conf_dir=${root%/}/etc/nginx/conf.d
  install -d -m 755 "$conf_dir"
  local listen=$tls_port
  if [ -n "$listen_address" ]; then
    case "$listen_address" in *[!0-9a-fA-F.:\[\]]*) die "rpc-proxy: '$listen_address' is not an IP address" ;; esac
    listen="$listen_address:$tls_port"
  fi
  sed -e "s|@SERVER_NAME@|$server_name|g" -e "s|@LISTEN@|$listen|g" \
      -e "s|@PUBLIC_RPC_PORT@|$public_rpc_port|g" \
      -e "s|@CERT@|$(realpath "$cert")|g" -e "s|@KEY@|$(realpath "$key")|g" \
      "$EHR_ROOT/deploy/nginx/ehr-rpc.conf" > "$conf_dir/ehr-rpc.conf"
  if [ "$root" = / ]; then
    nginx -t || die "nginx refuses the configuration (see above); /etc/nginx/conf.d/ehr-rpc.conf left for inspection"
    if pgrep -x nginx >/dev/null; then nginx -s reload; else log "nginx is not running: start it (systemctl start nginx)"; fi
  fi
  log "TLS proxy: wss://$server_name:$tls_port -> 127.0.0.1:$public_rpc_port (safe methods) in $conf_dir/ehr-rpc.conf"
}

case "$command" in
  keys)
    mkdir -p "$base_path"
    key_file="$base_path/node-key"
    if [ ! -f "$key_file" ]; then
      "$(node_bin)" key generate-node-key --file "$key_file" 2>/dev/null
      chmod 600 "$key_file"
      log "generated the node key in $key_file (keep it secret; back it up)"
    fi
    peer_id=$("$(node_bin)" key inspect-node-key --file "$key_file")
    peer_hex=$(python3 - "$peer_id" <<'PY'
import sys
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
text = sys.argv[1]; n = 0
for c in text: n = n * 58 + alphabet.index(c)
zeros = len(text) - len(text.lstrip("1"))
print("0x" + (b"\0" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")).hex())
PY
)
    echo "peer id:            $peer_id"
    echo "node (motion arg):  $peer_hex"
    ;;
  start)
    [ -n "$chain" ] || die "start needs --chain (the consortium's raw chain spec file)"
    [ -f "$base_path/node-key" ] || die "no node key in $base_path: run '$0 keys' first"
    args=(--chain "$chain" --validator --name "$name" --base-path "$base_path"
      --node-key-file "$base_path/node-key" --port "$p2p_port" --rpc-port "$rpc_port"
      --state-pruning archive-canonical --blocks-pruning archive-canonical "${bootnodes[@]}")
    if [ -f "$base_path/custody.key" ]; then
      args+=(--custody-key-file "$base_path/custody.key")
    else
      log "no custody key in $base_path: this node will release no record keys (see '$0 custody-key')"
    fi
    for old in ${EHR_OLD_CUSTODY_KEYS:-}; do args+=(--custody-key-file "$old"); done
    [ -z "$public_addr" ] || args+=(--public-addr "$public_addr")
    log "starting $name: p2p port $p2p_port, RPC 127.0.0.1:$rpc_port, data $base_path"
    exec "$(node_bin)" "${args[@]}"
    ;;
  session-keys)
    [ -n "$account" ] || die "session-keys needs the hospital's ACCOUNT"
    owner=$(account_hex "$account")
    rpc author_rotateKeysWithOwner "[\"$owner\"]" | python3 -c '
import json, sys
answer = json.load(sys.stdin)
if "error" in answer:
    sys.exit("node refused: %s (RPC methods must be unsafe on 127.0.0.1)" % answer["error"])
print("keys:  " + answer["result"]["keys"])
print("proof: " + answer["result"]["proof"])'
    ;;
  node-account)
    [ -n "$chain" ] || die "node-account needs --chain (the consortium's raw chain spec file)"
    phrase_file="$base_path/node-account.phrase"
    if [ ! -f "$phrase_file" ]; then
      mkdir -p "$base_path"
      (umask 077; "$(node_bin)" key generate --scheme sr25519 --output-type json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["secretPhrase"])' > "$phrase_file")
      "$(node_bin)" key insert --chain "$chain" --base-path "$base_path" --key-type ehrn \
        --scheme sr25519 --suri "$(cat "$phrase_file")"
      log "node service account created (key type ehrn); its phrase is in $phrase_file (mode 600)"
    fi
    "$(node_bin)" key inspect --scheme sr25519 --output-type json "$(cat "$phrase_file")" \
      | python3 -c 'import json,sys; print("node account: " + json.load(sys.stdin)["ss58Address"])'
    ;;
  node-proof)
    [ -n "$account" ] || die "node-proof needs the HOSPITAL account"
    phrase_file="$base_path/node-account.phrase"
    [ -f "$phrase_file" ] || die "no node account in $base_path: run '$0 node-account' first"
    [ -x "$EHR_CLI_BIN" ] || ehr_build_node
    "$EHR_CLI_BIN" --suri-file "$phrase_file" --node "ws://127.0.0.1:$rpc_port" \
      registration-proof --role node --hospital "$account"
    ;;
  node-key-proof)
    [ -n "$account" ] || die "node-key-proof needs the HOSPITAL account"
    [ -f "$base_path/node-key" ] || die "no node key in $base_path: run '$0 keys' first"
    "$(node_bin)" node-key-proof --node-key-file "$base_path/node-key" --hospital "$account"
    ;;
  custody-key)
    key_file="$base_path/custody.key"
    if [ ! -f "$key_file" ]; then
      "$(node_bin)" custody-key generate --file "$key_file"
      log "custody key created in $key_file (mode 600; back it up, copy it to the hospital's other nodes)"
    else
      "$(node_bin)" custody-key inspect --file "$key_file"
    fi
    ;;
  verify)
    [ -n "$account" ] || die "verify needs the hospital's ACCOUNT"
    owner=$(account_hex "$account")
    health=$(rpc system_health '[]')
    hospitals=$(rpc state_call '["ConsortiumApi_hospitals", "0x"]')
    authorities=$(rpc state_call '["AuraApi_authorities", "0x"]')
    finalized=$(rpc chain_getFinalizedHead '[]')
    python3 - "$owner" "$health" "$hospitals" "$authorities" <<'PY'
import json, sys
owner = sys.argv[1][2:]
health = json.loads(sys.argv[2])["result"]
def ids(answer):  # SCALE Vec<[u8; 32]>
    data = bytes.fromhex(json.loads(answer)["result"][2:])
    mode = data[0] & 3
    n, off = (data[0] >> 2, 1) if mode == 0 else (int.from_bytes(data[:2], "little") >> 2, 2)
    return [data[off + 32 * i: off + 32 * (i + 1)].hex() for i in range(n)]
hospitals = ids(sys.argv[3])
print(f"peers:                {health['peers']} (syncing: {health['isSyncing']})")
print(f"consortium hospital:  {'yes' if owner in hospitals else 'NO: ask the council to admit it'}"
      f" ({len(hospitals)} hospitals)")
print(f"authorities:          {len(ids(sys.argv[4]))} Aura keys in the current set")
PY
    echo "finalized head:       $(echo "$finalized" | sed -n 's/.*"result":"\([^"]*\)".*/\1/p')"
    ;;
  install)
    install_service
    ;;
  rpc-proxy)
    install_rpc_proxy
    ;;
  backup)
    backup_node
    ;;
  restore)
    restore_node
    ;;
  *) die "unknown command '$command' (keys, start, session-keys, node-account, node-proof, custody-key, verify, install, rpc-proxy, backup, restore)" ;;
esac
