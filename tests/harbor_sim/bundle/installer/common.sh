#!/bin/bash
# Shared helpers of install.sh: coloured notes and the docker / compose checks Harbor makes.
# DOCKER_COMPOSE is set to the compose command to use: the `docker compose` plugin when
# present, else docker-compose (v1, >= 1.18).

set +o noglob

bold=$(tput bold 2>/dev/null || true)
green=$(tput setaf 2 2>/dev/null || true)
red=$(tput setaf 1 2>/dev/null || true)
yellow=$(tput setaf 3 2>/dev/null || true)
reset=$(tput sgr0 2>/dev/null || true)

h2() { printf '\n%s%s%s\n' "$bold" "$*" "$reset"; }
note() { printf '%sNote: %s%s\n' "$yellow" "$*" "$reset"; }
warn() { printf '%sWarning: %s%s\n' "$yellow" "$*" "$reset"; }
error() { printf '%s✖ %s%s\n' "$red" "$*" "$reset" >&2; }
success() { printf '%s✔ %s%s\n' "$green" "$*" "$reset"; }

# version_ge A B: true when dotted version A >= B
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

check_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    error "Need to install docker(20.10.10+) first and run this script again."
    exit 1
  fi
  local v
  v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || {
    error "docker is installed but the docker daemon does not answer; start it and run this script again."
    exit 1
  }
  if ! version_ge "${v%%[-+]*}" 17.06.0; then
    error "Need to upgrade docker package to 20.10.10+ (found $v)."
    exit 1
  fi
  note "docker version: $v"
}

check_dockercompose() {
  local v
  if docker compose version >/dev/null 2>&1; then
    DOCKER_COMPOSE="docker compose"
    v=$(docker compose version --short 2>/dev/null || docker compose version)
    note "Docker Compose version $v"
  elif command -v docker-compose >/dev/null 2>&1; then
    DOCKER_COMPOSE=docker-compose
    v=$(docker-compose version --short 2>/dev/null || echo unknown)
    if [ "$v" != unknown ] && ! version_ge "${v#v}" 1.18.0; then
      error "Need to upgrade docker-compose package to 1.18.0+ (found $v)."
      exit 1
    fi
    note "docker-compose version: $v"
  else
    error "Need to install docker-compose(1.18.0+) or the docker compose plugin first and run this script again."
    exit 1
  fi
  export DOCKER_COMPOSE
}
