# Shared settings for ehr-chain scripts. Source it; do not run it.
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
#
# One persistent cargo target directory outside the checkout, shared by every script and
# by CI, so a build done once is reused everywhere.

EHR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ehr-chain/target}"
# With the target dir outside the checkout, the runtime's Wasm build must be told where
# the workspace (and its Cargo.lock) is, or it would resolve dependencies afresh.
export WASM_BUILD_WORKSPACE_HINT="$EHR_ROOT"
# Release everywhere: one profile for the node, the runtime and the tests, so nothing is
# ever compiled twice.
export EHR_PROFILE="${EHR_PROFILE:-release}"
EHR_NODE_BIN="$CARGO_TARGET_DIR/$EHR_PROFILE/ehr-node"
EHR_CLI_BIN="$CARGO_TARGET_DIR/$EHR_PROFILE/ehr"

# Rust installed by rustup for the current user lives here on a fresh machine.
if [ -d "$HOME/.cargo/bin" ]; then
  case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) export PATH="$HOME/.cargo/bin:$PATH" ;; esac
fi

log() { printf '\033[1;34m[ehr]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[ehr] error:\033[0m %s\n' "$*" >&2; exit 1; }

# The toolchain that builds the Wasm runtime. If the default rustup toolchain has a Wasm
# target, substrate-wasm-builder uses it directly; otherwise setup.sh has linked Debian's
# rustc-web as the `debweb` toolchain with a wasm32v1-none sysroot, and we point the
# builder at it.
ehr_wasm_env() {
  if [ -n "${WASM_BUILD_TOOLCHAIN:-}" ]; then return 0; fi
  if rustup target list --installed 2>/dev/null | grep -qE '^wasm32(v1-none|-unknown-unknown)$'; then
    return 0
  fi
  if rustup toolchain list 2>/dev/null | grep -q '^debweb' \
     && ls /usr/lib/rustlib/wasm32v1-none/lib/libcore-*.rlib >/dev/null 2>&1; then
    export WASM_BUILD_TOOLCHAIN=debweb
    return 0
  fi
  return 1
}

# Build the node (and with it the runtime) once, in the shared profile.
ehr_build_node() {
  ehr_wasm_env || die "no Wasm toolchain: run scripts/setup.sh first"
  log "building ehr-node and the ehr client ($EHR_PROFILE, target dir $CARGO_TARGET_DIR)"
  # The whole workspace with its tests, as scripts/test.sh builds it: Cargo unifies features
  # per build, so building the node alone would compile (and overwrite) another node binary
  # than the tests use, and every switch between the two would rebuild it.
  (cd "$EHR_ROOT" && cargo test --locked --profile "$EHR_PROFILE" --workspace --no-run)
}
