#!/usr/bin/env bash
# Molecule tier: the scenarios named on the command line (Makefile MOLECULE_SCENARIOS, which may
# name a subset: `make test-molecule MOLECULE_SCENARIOS=dual_master`), in that order, sharing one
# lab image. Every scenario under molecule/ must be in the Makefile's full list
# (MOLECULE_ALL_SCENARIOS, what `make test` runs): one left out would never run, and `make test`
# would be green without it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "run-molecule: no scenario given" >&2; exit 1; }
missing=()
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  [[ " ${MOLECULE_ALL_SCENARIOS:-$*} " == *" $s "* ]] || missing+=("$s")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-molecule: scenario(s) not in MOLECULE_ALL_SCENARIOS (Makefile): ${missing[*]}" >&2
  exit 1
fi
summary=()
for s in "$@"; do
  [ -f "molecule/$s/molecule.yml" ] || { echo "run-molecule: molecule/$s/molecule.yml does not exist" >&2; exit 1; }
  echo "=== molecule scenario: $s"
  start=$(date +%s)
  molecule test -s "$s"
  summary+=("$s $(( $(date +%s) - start ))s")
  echo "=== molecule scenario $s passed in $(( $(date +%s) - start ))s"
done
echo "=== molecule: all passed: ${summary[*]}"
