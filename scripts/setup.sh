#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Installs everything ehr-chain needs on a fresh Debian/Ubuntu machine. Idempotent: a
# second run checks and changes nothing.
#
#   - build dependencies from apt (clang for bindgen, protoc for libp2p, ...)
#   - Rust via rustup, if cargo is missing
#   - a Wasm target for the runtime: `rustup target add wasm32v1-none` first; where
#     rustup cannot download targets, Debian's own rustc-web (>= 1.85) is linked as the
#     rustup toolchain `debweb` and given a wasm32v1-none sysroot built from Debian's
#     library sources (core, alloc, compiler_builtins with embedded bitcode for LTO).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "run as root or install sudo"
  SUDO="sudo"
fi

apt_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

apt_install() {
  local missing
  missing=$(apt_missing "$@")
  [ -z "$missing" ] && return 0
  log "apt: installing $(echo $missing)"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
}

# 1. Build dependencies.
apt_install build-essential clang libclang-dev protobuf-compiler pkg-config libssl-dev \
            make git curl ca-certificates python3 jq zstd

# What operators run next to a node, used by the tests of deploy/ and docker/: Prometheus
# (and promtool) for the alert rules, nginx for TLS in front of RPC, systemd-analyze for
# the unit, openssl for the test CA, Docker with compose and debootstrap (the base image
# is made from Debian packages: no image registry is needed). The tests start their own
# instances on 127.0.0.1; the packages' own services (Prometheus on :9090, nginx on :80,
# dockerd with its bridge) must not start on install.
ops_packages=(prometheus nginx-light systemd openssl docker.io docker-compose debootstrap)
if [ -n "$(apt_missing "${ops_packages[@]}")" ]; then
  no_start=/usr/sbin/policy-rc.d   # exit 101: "do not start services" to invoke-rc.d
  made_no_start=""
  if [ ! -e "$no_start" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$no_start" >/dev/null
    $SUDO chmod 755 "$no_start"
    made_no_start=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt_install "${ops_packages[@]}"
  [ -z "$made_no_start" ] || $SUDO rm -f "$no_start"
fi

# Node.js runs the Polkadot.js compatibility tests (@polkadot/api needs Node >= 18).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

# 2. Rust.
if ! command -v cargo >/dev/null; then
  log "installing Rust with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# The toolchain rust-toolchain.toml names, with clippy and rustfmt (rustup installs it on
# first use where it can download; `rustup show` makes that happen here, once).
(cd "$EHR_ROOT" && rustup show active-toolchain >/dev/null 2>&1 || rustup show >/dev/null) \
  || die "cannot install the toolchain rust-toolchain.toml names"

# cargo-deny checks the dependency graph's licences, bans and sources (deny.toml).
if ! cargo deny --version >/dev/null 2>&1; then
  log "installing cargo-deny (once, from crates.io)"
  cargo install --locked cargo-deny
fi

# 3. A Wasm target for the runtime.
install_debian_wasm_route() {
  log "installing the Debian Wasm route: rustc-web as toolchain debweb, wasm32v1-none sysroot"
  # rustc-web >= 1.85 lives in bookworm(-security); lld provides rust-lld for Wasm.
  local lld=lld-22
  apt-cache show lld-22 >/dev/null 2>&1 || { $SUDO apt-get update -qq; }
  apt-cache show lld-22 >/dev/null 2>&1 || lld=lld
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm "$lld"
  if ! rustup toolchain list | grep -q '^debweb'; then
    rustup toolchain link debweb /usr
  fi
  # rust-lld is what rustc asks for when linking Wasm.
  if ! command -v rust-lld >/dev/null && [ ! -e /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld ]; then
    local lldbin
    lldbin=$(command -v ld.lld-22 || command -v ld.lld || true)
    [ -n "$lldbin" ] && $SUDO ln -sf "$lldbin" /usr/local/bin/rust-lld
  fi
  local sysroot=/usr/lib/rustlib/wasm32v1-none/lib
  local stamp="$sysroot/.ehr-built-with"
  local rustc_ver
  rustc_ver=$(rustup run debweb rustc --version)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$rustc_ver" ] && ls "$sysroot"/libcore-*.rlib >/dev/null 2>&1; then
    return 0
  fi
  log "building the wasm32v1-none sysroot with $rustc_ver"
  local d
  d=$(mktemp -d)
  mkdir -p "$d/src"
  printf '[package]\nname = "sysroot"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["rlib"]\n' > "$d/Cargo.toml"
  printf '#![no_std]\n' > "$d/src/lib.rs"
  (cd "$d" && CARGO_TARGET_DIR="$d/target" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C embed-bitcode=yes" \
     cargo +debweb build -q --release --target wasm32v1-none -Z build-std=core,alloc)
  $SUDO mkdir -p "$sysroot"
  $SUDO rm -f "$sysroot"/lib*.rlib
  $SUDO cp "$d"/target/wasm32v1-none/release/deps/lib{core,alloc,compiler_builtins}-*.rlib "$sysroot/"
  echo "$rustc_ver" | $SUDO tee "$stamp" >/dev/null
  rm -rf "$d"
  # A runtime built against an older sysroot must be rebuilt (if this route builds it).
  if ! rustup target list --installed 2>/dev/null | grep -qE '^wasm32'; then
    rm -rf "$CARGO_TARGET_DIR/$EHR_PROFILE/wbuild"
  fi
}

# EHR_WASM_ROUTE=debian installs the Debian route even where rustup could add the target
# (to check that route on a machine that does not need it).
if [ "${EHR_WASM_ROUTE:-}" = debian ]; then
  install_debian_wasm_route
elif ! ehr_wasm_env; then
  if rustup target add wasm32v1-none >/dev/null 2>&1; then
    log "rustup: wasm32v1-none target installed"
  else
    install_debian_wasm_route
  fi
fi
ehr_wasm_env || die "no Wasm toolchain after setup"
log "setup complete (Wasm toolchain: ${WASM_BUILD_TOOLCHAIN:-$(cd "$EHR_ROOT" && rustup show active-toolchain | cut -d' ' -f1)})"
