#!/bin/bash
# harbor-sim's install.sh, Harbor's flow: check docker + compose, load the images, ./prepare,
# compose down -v, compose up -d. Run it from the installer directory (it cd's there itself).
set -e
DIR="$(cd "$(dirname "$0")" && pwd)"
source "$DIR/common.sh"

usage() {
  cat <<USAGE
Usage: install.sh [--with-trivy]
  --with-trivy   accepted for compatibility; harbor-sim has no trivy adapter
USAGE
}

prepare_para=()
with_trivy=false
while [ $# -gt 0 ]; do
  case "$1" in
    --help) usage; exit 0 ;;
    --with-trivy) with_trivy=true ;;
    *) usage; exit 1 ;;
  esac
  shift
done

cd "$DIR"
workdir=$DIR
item=0

h2 "[Step $item]: checking if docker is installed ..."; item=$((item + 1))
check_docker
h2 "[Step $item]: checking docker-compose is installed ..."; item=$((item + 1))
check_dockercompose

if [ -f "$workdir"/harbor*.tar.gz ]; then
  h2 "[Step $item]: loading Harbor images ..."; item=$((item + 1))
  docker load -i "$workdir"/harbor*.tar.gz
fi

if [ "$with_trivy" = true ]; then
  warn "--with-trivy is not supported by harbor-sim: installing without trivy"
fi

h2 "[Step $item]: preparing environment ..."; item=$((item + 1))
if [ -n "$host" ]; then
  sed "s/^hostname: .*/hostname: $host/g" -i ./harbor.yml
fi
h2 "[Step $item]: preparing harbor configs ..."; item=$((item + 1))
./prepare "${prepare_para[@]}"

if [ -n "$($DOCKER_COMPOSE ps -q 2>/dev/null)" ]; then
  note "stopping existing Harbor instance ..."
fi
$DOCKER_COMPOSE down -v

h2 "[Step $item]: starting Harbor ..."
$DOCKER_COMPOSE up -d

success "----Harbor has been installed and started successfully.----"
