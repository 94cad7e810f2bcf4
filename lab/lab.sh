#!/usr/bin/env bash
# The lab: the hosts of the topology's inventory as systemd containers on the docker network
# harborops-lab (172.30.0.0/24, fixed addresses from the inventory's harborops_address), then
# playbooks/site.yml against them.
#   lab/lab.sh up        create/start what is missing, run the playbook (idempotent)
#     TOPOLOGY=dual_master (default: lab/inventory) | shared_storage (lab/inventories/shared_storage)
#     HARBOR_BUNDLE=/path/harbor-offline-installer-vX.tgz   a real Harbor bundle (default: the
#                          harbor-sim bundle of `make sim-bundle` in build/bundle)
#     HARBOR_BUNDLE_SHA256=<64 hex>   its expected sha256 (default: computed here from the file)
#   lab/lab.sh destroy   remove the lab's containers, volumes and network
# A machine-wide flock serialises runs: a second `make lab` waits for the first instead of
# racing it on the same containers.
set -euo pipefail
cd "$(dirname "$0")/.."
here=lab
topology=${TOPOLOGY:-dual_master}
case $topology in
  dual_master) default_inventory=$here/inventory ;;
  shared_storage) default_inventory=$here/inventories/shared_storage ;;
  *) echo "lab: TOPOLOGY must be dual_master or shared_storage (got '$topology')" >&2; exit 2 ;;
esac
inventory=${LAB_INVENTORY:-$default_inventory}
network=harborops-lab
subnet=172.30.0.0/24
image=${LAB_IMAGE:-harborops/lab:latest}
label=org.harborops.lab=main
lock=${LAB_LOCK:-/tmp/harborops-lab.lock}
state=$here/.state
playbook=${LAB_PLAYBOOK:-playbooks/site.yml}
sim_bundle_dir=${SIM_BUNDLE_DIR:-build/bundle}

say() { echo "lab: $*" >&2; }

# Same flags as the molecule platforms (.config/molecule/platform-defaults.yml): systemd as PID 1.
systemd_flags=(--cap-add ALL --cap-drop SYS_RESOURCE
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host
  --stop-signal SIGRTMIN+3)

take_lock() {
  exec 9>"$lock"
  if ! flock -n 9; then
    say "another lab run holds $lock; waiting for it to finish"
    flock 9
  fi
}

# "inventory_name container address mounts" per host, from the inventory (the one source of
# truth); mounts: "data" for harbor_data hosts (one shared /data: this kernel cannot mount NFS),
# "-" for none.
lab_hosts() {
  ansible-inventory -i "$inventory" --list | python3 -c '
import json, sys
inv = json.load(sys.stdin)
meta = inv["_meta"]["hostvars"]
def members(group, seen=()):
    g = inv.get(group, {})
    out = set(g.get("hosts", []))
    for child in g.get("children", []):
        if child not in seen:
            out |= members(child, seen + (group,))
    return out
data = members("harbor_data")
for name in sorted(meta):
    v = meta[name]
    if "ansible_host" not in v or "harborops_address" not in v:
        sys.exit(f"lab: host {name} needs ansible_host and harborops_address in the inventory")
    print(name, v["ansible_host"], v["harborops_address"], "data" if name in data else "-")
'
}

ensure_network() {
  local have
  if have=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$network" 2>/dev/null); then
    if [ "$have" != "$subnet" ]; then
      say "docker network $network exists with subnet $have, not $subnet: run 'make lab-destroy' first"
      exit 1
    fi
  else
    say "creating docker network $network ($subnet)"
    docker network create --subnet "$subnet" --label "$label" "$network" >/dev/null
  fi
}

ensure_host() {
  local name=$1 container=$2 address=$3 mounts=$4 status extra=()
  if [ "$mounts" = data ]; then
    mkdir -p "$state/harbor-data"
    extra=(-v "$PWD/$state/harbor-data:/data")
  fi
  status=$(docker container inspect -f '{{.State.Status}}' "$container" 2>/dev/null) || status=missing
  case $status in
    running) ;;
    missing)
      say "starting $container ($name, $address)"
      docker volume create --label "$label" "$container-docker" >/dev/null
      # /var/lib/docker on a volume: Docker inside the host then uses overlay2, not vfs.
      docker run -d --name "$container" --hostname "$name" --label "$label" \
        --network "$network" --ip "$address" \
        -v "$container-docker:/var/lib/docker" "${extra[@]}" \
        "${systemd_flags[@]}" "$image" /lib/systemd/systemd >/dev/null ;;
    *)
      say "starting stopped $container"
      docker start "$container" >/dev/null ;;
  esac
  if [ "$(docker inspect -f '{{.Config.Image}}' "$container")" != "$image" ]; then
    say "note: $container runs $(docker inspect -f '{{.Config.Image}}' "$container"), not $image (kept; 'make lab-destroy' to rebuild)"
  fi
}

wait_booted() {
  local container=$1 s
  for _ in $(seq 60); do
    s=$(docker exec "$container" systemctl is-system-running 2>/dev/null || true)
    case $s in
      running|degraded) return 0 ;;
    esac
    sleep 1
  done
  say "$container: systemd did not finish booting (state: ${s:-unknown})"
  docker exec "$container" systemctl --failed --no-legend >&2 || true
  exit 1
}

# The Harbor offline bundle and its sha256, for the harbor role (extra vars in $state).
bundle_vars() {
  local bundle=${HARBOR_BUNDLE:-} sum=${HARBOR_BUNDLE_SHA256:-}
  if [ -z "$bundle" ]; then
    bundle=$(find "$sim_bundle_dir" -maxdepth 1 -name 'harbor-offline-installer-*.tgz' -printf '%T@ %p\n' 2>/dev/null |
      sort -rn | head -n1 | cut -d' ' -f2- || true)
    [ -n "$bundle" ] || { say "no bundle: set HARBOR_BUNDLE=/path/to/harbor-offline-installer-vX.tgz or run 'make sim-bundle'"; exit 1; }
  fi
  [ -f "$bundle" ] || { say "HARBOR_BUNDLE $bundle is not a file"; exit 1; }
  bundle=$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")
  if [ -z "$sum" ]; then
    sum=$(sha256sum "$bundle" | cut -d' ' -f1)
  fi
  say "Harbor bundle: $bundle (sha256 $sum)"
  printf 'harbor_bundle_path: "%s"\nharbor_bundle_sha256: "%s"\n' "$bundle" "$sum" >"$state/bundle.yml"
}

# keepalived in container mode builds its image on the nodes from harborops/lab:latest (there is
# no registry): hand that image over as a `docker save` archive, re-saved when the image changes.
keepalived_base_archive() {
  local archive=$state/keepalived-base.tar id
  id=$(docker image inspect -f '{{.Id}}' "$image")
  if [ -s "$archive" ] && [ "$(cat "$archive.id" 2>/dev/null)" = "$id" ]; then
    return 0
  fi
  say "saving $image as the keepalived base image archive ($archive)"
  docker save --output "$archive.tmp" "$image"
  mv "$archive.tmp" "$archive"
  echo "$id" >"$archive.id"
}

up() {
  docker image inspect "$image" >/dev/null 2>&1 || { say "image $image is missing: run 'make lab-image'"; exit 1; }
  take_lock
  mkdir -p "$state"
  chmod 0700 "$state"
  if [ -f "$state/topology" ] && [ "$(cat "$state/topology")" != "$topology" ]; then
    say "a $(cat "$state/topology") lab is up; 'make lab-destroy' first, then 'make lab TOPOLOGY=$topology'"
    exit 1
  fi
  echo "$topology" >"$state/topology"
  bundle_vars
  keepalived_base_archive
  mapfile -t hosts < <(lab_hosts)
  ensure_network
  local name container address mounts
  for h in "${hosts[@]}"; do read -r name container address mounts <<<"$h"; ensure_host "$name" "$container" "$address" "$mounts"; done
  for h in "${hosts[@]}"; do read -r name container address mounts <<<"$h"; wait_booted "$container"; done
  say "running $playbook ($topology) on ${#hosts[@]} hosts (log: $state/site.log)"
  local start=$SECONDS
  # Pipelining (the docker connection supports it): a task is one `docker exec` that feeds the
  # module to python on stdin, instead of a temp dir, a copy, the run and a cleanup.
  ANSIBLE_PIPELINING=${ANSIBLE_PIPELINING:-true} \
  ansible-playbook -i "$inventory" -e "@$state/bundle.yml" "$playbook" "$@" 2>&1 | tee "$state/site.log"
  say "$playbook took $((SECONDS - start)) s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
}

destroy() {
  take_lock
  local containers vols
  mapfile -t containers < <(docker ps -aq --filter "label=$label")
  if [ ${#containers[@]} -gt 0 ]; then
    say "removing containers: $(docker inspect -f '{{.Name}}' "${containers[@]}" | tr -d / | tr '\n' ' ')"
    docker rm -f "${containers[@]}" >/dev/null
  fi
  mapfile -t vols < <(docker volume ls -q --filter "label=$label")
  if [ ${#vols[@]} -gt 0 ]; then
    say "removing volumes: ${vols[*]}"
    docker volume rm "${vols[@]}" >/dev/null
  fi
  if docker network inspect "$network" >/dev/null 2>&1; then
    say "removing docker network $network"
    docker network rm "$network" >/dev/null
  fi
  rm -rf "$state"
  say "lab removed"
}

case ${1:-} in
  up) shift; up "$@" ;;
  destroy) destroy ;;
  *) echo "usage: $0 up [ansible-playbook args] | destroy" >&2; exit 2 ;;
esac
