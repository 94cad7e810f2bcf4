#!/usr/bin/env bash
# A client of the VIP name, as users see Harbor: two loops side by side until the stop file appears
# (or the time limit): GET /api/v2.0/ping every 0.2 s, and docker pull of one image again and again
# (removed locally first, so every pull fetches its manifest and blobs). TLS is verified with the CA
# bundle Docker trusts for the name (/etc/docker/certs.d/<name>/ca.crt; during a CA change it holds
# the old and the new CA). Every request is appended to the log as
# "<epoch seconds> <ping|pull> <ok|fail>", a failed pull followed by what docker said.
#   vip-client-loop.sh <VIP name> <image> <log> <stop file> <time limit seconds>
set -u
name=$1 image=$2 log=$3 stop=$4
deadline=$(( $(date +%s) + $5 ))
ca=/etc/docker/certs.d/$name/ca.crt
: > "$log"
running() { [ ! -e "$stop" ] && [ "$(date +%s)" -lt "$deadline" ]; }

while running; do
  if [ "$(curl --silent --max-time 5 --cacert "$ca" "https://$name/api/v2.0/ping")" = Pong ]; then
    echo "$(date +%s.%N) ping ok" >> "$log"
  else
    echo "$(date +%s.%N) ping fail" >> "$log"
  fi
  sleep 0.2
done &
pings=$!

while running; do
  docker image rm "$image" > /dev/null 2>&1
  if out=$(timeout 60 docker pull --quiet "$image" 2>&1); then
    echo "$(date +%s.%N) pull ok" >> "$log"
  else
    echo "$(date +%s.%N) pull fail $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >> "$log"
  fi
done
wait "$pings"
