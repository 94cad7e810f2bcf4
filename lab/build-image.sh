#!/usr/bin/env bash
# Build the lab host image harborops/lab:<recipe-hash> (+ :latest) from Debian packages:
#   debootstrap (minbase bookworm) -> docker import harborops/lab-base:<hash> -> docker build.
# Rebuilds only when the recipe (this script, lab/image/**) changes. A machine-wide flock makes
# parallel callers wait for one build instead of building twice.
# LAB_BASE=pull starts from a pulled debian:bookworm instead of debootstrap (machines with a
# registry); the Dockerfile installs the full package list either way, so the result is the same.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image_dir="$here/image"
repo=${LAB_IMAGE_REPO:-harborops/lab}
base_repo=${LAB_BASE_REPO:-harborops/lab-base}
suite=bookworm
include=python3,systemd,systemd-sysv,iproute2,procps,sudo,ca-certificates,debian-archive-keyring
lock=${LAB_IMAGE_LOCK:-/tmp/harborops-lab-image.lock}

say() { echo "lab-image: $*" >&2; }

# The mirror this machine already uses (deb822 or one-line format); Debian's CDN otherwise.
debian_mirror() {
  local m=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 ~ /debian/ && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
      /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

debian_security_mirror() {
  local m=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i ~ /security/) {print $i; exit}}' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  echo "${m:-http://deb.debian.org/debian-security}"
}

recipe_hash() {
  (cd "$here" && { cat build-image.sh; find image -type f | LC_ALL=C sort | while read -r f; do
    echo "$f"; cat "$f"; done; }) | sha256sum | cut -c1-12
}

hash=$(recipe_hash)
image="$repo:$hash"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

tag_latest() {
  if [ "$(docker image inspect -f '{{.Id}}' "$repo:latest" 2>/dev/null)" != \
       "$(docker image inspect -f '{{.Id}}' "$image")" ]; then
    docker tag "$image" "$repo:latest"
  fi
}

if have_image "$image"; then
  tag_latest
  say "$image is up to date"
  exit 0
fi

exec 9>"$lock"
if ! flock -n 9; then
  say "another build holds $lock; waiting for it"
  flock 9
fi
# The build we waited for may have made it.
if have_image "$image"; then
  tag_latest
  say "$image was built by a parallel caller"
  exit 0
fi

start=$(date +%s)
mirror=$(debian_mirror)
security_mirror=$(debian_security_mirror)

if [ "${LAB_BASE:-debootstrap}" = pull ]; then
  base=debian:$suite
  docker pull "$base"
else
  base_hash=$(echo "debootstrap --variant=minbase --include=$include $suite" | sha256sum | cut -c1-12)
  base="$base_repo:$base_hash"
  if ! have_image "$base"; then
    if [ "$(id -u)" -ne 0 ]; then
      say "debootstrap needs root: run 'sudo make lab-image' (or set LAB_BASE=pull where a registry is reachable)"
      exit 1
    fi
    command -v debootstrap >/dev/null || { say "debootstrap is missing: apt-get install debootstrap"; exit 1; }
    rootfs=$(mktemp -d /var/tmp/harborops-lab-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    say "debootstrap $suite from $mirror into $rootfs"
    debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
      tail -n 30 "$rootfs.log" >&2; say "debootstrap failed (log: $rootfs.log)"; exit 1; }
    rm -f "$rootfs.log"
    # Downloaded .debs are not part of the image.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    say "importing $base"
    tar -C "$rootfs" --numeric-owner -c . | docker import \
      --change 'ENV container=docker' --change 'CMD ["/lib/systemd/systemd"]' - "$base" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
  fi
fi

say "building $image from $base"
log=$(mktemp /tmp/harborops-lab-build.XXXXXX.log)
DOCKER_BUILDKIT=0 docker build \
  --label "org.harborops.lab.recipe=$hash" \
  --build-arg "BASE=$base" \
  --build-arg "DEBIAN_MIRROR=$mirror" \
  --build-arg "DEBIAN_SECURITY_MIRROR=$security_mirror" \
  -t "$image" "$image_dir" >"$log" 2>&1 || { tail -n 40 "$log" >&2; say "docker build failed (log: $log)"; exit 1; }
rm -f "$log"
tag_latest
# Older recipes' tags only take disk space (images built FROM them keep their layers).
docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo" | grep -v -e ":latest$" -e ":$hash$" |
  xargs -r docker rmi >/dev/null 2>&1 || true
say "built $image (+ $repo:latest) in $(( $(date +%s) - start ))s"
