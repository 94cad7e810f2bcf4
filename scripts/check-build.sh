#!/usr/bin/env bash
# The collection as users get it: `ansible-galaxy collection build` makes
# harborops-ha-<version>.tar.gz, it installs with `ansible-galaxy collection install` into an
# empty path, and `ansible-doc` lists its plugins and roles from that installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version: *//p' galaxy.yml)
tmp=$(mktemp -d /tmp/harborops-check-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ansible-galaxy collection build --force --output-path "$tmp/dist" . >/dev/null
tarball="$tmp/dist/harborops-ha-$version.tar.gz"
[ -f "$tarball" ] || { echo "check-build: $tarball was not built" >&2; exit 1; }

# Nothing the build must leave out may be in the tarball.
if tar -tzf "$tarball" | grep -E '^(\.venv|build|tests/harbor_sim|lab/\.state|\.git)/' >&2; then
  echo "check-build: the tarball contains paths galaxy.yml build_ignore excludes (above)" >&2
  exit 1
fi

# Only the installed copy on the path from here on (plus the collections PyPI's `ansible`
# carries): the in-place link of the working tree must not answer for it.
export ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
# --offline: never ask Galaxy (it is not reachable here). galaxy.yml's dependencies are resolved
# against the collections already installed (PyPI's `ansible` in .venv): the install fails when
# one of them is missing or below its lower bound, so the declared bounds are checked here too
# (no --no-deps).
ansible-galaxy collection install --offline --force -p "$tmp/collections" "$tarball" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; echo "check-build: install failed" >&2; exit 1; }
installed="$tmp/collections/ansible_collections/harborops/ha"
[ -f "$installed/MANIFEST.json" ] || { echo "check-build: install did not produce $installed" >&2; exit 1; }

modules=$(find plugins/modules -name '*.py' ! -name '__init__.py' 2>/dev/null | wc -l)
listed=$(ansible-doc -t module -l harborops.ha 2>/dev/null | grep -c '^harborops\.ha\.' || true)
if [ "$listed" -ne "$modules" ]; then
  echo "check-build: ansible-doc lists $listed harborops.ha modules from the installed copy; plugins/modules has $modules" >&2
  ansible-doc -t module -l harborops.ha >&2 || true
  exit 1
fi
roles=$(find roles -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
listed_roles=$(ansible-doc -t role -l harborops.ha 2>/dev/null | grep -c '^harborops\.ha\.' || true)
if [ "$listed_roles" -ne "$roles" ]; then
  echo "check-build: ansible-doc lists $listed_roles harborops.ha roles from the installed copy; roles/ has $roles" >&2
  ansible-doc -t role -l harborops.ha >&2 || true
  exit 1
fi
echo "check-build: harborops-ha-$version.tar.gz builds, installs; ansible-doc lists $listed modules and $listed_roles roles"
