#!/bin/bash
# One image, five roles: the compose file runs it with the role as its command.
# Each role drops to its service user where Debian's package has one.
set -euo pipefail
role=${1:?usage: entrypoint.sh core|registry|db|redis|nginx|prepare [args]}
shift

case "$role" in
  core)
    args=(--listen 0.0.0.0:8080 --data /data --admin-password "${HARBOR_ADMIN_PASSWORD:?}"
          --registry-url "${REGISTRY_URL:?}" --external-url "${EXT_ENDPOINT:?}"
          --log-level "${LOG_LEVEL:-INFO}" --harbor-version "${HARBOR_SIM_VERSION:?}")
    # install_cert.sh: the CA files prepare put in trust-certificates join the trust store at start
    [ -d /harbor_cust_cert ] && args+=(--trust-ca-dir /harbor_cust_cert)
    [ -n "${DATABASE_URL:-}" ] && args+=(--database-url "$DATABASE_URL")
    [ -n "${REDIS_URL:-}" ] && args+=(--redis-url "$REDIS_URL")
    exec /opt/harbor-sim/venv/bin/python -m harbor_sim serve "${args[@]}"
    ;;
  registry)
    exec /usr/bin/docker-registry serve /etc/registry/config.yml
    ;;
  db)
    # Harbor keeps one directory per major version under data_volume/database (pg15 here).
    export PGDATA=/var/lib/postgresql/data/pg15
    bin=/usr/lib/postgresql/15/bin
    mkdir -p "$PGDATA" /run/postgresql
    chown postgres:postgres /var/lib/postgresql/data "$PGDATA" /run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
      pwfile=$(mktemp)
      printf '%s\n' "${POSTGRES_PASSWORD:?}" > "$pwfile"
      chown postgres "$pwfile"
      runuser -u postgres -- "$bin/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
      rm -f "$pwfile"
      echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
      runuser -u postgres -- "$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
      runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -q -h /run/postgresql -U postgres -c 'CREATE DATABASE registry'
      runuser -u postgres -- "$bin/pg_ctl" -D "$PGDATA" -w stop >/dev/null
    fi
    exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' \
      -c unix_socket_directories=/run/postgresql -c max_connections=900 -c jit=off
    ;;
  redis)
    chown -R redis:redis /var/lib/redis
    exec runuser -u redis -- redis-server --bind 0.0.0.0 --protected-mode no --port 6379 \
      --dir /var/lib/redis --appendonly yes --daemonize no --logfile ""
    ;;
  nginx)
    exec nginx -c /etc/nginx/harbor/nginx.conf -g 'daemon off;'
    ;;
  prepare)
    exec /opt/harbor-sim/venv/bin/python /opt/harbor-sim/prepare.py prepare "$@"
    ;;
  *)
    echo "entrypoint.sh: unknown role $role" >&2
    exit 2
    ;;
esac
