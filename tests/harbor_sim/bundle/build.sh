#!/usr/bin/env bash
# Build harbor-sim's offline installer with Harbor's layout, for one Harbor release
# (HARBOR_SIM_VERSION, one of harbor_sim/versions.py SUPPORTED; default the newest):
#   OUT/harbor-offline-installer-v<release>-sim.1.tgz
#     harbor/{harbor.v<release>-sim.1.tar.gz, prepare, install.sh, common.sh, LICENSE, harbor.yml.tmpl}
# in Harbor's member order (the image archive first: make package_offline). One image (FROM the lab
# image, the same for every release) is built and tagged under each goharbor/* name that release's
# compose file uses, so `docker save` stores its layers once. Cached: nothing is rebuilt while the
# inputs (sim sources, this recipe, requirements, the base image, the release) are unchanged. A
# flock makes parallel callers wait for one build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sim_root=$(cd "$here/.." && pwd)
repo_root=$(cd "$sim_root/../.." && pwd)
out=$(mkdir -p "${1:-$repo_root/build/bundle}" && cd "${1:-$repo_root/build/bundle}" && pwd)
release=$(cd "$sim_root" && PYTHONPATH=. python3 -c '
import sys
from harbor_sim import versions
v = versions.HarborVersion(sys.argv[1] or versions.DEFAULT)
print(v.name, v.yml_version, v.harbor_version.lstrip("v"), "valkey-photon" if v.has("valkey_image") else "redis-photon")
' "${HARBOR_SIM_VERSION:-}") || { echo "sim-bundle: HARBOR_SIM_VERSION must be one of the releases in harbor_sim/versions.py" >&2; exit 2; }
read -r release yml_version sim_version redis_image <<<"$release"
version=v$sim_version
base=${BUNDLE_BASE_IMAGE:-harborops/lab:latest}
image_repo=${BUNDLE_IMAGE_REPO:-harborops/harbor-sim-bundle}
names=(nginx-photon harbor-core registry-photon harbor-db "$redis_image" prepare)
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
stamp_value="$hash $version"
if [ -s "$tgz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_value" ]; then
  say "$tgz is up to date ($hash)"
  exit 0
fi

exec 9>"$out/.build.lock"
if ! flock -n 9; then
  say "another build holds $out/.build.lock; waiting for it"
  flock 9
  if [ -s "$tgz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$stamp_value" ]; then
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
install -m 0755 "$here/installer/install.sh" "$work/pkg/harbor/"
install -m 0644 "$here/installer/common.sh" "$work/pkg/harbor/"
install -m 0644 "$repo_root/LICENSE" "$work/pkg/harbor/LICENSE"
# the release's prepare wrapper (image tag, release) and harbor.yml.tmpl (`_version`; lines marked
# `# harbor>=X.Y` only from that release on, the mark removed)
sed -e "s/^version=.*/version=$version/" -e "s/^release=.*/release=$release/" "$here/installer/prepare" \
  > "$work/pkg/harbor/prepare"
chmod 0755 "$work/pkg/harbor/prepare"
python3 - "$here/installer/harbor.yml.tmpl" "$release" "$yml_version" "$version" > "$work/pkg/harbor/harbor.yml.tmpl" <<'PY'
import re, sys
path, release, yml_version, version = sys.argv[1:]
have = tuple(int(p) for p in release.split("."))
for line in open(path, encoding="utf-8"):
    mark = re.search(r"\s+# harbor>=(\d+)\.(\d+)$", line)
    if mark:
        if have[:2] < (int(mark.group(1)), int(mark.group(2))):
            continue
        line = line[:mark.start()] + "\n"
    if line.startswith("_version:"):
        line = "_version: %s\n" % yml_version
    sys.stdout.write(line.replace("@VERSION@", version).replace("@MINOR@", ".".join(release.split(".")[:2])))
PY
chmod 0644 "$work/pkg/harbor/harbor.yml.tmpl"
# Harbor's member order (Makefile PACKAGE_OFFLINE_PARA): the image archive first, harbor.yml.tmpl last
tar -C "$work/pkg" --owner=0 --group=0 --no-recursion -czf "$tgz.tmp" harbor "harbor/harbor.$version.tar.gz" \
  harbor/prepare harbor/LICENSE harbor/install.sh harbor/common.sh harbor/harbor.yml.tmpl
sum=$(sha256sum < "$tgz.tmp" | cut -d' ' -f1)
echo "$sum  $(basename "$tgz")" > "$tgz.sha256.tmp"
mv "$tgz.tmp" "$tgz"
mv "$tgz.sha256.tmp" "$tgz.sha256"
echo "$stamp_value" > "$stamp"
# Older builds of this image (each a full flattened layer) are only in the way now.
docker image ls --format '{{.Repository}}:{{.Tag}}' "$image_repo" | grep -vxF "$image" | xargs -r docker rmi >/dev/null || true
say "built $tgz ($(du -h "$tgz" | cut -f1)) in $(( $(date +%s) - start ))s"
