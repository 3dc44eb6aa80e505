#!/usr/bin/env bash
# This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0
#
# Every source file of ehr-chain starts with the project's licence line (Rust and
# JavaScript: the first line; shell: the line after the shebang).
#
#   scripts/license-headers.sh          check; lists the files without it and fails
#   scripts/license-headers.sh --fix    add it where it is missing
set -euo pipefail
cd "$(dirname "$0")/.."

line='This file is part of ehr-chain. SPDX-License-Identifier: Apache-2.0'
fix=false
[ "${1:-}" = "--fix" ] && fix=true

missing=0
while IFS= read -r file; do
  [ -f "$file" ] || continue
  case "$file" in
    *.rs|*.mjs|*.js) header="// $line"; at=1 ;;
    *.sh|.ci/run) header="# $line"; at=2 ;;
    *) continue ;;
  esac
  if [ "$(sed -n "${at}p" "$file")" = "$header" ]; then continue; fi
  if $fix; then
    if [ "$at" = 1 ]; then
      { printf '%s\n' "$header"; cat "$file"; } > "$file.tmp"
    else
      { head -n 1 "$file"; printf '%s\n' "$header"; tail -n +2 "$file"; } > "$file.tmp"
    fi
    chmod --reference="$file" "$file.tmp" && mv "$file.tmp" "$file"
  else
    echo "no licence line: $file" >&2
    missing=$((missing + 1))
  fi
done < <(git ls-files --cached --others --exclude-standard -- '*.rs' '*.mjs' '*.js' '*.sh' .ci/run \
  | grep -v -e '/node_modules/' -e '^fuzz/corpus/')

if [ "$missing" -gt 0 ]; then
  echo "$missing files lack the licence line: run scripts/license-headers.sh --fix" >&2
  exit 1
fi
