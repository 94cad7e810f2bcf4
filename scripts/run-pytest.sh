#!/usr/bin/env bash
# One pytest tier (README "Tests"): the tier markers are registered in pytest.ini, and
# tests/conftest.py makes every test belong to exactly one tier (unmarked = unit, which may start
# no subprocess and listen on no socket).
#   scripts/run-pytest.sh unit|sim|integration|containers [PYTEST ARGS...]
# PYTEST_WORKERS=N overrides the tier's pytest-xdist worker count (0 = no xdist).
# pytest exits 5 when it collected nothing; an empty tier is reported, never passed off as green.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tier=${1:-}
[ $# -gt 0 ] && shift
# Workers per tier, measured on 2 cores (README "Tests"): -n 2 only where it was faster than serial.
# unit: no gain (xdist start-up eats it); sim: slower with 2; integration: ansible-playbook runs
# wait a lot (forks, polling), two at a time finished the tier faster.
dist=loadfile
case $tier in
  unit)        select="not sim and not integration and not containers"; workers=0 ;;
  sim)         select="sim"; workers=0 ;;
  integration) select="integration"; workers=2; dist=loadscope ;;
  # one Docker network with a fixed subnet (test_bundle_install.py): never in parallel
  containers)  select="containers"; workers=0 ;;
  *) echo "usage: run-pytest.sh unit|sim|integration|containers [pytest args]" >&2; exit 2 ;;
esac
workers=${PYTEST_WORKERS:-$workers}
args=(-m "$select")
# --dist loadfile: a module's tests stay on one worker, so a module-scoped sim starts once.
# integration: --dist loadscope with tests/conftest.py's scheduler: the tests of one file and one Harbor
# release (one module-scoped sim) stay on one worker, in order; a test of a file without wider-scoped
# fixtures is scheduled on its own (tests/integration/conftest.py).
[ "$workers" -gt 0 ] && args+=(-n "$workers" --dist "$dist")
pytest "${args[@]}" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-pytest: tier $tier collected no tests" >&2
  exit 1
fi
exit "$rc"
