#!/usr/bin/env bash
# Install the Debian packages listed in scripts/host-packages.txt that are missing.
# Needs root (or passwordless sudo) on Debian/Ubuntu; elsewhere it says what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/host-packages.txt")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "host-deps: missing packages: ${missing[*]}; install them (this is not a Debian/Ubuntu machine)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "host-deps: missing packages: ${missing[*]}; run as root or with passwordless sudo" >&2
    exit 1
  fi
fi
echo "host-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
