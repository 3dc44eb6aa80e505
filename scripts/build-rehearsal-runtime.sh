#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
# Builds the runtime-upgrade rehearsal's runtime: ehr-runtime with its `upgrade-rehearsal`
# feature (spec_version one higher, a storage migration of the registry's members), for
# node/tests/runtime_upgrade.rs. It is compiled for Wasm exactly as the node's own runtime
# was, by the command substrate-wasm-builder recorded (same toolchain, flags and compiled
# dependencies: only the runtime and the registry pallet compile again), then compressed as
# Substrate stores runtimes (zstd with its magic prefix).
#
# Needs the node built first (scripts/test.sh runs this after `cargo test --no-run`).
# Writes $CARGO_TARGET_DIR/$EHR_PROFILE/rehearsal/ehr_runtime_rehearsal.compact.compressed.wasm
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
ehr_wasm_env || die "no Wasm toolchain: run scripts/setup.sh"
command -v zstd >/dev/null || die "zstd is missing: run scripts/setup.sh"

profile_dir="$CARGO_TARGET_DIR/$EHR_PROFILE"
main_project="$profile_dir/wbuild/ehr-runtime"
[ -f "$main_project/Cargo.toml" ] || die "no Wasm project at $main_project: build the node first"
# The build script output of the runtime crate with the latest Wasm build.
build_output=$(ls -t "$profile_dir"/build/ehr-runtime-*/output 2>/dev/null | head -1 || true)
[ -n "$build_output" ] && grep -q "Executing build command:" "$build_output" \
  || die "no recorded Wasm build command under $profile_dir/build/ehr-runtime-*/output"

project="$profile_dir/wbuild/ehr-runtime-rehearsal"
out_dir="$profile_dir/rehearsal"
mkdir -p "$project/src" "$out_dir"
cp "$main_project/src/lib.rs" "$project/src/lib.rs"
cp "$main_project/Cargo.lock" "$project/Cargo.lock"

log "building the rehearsal runtime (ehr-runtime with upgrade-rehearsal) for Wasm"
python3 - "$build_output" "$main_project" "$project" <<'PY'
import os, re, shlex, subprocess, sys

build_output, main_project, project = sys.argv[1:]
line = next(l for l in open(build_output) if "Executing build command:" in l)
words = shlex.split(line.split("Executing build command:", 1)[1])
assert words[0] == "env", words
env = dict(os.environ)
i = 1
while words[i] == "-u":
    env.pop(words[i + 1], None)
    i += 2
while "=" in words[i] and not words[i].startswith("-"):
    key, value = words[i].split("=", 1)
    # The parent build's jobserver is gone: cargo runs its own.
    if key != "CARGO_MAKEFLAGS":
        env[key] = value
    i += 1
command = words[i:]

# The main project's manifest, with the feature added and distinct package and library
# names, so that its outputs never overwrite the node's own runtime's.
manifest = open(os.path.join(main_project, "Cargo.toml")).read()
manifest, n = re.subn(r'(?m)^features = \[(.*)\]$',
                      lambda m: 'features = [%s]' % ", ".join(
                          [f for f in m.group(1).split(", ") if f] + ['"upgrade-rehearsal"']),
                      manifest, count=1)
manifest = manifest.replace('name = "ehr_runtime"', 'name = "ehr_runtime_rehearsal"')
manifest = manifest.replace('name = "ehr-runtime-blob"', 'name = "ehr-runtime-rehearsal-blob"')
if n != 1 or "ehr_runtime_rehearsal" not in manifest:
    sys.exit("unexpected Wasm project manifest in " + main_project)
open(os.path.join(project, "Cargo.toml"), "w").write(manifest)

command = [("--manifest-path=" + os.path.join(project, "Cargo.toml"))
           if w.startswith("--manifest-path=") else w for w in command]
command = [w for w in command if w != "--color=always"]
sys.exit(subprocess.call(command, env=env))
PY

target=$(sed -n 's/.*"--target=\([^"]*\)".*/\1/p' "$build_output" | head -1)
bloaty="$main_project/target/$target/release/ehr_runtime_rehearsal.wasm"
[ -f "$bloaty" ] || die "the build left no $bloaty"
compressed="$out_dir/ehr_runtime_rehearsal.compact.compressed.wasm"
# sp-maybe-compressed-blob's zstd prefix, then the zstd frame.
{ printf '\x52\xbc\x53\x76\x46\xdb\x8e\x05'; zstd -q -19 -c "$bloaty"; } > "$compressed.tmp"
mv "$compressed.tmp" "$compressed"
log "rehearsal runtime: $compressed ($(stat -c %s "$compressed") bytes, from $(stat -c %s "$bloaty") bytes of Wasm)"
