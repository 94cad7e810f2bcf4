#!/usr/bin/env bash
# Sanity tier: ansible-test needs the collection at ansible_collections/<ns>/<name>, as a real
# directory. Copy what the built collection would contain (galaxy.yml build_ignore) and run there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-build/sanity}
root="$dest/ansible_collections/harborops/ha"
rm -rf "$dest"
mkdir -p "$root"
rsync -a --exclude-from=<(python3 - <<'PY'
import yaml
for p in yaml.safe_load(open("galaxy.yml"))["build_ignore"]:
    print(p)
PY
) ./ "$root/"
cd "$root"
git init -q . && git add -A >/dev/null   # ansible-test lists files through git when it is a repo
ansible-test sanity --python 3.11 --requirements --color no "${@:2}"
