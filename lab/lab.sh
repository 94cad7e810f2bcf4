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
#   lab/lab.sh with-lock CMD   run CMD holding the lab's lock (make lab, make bench)
# The hosts are started by lab/lab_hosts.py, the launcher molecule and the tests share.
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
lock=/tmp/harborops-lab.lock
state=$here/.state
playbook=${LAB_PLAYBOOK:-playbooks/site.yml}
sim_bundle_dir=${SIM_BUNDLE_DIR:-build/bundle}

say() { echo "lab: $*" >&2; }

# The lab's lock: one `make lab`, `make lab-destroy` or `make bench` at a time on a machine (they
# share the venv, the image and the containers). `with-lock CMD` runs CMD holding it; `up` and
# `destroy` take it themselves unless their caller already holds it.
take_lock() {
  [ -z "${HARBOROPS_LAB_LOCKED:-}" ] || return 0
  exec 9>"$lock"
  if ! flock -n 9; then
    say "another lab run holds $lock; waiting for it to finish"
    flock 9
  fi
  export HARBOROPS_LAB_LOCKED=1
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
  python3 "$here/lab_hosts.py" up --inventory "$inventory" --network "$network" --subnet "$subnet" \
    --label "$label" --data-dir "$state/harbor-data" >/dev/null
  say "running $playbook ($topology) (log: $state/site.log)"
  local start=$SECONDS
  # Pipelining (the docker connection supports it): a task is one `docker exec` that feeds the
  # module to python on stdin, instead of a temp dir, a copy, the run and a cleanup.
  ANSIBLE_PIPELINING=${ANSIBLE_PIPELINING:-true} \
  ansible-playbook -i "$inventory" -e "@$state/bundle.yml" "$playbook" "$@" 2>&1 | tee "$state/site.log"
  say "$playbook took $((SECONDS - start)) s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
}

destroy() {
  take_lock
  python3 "$here/lab_hosts.py" down --label "$label" >/dev/null
  rm -rf "$state"
  say "lab removed"
}

case ${1:-} in
  up) shift; up "$@" ;;
  destroy) destroy ;;
  with-lock) shift; take_lock; "$@" ;;
  *) echo "usage: $0 up [ansible-playbook args] | destroy | with-lock CMD [ARGS]" >&2; exit 2 ;;
esac
