#!/usr/bin/env bash
# Build harbor-sim's offline installer with Harbor's layout:
#   OUT/harbor-offline-installer-v2.15.2-sim.1.tgz
#     harbor/{harbor.v2.15.2-sim.1.tar.gz, prepare, install.sh, common.sh, LICENSE, harbor.yml.tmpl}
# One image (FROM the lab image) is built and tagged under each goharbor/* name the compose file
# uses, so `docker save` stores its layers once. Cached: nothing is rebuilt while the inputs
# (sim sources, this recipe, requirements, the base image) are unchanged. A flock makes parallel
# callers wait for one build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sim_root=$(cd "$here/.." && pwd)
repo_root=$(cd "$sim_root/../.." && pwd)
out=$(mkdir -p "${1:-$repo_root/build/bundle}" && cd "${1:-$repo_root/build/bundle}" && pwd)
version=v2.15.2-sim.1
base=${BUNDLE_BASE_IMAGE:-harborops/lab:latest}
image_repo=${BUNDLE_IMAGE_REPO:-harborops/harbor-sim-bundle}
names=(nginx-photon harbor-core registry-photon harbor-db redis-photon prepare)
tgz="$out/harbor-offline-installer-$version.tgz"
stamp="$out/.harbor-offline-installer-$version.inputs"
pip=${BUNDLE_PIP:-$repo_root/.venv/bin/pip}

say() { echo "sim-bundle: $*" >&2; }

base_id=$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null) \
  || { say "base image $base is missing: run 'make lab-image' first"; exit 1; }

inputs_hash() {
  {
    echo "base $base_id"
    (cd "$sim_root" && find bundle harbor_sim requirements.txt -type f \
        ! -name '*.pyc' ! -name '*.md' ! -path '*/__pycache__/*' | LC_ALL=C sort | while read -r f; do
      echo "$f"; cat "$f"; done)
  } | sha256sum | cut -c1-16
}

hash=$(inputs_hash)
if [ -s "$tgz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
  say "$tgz is up to date ($hash)"
  exit 0
fi

exec 9>"$out/.build.lock"
if ! flock -n 9; then
  say "another build holds $out/.build.lock; waiting for it"
  flock 9
  if [ -s "$tgz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    say "$tgz was built by a parallel caller"
    exit 0
  fi
fi

start=$(date +%s)
work="$out/.work"
rm -rf "$work"
mkdir -p "$work/ctx/wheels" "$work/pkg/harbor"
trap 'rm -rf "$work"' EXIT

image="$image_repo:$hash"
if docker image inspect "$image" >/dev/null 2>&1; then
  say "image $image exists; packaging only"
else
  say "building $image from $base"
  # Wheels are fetched on the host (its pip index configuration applies), installed offline in the image.
  "$pip" download --quiet --disable-pip-version-check --only-binary=:all: -d "$work/ctx/wheels" \
    -r "$sim_root/requirements.txt" -r "$here/image/requirements-image.txt"
  cp "$here/image/Dockerfile" "$here/image/prepare.py" "$here/image/entrypoint.sh" \
    "$here/image/requirements-image.txt" "$sim_root/requirements.txt" "$work/ctx/"
  rsync -a --exclude __pycache__ --exclude '*.pyc' "$sim_root/harbor_sim/" "$work/ctx/harbor_sim/"
  docker build --quiet --build-arg "BASE=$base" --build-arg "BUNDLE_INPUTS=$hash" -t "$image" "$work/ctx" >/dev/null
fi
tags=()
for name in "${names[@]}"; do
  docker tag "$image" "goharbor/$name:$version"
  tags+=("goharbor/$name:$version")
done

say "saving ${#tags[@]} tags of one image"
docker save "${tags[@]}" | gzip -1 > "$work/pkg/harbor/harbor.$version.tar.gz"
install -m 0755 "$here/installer/prepare" "$here/installer/install.sh" "$work/pkg/harbor/"
install -m 0644 "$here/installer/common.sh" "$here/installer/harbor.yml.tmpl" "$work/pkg/harbor/"
install -m 0644 "$repo_root/LICENSE" "$work/pkg/harbor/LICENSE"
tar -C "$work/pkg" --owner=0 --group=0 -czf "$tgz.tmp" harbor
sum=$(sha256sum < "$tgz.tmp" | cut -d' ' -f1)
echo "$sum  $(basename "$tgz")" > "$tgz.sha256.tmp"
mv "$tgz.tmp" "$tgz"
mv "$tgz.sha256.tmp" "$tgz.sha256"
echo "$hash" > "$stamp"
# Older builds of this image (each a full flattened layer) are only in the way now.
docker image ls --format '{{.Repository}}:{{.Tag}}' "$image_repo" | grep -vxF "$image" | xargs -r docker rmi >/dev/null || true
say "built $tgz ($(du -h "$tgz" | cut -f1)) in $(( $(date +%s) - start ))s"
