#!/usr/bin/env bash
# Sanity tier: ansible-test needs the collection at ansible_collections/<ns>/<name> as a real
# directory. Copy exactly what the built collection contains (galaxy.yml build_ignore) and run
# there. Then check the collection builds, installs and documents itself (scripts/check-build.sh).
#
# --venv: each sanity test runs in its own virtualenv made by ansible-test from PyPI (cached under
# ~/.ansible/test/venv, so only the first run pays for it) and nothing is pinned into the
# project's .venv (--requirements would install ansible-test's pins there, over ansible-lint's).
# Galaxy is not needed by either.
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
# ansible-test bootstraps pip in its venvs with a script from ci-files.testing.ansible.com, which is
# unreachable here; its documented fallback is a script in its cache: ours (see the file).
pip_version=$(python3 - <<'PY'
import os, re, ansible_test
src = open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
[ -f "$get_pip" ] || install -D -m 0644 scripts/ansible-test-get-pip.py "$get_pip"
rc=0
(
  cd "$root" || exit 1
  # ansible-test lists the files through git (tracked + untracked): its own output and the
  # delegation venv it creates under tests/output must not count as content.
  # (set -e does not apply inside a `( ) ||` list: chain explicitly.)
  git init -q . &&
    printf '/tests/output/\n__pycache__/\n*.pyc\n' > .git/info/exclude &&
    git add -A >/dev/null &&
    ansible-test sanity --venv --python "${SANITY_PYTHON:-3.11}" --color no "${@:2}"
) || rc=$?
# The build check runs even when a sanity test failed: both results are reported.
bash scripts/check-build.sh || rc=$?
exit "$rc"
