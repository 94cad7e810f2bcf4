#!/usr/bin/env bash
# Runs one test tier's command and prints its wall time, so every CI log has one line per tier:
#   === tier unit passed in 13s (load 1.05 0.80 0.60)
#   === tier sim FAILED (exit 1) in 95s (load ...)
# The load average is the machine's at the end (timings on a shared machine are noisy).
#   scripts/run-tier.sh NAME COMMAND [ARGS...]
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: run-tier.sh NAME COMMAND [ARGS...]" >&2; exit 2; }
name=$1
shift
echo "=== tier $name: $*"
start=$(date +%s)
"$@"
rc=$?
load=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$rc" -eq 0 ]; then
  echo "=== tier $name passed in $(( $(date +%s) - start ))s (load $load)"
else
  echo "=== tier $name FAILED (exit $rc) in $(( $(date +%s) - start ))s (load $load)"
fi
exit "$rc"
