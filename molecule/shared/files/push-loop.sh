#!/usr/bin/env bash
# Push a new one-file image through the VIP name, again and again, until the stop file appears (or
# the time limit). Every push Docker acknowledged (it printed the manifest digest) is appended to the
# acks file as "<tag> <digest> <epoch seconds>". A push that fails (the node behind the VIP died under
# it) is not acknowledged and not recorded; the loop goes on with the next tag. An optional pause
# (seconds, default 0) between pushes keeps a long loop from filling the registry.
#   push-loop.sh <registry/project/repo> <acks file> <stop file> <time limit seconds> [pause seconds]
set -u
repo=$1 acks=$2 stop=$3 pause=${5:-0}
deadline=$(( $(date +%s) + $4 ))
: > "$acks"
work=$(mktemp -d)
n=0
while [ ! -e "$stop" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  n=$((n + 1))
  tag="k$n"
  printf 'kill loop %s %s\n' "$n" "$(date +%s%N)" > "$work/f.txt"
  if ! tar -C "$work" -c f.txt | docker import - "$repo:$tag" > /dev/null; then
    sleep 1
    continue
  fi
  if out=$(timeout 45 docker push "$repo:$tag" 2>&1); then
    digest=$(printf '%s\n' "$out" | sed -n "s/^$tag: digest: \(sha256:[0-9a-f]\{64\}\) size: .*/\1/p")
    if [ -n "$digest" ]; then
      echo "$tag $digest $(date +%s.%N)" >> "$acks"
    fi
  fi
  docker image rm "$repo:$tag" > /dev/null 2>&1 || true
  sleep "$pause"
done
rm -rf "$work"
