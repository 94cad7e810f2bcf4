#!/usr/bin/env bash
# A client of the lab's VIP name while a Day-2 playbook runs (README "Day 2: rolling Harbor
# upgrade"): the loop of the molecule scenarios (molecule/shared/files/vip-client-loop.sh: GET /api/v2.0/ping every 0.2 s
# and docker pull after docker pull, TLS verified with the CA Docker trusts for the name) on the lab
# node that does not hold the VIP, pulling a one-layer image it pushed through the VIP first.
#   lab/vip-client.sh start    push the image, start the loop, wait for three good pulls
#   lab/vip-client.sh stop     stop it; print the figures as JSON (every request kept in
#                              lab/.state/vip-client.log) with the VIP moves (keepalived's MASTER
#                              transitions on every node since start)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$here/.state
name=harbor.lab.internal
vip=172.30.0.100
nodes=(harborops-lab-harbor1 harborops-lab-harbor2)
image=$name/apps/vip-client:v1

holder() {
  local n
  for n in "${nodes[@]}"; do
    if docker exec "$n" ip -4 -o addr show dev eth0 | grep -q " $vip/"; then echo "$n"; fi
  done
}

case ${1:-} in
  start)
    h=$(holder)
    [ -n "$h" ] || { echo "vip-client: no node holds $vip" >&2; exit 1; }
    client=
    for n in "${nodes[@]}"; do [ "$n" != "$h" ] && client=$n; done
    pw=$(sed -n 's/^harbor_admin_password: *//p' "$here"/inventory/group_vars/harbor/*.yml | head -n 1)
    docker exec -i "$client" docker login --username admin --password-stdin "$name" <<<"$pw" >/dev/null
    docker exec "$client" sh -c "tar -C /etc -c hostname os-release | docker import - $image > /dev/null && docker push --quiet $image > /dev/null"
    docker cp "$here/../molecule/shared/files/vip-client-loop.sh" "$client:/usr/local/bin/vip-client-loop.sh"
    docker exec "$client" rm -f /root/vip-client.stop
    since=$(date +%s)
    docker exec -d "$client" /usr/local/bin/vip-client-loop.sh "$name" "$image" /root/vip-client.log /root/vip-client.stop 7200
    echo "$client $since" > "$state/vip-client"
    for _ in $(seq 60); do
      n=$(docker exec "$client" grep -c ' pull ok' /root/vip-client.log 2>/dev/null || true)
      [ "${n:-0}" -ge 3 ] && break
      sleep 2
    done
    echo "vip-client: looping on $client (VIP on $h) since $(date -u -d "@$since" +%FT%TZ)"
    ;;
  stop)
    read -r client since < "$state/vip-client"
    docker exec "$client" touch /root/vip-client.stop
    for _ in $(seq 90); do
      docker exec "$client" pgrep -f vip-client-loop.sh > /dev/null || break
      sleep 1
    done
    docker exec "$client" cat /root/vip-client.log > "$state/vip-client.log"
    moves=0
    for n in "${nodes[@]}"; do
      m=$(docker exec "$n" sh -c "docker logs --since $since keepalived 2>&1 | grep -c 'Entering MASTER STATE'" || true)
      moves=$((moves + ${m:-0}))
    done
    awk -v moves="$moves" -v client="$client" '
      { if (NR == 1) first = $1; last = $1; n[$2]++; if ($3 == "fail") { f[$2]++; if ($2 == "pull") fails = fails $0 "\n" } }
      END { printf "{\"client\": \"%s\", \"pings\": %d, \"failed_pings\": %d, \"pulls\": %d, \"failed_pulls\": %d, \"vip_moves\": %d, \"seconds\": %.1f}\n",
              client, n["ping"], f["ping"], n["pull"], f["pull"], moves, last - first; printf "%s", fails > "/dev/stderr" }
    ' "$state/vip-client.log"
    ;;
  *)
    echo "usage: lab/vip-client.sh start|stop" >&2
    exit 2
    ;;
esac
