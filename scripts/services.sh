#!/usr/bin/env bash
# Makes sure the services the tests use are running on this machine:
# PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379).
# Installs them from Debian's packages when missing; starts them when down.
# With REBLOOM_TEST_DATABASE_URL / REBLOOM_TEST_REDIS_URL set, those are used instead and only checked.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ] && [ -z "${REBLOOM_TEST_DATABASE_URL:-}${REBLOOM_TEST_REDIS_URL:-}" ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  if [ -d /etc/postgresql ]; then
    # Tests connect over TCP as postgres without a password.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      grep -q '^host all all 127.0.0.1/32 trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    done
  fi
fi

wait_for() { # name, check command...
  local name=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "$name did not come up"; return 1
}

if [ -z "${REBLOOM_TEST_DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  fi
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
  psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null
else
  psql "$REBLOOM_TEST_DATABASE_URL" -tAc 'select 1' >/dev/null
fi
log "PostgreSQL is up"

if [ -z "${REBLOOM_TEST_REDIS_URL:-}" ]; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  wait_for Redis sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
else
  redis-cli -u "$REBLOOM_TEST_REDIS_URL" ping | grep -q PONG
fi
log "Redis is up"
