#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# A consortium of four hospital nodes in Docker containers (docker/docker-compose.yml).
#
#   scripts/docker.sh image
#       Builds the image `ehr-node:latest` (docker/Dockerfile.prebuilt: `ehr-node` and the
#       `ehr` client from this machine's build, built first if missing) on the base image
#       `ehr-base:bookworm`, which it makes once from Debian packages (debootstrap
#       --variant=minbase, then docker import): no image registry is needed. Machines that
#       can pull images may build docker/Dockerfile (from source) instead.
#   scripts/docker.sh found
#       The founding ceremony in containers: `ehr-node founding keys` inside each
#       hospital's volume, then `founding assemble` of the public founder.json files into
#       $EHR_CONSORTIUM_DIR/spec.json. Each hospital's account phrase stays in its volume
#       (/data/hospital-account.phrase): move it to the hospital's own safe keeping.
#   scripts/docker.sh up
#       image, found (once), then starts the four containers detached.
#   scripts/docker.sh down [--volumes]
#       Stops and removes the containers; --volumes deletes the nodes' volumes (keys and
#       chain) and the consortium's spec too.
#   scripts/docker.sh compose ARGS...
#       docker-compose with this consortium's project, file and settings (ps, logs, restart).
#   scripts/docker.sh daemon
#       Starts dockerd if none answers (root only), as every command above does first:
#       `--bridge=none --iptables=false`, since the containers use the host network.
#
# Settings (environment): EHR_CONSORTIUM_DIR (default docker/consortium), EHR_COMPOSE_PROJECT
# (ehr-chain), EHR_IMAGE (ehr-node:latest), EHR_CHAIN_ID (ehr_consortium), and each
# hospital's ports ST_MARY_P2P, ST_MARY_RPC, ST_MARY_PROMETHEUS, GENERAL_..., CHILDRENS_...,
# RIVERSIDE_... (defaults in the compose file). `found` records them in
# $EHR_CONSORTIUM_DIR/compose.env, which every later command reads.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

consortium_dir="${EHR_CONSORTIUM_DIR:-$EHR_ROOT/docker/consortium}"
project="${EHR_COMPOSE_PROJECT:-ehr-chain}"
image="${EHR_IMAGE:-ehr-node:latest}"
base_image="ehr-base:bookworm"
chain_id="${EHR_CHAIN_ID:-ehr_consortium}"
hospitals=(st-mary general childrens riverside)
dockerd_log="$HOME/.cache/ehr-chain/dockerd.log"

daemon() {
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null || die "no Docker here: scripts/setup.sh installs it (docker.io)"
  [ "$(id -u)" = 0 ] || die "no Docker daemon answers, and only root can start one"
  log "starting dockerd (--bridge=none --iptables=false: the containers use the host network)"
  mkdir -p "$(dirname "$dockerd_log")"
  setsid nohup dockerd --bridge=none --iptables=false >"$dockerd_log" 2>&1 < /dev/null &
  for _ in $(seq 120); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "dockerd did not answer within 60 s (see $dockerd_log)"
}

# The base image, once per machine: Debian bookworm, minimal, with curl for the health
# check and CA certificates.
base() {
  docker image inspect "$base_image" >/dev/null 2>&1 && return 0
  command -v debootstrap >/dev/null || die "no debootstrap: scripts/setup.sh installs it"
  [ "$(id -u)" = 0 ] || die "making $base_image with debootstrap needs root"
  local rootfs
  rootfs=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$rootfs'" RETURN
  log "making $base_image from Debian packages (debootstrap --variant=minbase bookworm)"
  debootstrap --variant=minbase --include=ca-certificates,curl bookworm "$rootfs" \
    "${EHR_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 \
    || die "debootstrap failed (see $rootfs.log)"
  rm -f "$rootfs.log"
  # What a running container never reads: package caches, indexes, manuals, translations
  # (the copyright files stay).
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  tar --numeric-owner -C "$rootfs" -c . \
    | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' - "$base_image" >/dev/null
}

build_image() {
  daemon
  base
  [ -x "$EHR_NODE_BIN" ] && [ -x "$EHR_CLI_BIN" ] || ehr_build_node
  local context
  context=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$context'" RETURN
  cp "$EHR_ROOT/docker/Dockerfile.prebuilt" "$context/Dockerfile"
  cp -l "$EHR_NODE_BIN" "$EHR_CLI_BIN" "$context/" 2>/dev/null \
    || cp "$EHR_NODE_BIN" "$EHR_CLI_BIN" "$context/"
  local output
  # Quiet on success: Docker 28's client warns that the classic builder (what Debian's
  # dockerd offers) is deprecated on every build.
  output=$(docker build -q --build-arg "BASE=$base_image" -t "$image" "$context" 2>&1) \
    || die "docker build failed: $output"
  log "built $image: $(( $(docker image inspect -f '{{.Size}}' "$image") / 1000000 )) MB" \
      "(base $base_image $(( $(docker image inspect -f '{{.Size}}' "$base_image") / 1000000 )) MB)"
}

# The hospitals' port settings given in the environment, as NAME=VALUE lines.
port_vars() {
  local h kind name
  for h in "${hospitals[@]}"; do
    for kind in P2P RPC PROMETHEUS; do
      name="$(echo "$h" | tr 'a-z-' 'A-Z_')_$kind"
      if [ -n "${!name:-}" ]; then echo "$name=${!name}"; fi
    done
  done
}

compose_cmd() {
  local file=(--project-name "$project" --file "$EHR_ROOT/docker/docker-compose.yml")
  [ ! -f "$consortium_dir/compose.env" ] || file+=(--env-file "$consortium_dir/compose.env")
  if docker compose version >/dev/null 2>&1; then
    docker compose "${file[@]}" "$@"
  else
    command -v docker-compose >/dev/null || die "no docker compose: scripts/setup.sh installs docker-compose"
    docker-compose "${file[@]}" "$@"
  fi
}

# The P2P port the compose file gives `hospital` (its variable, else the default there).
p2p_port() {
  local var
  var="$(echo "$1" | tr 'a-z-' 'A-Z_')_P2P"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  grep -o "\${${var}:-[0-9]*}" "$EHR_ROOT/docker/docker-compose.yml" | head -1 | tr -dc 0-9
}

found() {
  daemon
  docker image inspect "$image" >/dev/null 2>&1 || build_image
  [ ! -e "$consortium_dir/spec.json" ] \
    || die "$consortium_dir/spec.json exists: this consortium is founded ('down --volumes' to start over)"
  mkdir -p "$consortium_dir/founders"
  { echo "EHR_CONSORTIUM_DIR=$consortium_dir"
    echo "EHR_IMAGE=$image"
    port_vars
  } >"$consortium_dir/compose.env"
  local h founders=()
  for h in "${hospitals[@]}"; do
    log "founding: $h generates its keys in its own volume"
    compose_cmd run --rm --no-deps -T "$h" founding keys --name "$h" --base-path /data \
      --chain-id "$chain_id" --public-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$h")" >&2 \
      || die "founding keys failed for $h"
    compose_cmd run --rm --no-deps -T --entrypoint cat "$h" /data/founder.json \
      >"$consortium_dir/founders/$h.json" || die "cannot read $h's founder.json"
    founders+=(--founder "/consortium/founders/$h.json")
  done
  docker run --rm --network none --user "$(id -u):$(id -g)" -v "$consortium_dir:/consortium" \
    "$image" founding assemble --name "${EHR_CONSORTIUM_NAME:-ehr-chain consortium}" \
    --id "$chain_id" --output /consortium/spec.json "${founders[@]}" >&2 \
    || die "founding assemble failed"
  chmod 644 "$consortium_dir/spec.json"
  log "founded: $consortium_dir/spec.json"
}

up() {
  build_image
  [ -e "$consortium_dir/spec.json" ] || found
  compose_cmd up -d
  log "up: St Mary's RPC on ws://127.0.0.1:$(grep -o 'ST_MARY_RPC=[0-9]*' "$consortium_dir/compose.env" | cut -d= -f2 | grep . || echo 9944)"
}

down() {
  daemon
  if [ "${1:-}" = --volumes ]; then
    compose_cmd down --volumes
    rm -rf "$consortium_dir/spec.json" "$consortium_dir/founders" "$consortium_dir/compose.env"
  else
    compose_cmd down
  fi
}

command="${1:-}"
[ -n "$command" ] || die "usage: $0 image|found|up|down|compose|daemon ... (see the header of this script)"
shift
case "$command" in
  image) build_image ;;
  found) found ;;
  up) up ;;
  down) down "$@" ;;
  compose) daemon; compose_cmd "$@" ;;
  daemon) daemon ;;
  *) die "unknown command '$command' (image, found, up, down, compose, daemon)" ;;
esac
