#!/usr/bin/env bash
# Make sure a Docker engine answers. When `docker info` fails on Debian/Ubuntu as root (or with
# passwordless sudo): install the distribution's docker.io and start dockerd (in the background
# when systemd is not PID 1, as in CI containers), then wait for the socket.
# Anywhere else: say what is missing and exit non-zero. A running engine is never touched.
set -euo pipefail
say() { echo "docker-engine: $*" >&2; }
wait_secs=${DOCKER_WAIT_SECS:-60}

engine_ok() { docker info >/dev/null 2>&1; }

command -v docker >/dev/null 2>&1 && engine_ok && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    if command -v docker >/dev/null 2>&1; then
      say "no Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock} for user $(id -un)."
      say "Start the engine (e.g. 'sudo systemctl start docker' or 'sudo dockerd &'), or add $(id -un) to the 'docker' group, then re-run."
    else
      say "the docker client is not installed and user $(id -un) is not root (no passwordless sudo)."
      say "Install an engine (Debian/Ubuntu: 'sudo apt-get install docker.io'), or re-run 'make lab' as root."
    fi
    exit 1
  fi
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix:///var/run/docker.sock}" = "$DOCKER_HOST" ]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer; this script only manages the local engine. Unset DOCKER_HOST or start that engine."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no Docker engine and this is not Debian/Ubuntu: install Docker Engine for this OS and start it."
    exit 1
  fi
  say "installing the distribution's docker.io"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker.io >/dev/null
fi

if command -v systemctl >/dev/null 2>&1 && [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
  say "starting docker.service"
  $sudo systemctl start docker
else
  # No systemd to supervise it: run dockerd in the background with its own log.
  # (containerd is started by dockerd itself when no system containerd runs.)
  log=/var/log/harborops-dockerd.log
  say "starting dockerd in the background (log: $log)"
  $sudo sh -c "nohup dockerd >>$log 2>&1 </dev/null &"
fi

for _ in $(seq "$wait_secs"); do
  if [ -S /var/run/docker.sock ] && $sudo docker info >/dev/null 2>&1; then
    if [ -n "$sudo" ] && ! engine_ok; then
      say "the engine runs, but user $(id -un) may not use it: add it to the 'docker' group (then log in again) or run as root."
      exit 1
    fi
    say "engine is up"
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within ${wait_secs}s; see /var/log/harborops-dockerd.log or 'journalctl -u docker'."
exit 1
