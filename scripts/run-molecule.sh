#!/usr/bin/env bash
# Molecule tier: every scenario named on the command line, in sequence, sharing one lab image.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in "$@"; do
  echo "=== molecule scenario: $s"
  start=$(date +%s)
  molecule test -s "$s"
  echo "=== molecule scenario $s passed in $(( $(date +%s) - start ))s"
done
