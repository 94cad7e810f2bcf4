#!/usr/bin/env bash
# Unit tier: pytest over tests/unit and harbor-sim's own suite.
# pytest exits 5 when it collected nothing; an empty tier is reported, never passed off as green.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-pytest: no tests were collected" >&2
  exit 1
fi
exit "$rc"
