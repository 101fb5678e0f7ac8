#!/usr/bin/env bash
# Three `rebloom` replicas on one PostgreSQL database and one Redis, behind
# haproxy (from apt), under the architecture's load mix; one replica is killed
# (SIGKILL) part-way through. The load generator retries a message whose
# replica went away under its Idempotency-Key, as a client should, and at the
# end reads every acknowledged message back: none may be lost or doubled.
# Writes the figures as JSON to $1 (default: printed only).
# Usage: bash bench/replicas.sh [out.json] [phases, default 20:60] [people, default 100]
# REBLOOM_BIN runs another build (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-}; phases=${2:-20:60}; people=${3:-100}
pg=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${REBLOOM_TEST_REDIS_URL:-redis://127.0.0.1:6379}
if ! command -v haproxy >/dev/null; then
  echo "installing haproxy" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
fi
bin=${REBLOOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --bin rebloom >&2
  bin=./target/release/rebloom
fi
npm ci --prefix bench --no-audit --no-fund --loglevel=error
work=$(mktemp -d)
schema="replicas_$$"
ports=(18391 18392 18393); lb=18390
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema, ${schema}_keys CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# One set of secrets for all replicas (as a deployment shares them).
jwt=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
master=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_replica() { # index
  local i=$1 port=${ports[$1]}
  mkdir -p "$work/r$i"
  env REBLOOM_DATA_DIR="$work/r$i" REBLOOM_BIND=127.0.0.1:$port REBLOOM_LOG=warn REBLOOM_LOG_FORMAT=json \
    REBLOOM_DATABASE_URL="$pg" REBLOOM_DATABASE_SCHEMA="$schema" REBLOOM_REDIS_URL="$redis" REBLOOM_REDIS_KEY_PREFIX="$schema:" \
    REBLOOM_JWT_SECRET="$jwt" REBLOOM_MASTER_KEY="$master" \
    REBLOOM_RATE_LIMIT_PER_MINUTE=100000000 REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE=100000000 \
    "$bin" serve >"$work/r$i.log" 2>&1 &
  pids[$i]=$!
  until curl -sf "http://127.0.0.1:$port/ready" >/dev/null; do
    kill -0 "${pids[$i]}" 2>/dev/null || { cat "$work/r$i.log" >&2; exit 1; }
    sleep 0.2
  done
}
# The first replica migrates the schema; the others start on it.
start_replica 0; start_replica 1; start_replica 2

cat >"$work/haproxy.cfg" <<EOF
global
  maxconn 8000
  pidfile $work/haproxy.pid
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  option redispatch
  retries 2
  retry-on conn-failure
frontend web
  bind 127.0.0.1:$lb
  default_backend rebloom
backend rebloom
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
  server r0 127.0.0.1:${ports[0]} check
  server r1 127.0.0.1:${ports[1]} check
  server r2 127.0.0.1:${ports[2]} check
EOF
haproxy -c -q -f "$work/haproxy.cfg"
haproxy -D -f "$work/haproxy.cfg"
until curl -sf "http://127.0.0.1:$lb/ready" >/dev/null; do sleep 0.2; done

# Seeding takes a while (Argon2id); the kill comes a third of the way into the load.
total=0; for p in ${phases//,/ }; do total=$(( total + ${p#*:} )); done
echo "== replicas: 3 behind haproxy; arrivals $phases; $people people; r1 killed $(( total / 3 )) s into the load" >&2
node bench/load.mjs --base "http://127.0.0.1:$lb" --phases "$phases" --users "$people" \
  --server-pid "${pids[0]},${pids[1]},${pids[2]}" --json "$work/load.json" --announce "$work/started" >&2 &
load=$!
until [ -f "$work/started" ]; do kill -0 "$load" 2>/dev/null || break; sleep 0.2; done
sleep $(( total / 3 ))
kill -9 "${pids[1]}"; killed_at=$(date +%s.%N)
echo "killed replica r1 (pid ${pids[1]})" >&2
wait "$load"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  r.replicas = 3; r.killed = "r1"; r.killedAfterSecs = Number(process.argv[2]);
  const out = process.argv[3];
  if (out) require("fs").writeFileSync(out, JSON.stringify(r, null, 2));
  const d = r.durability;
  if (d.lost || d.duplicates) { console.error(`FAILED: ${d.lost} lost, ${d.duplicates} duplicated`); process.exit(1); }
' "$work/load.json" "$(( total / 3 ))" "$out"
