#!/usr/bin/env bash
# The architecture's load test against a release build, twice: replies from the
# guided engine, then from a stub OpenAI-compatible provider with a fixed
# latency (the server's own time per reply). Writes docs/performance.md.
# A third run overloads it: twice the last phase's rate for a minute while the
# provider is slow (3 s before its first token, so replies pile up past the
# server's in-flight limit), four times the people, then 10/s for half a
# minute: it must shed with 429/503, no other 5xx, and recover.
# Usage: bash bench/load.sh [sqlite|postgres] [phases, default 10:120,50:300,100:120] [people, default 200]
# REBLOOM_BIN runs another build (e.g. ./target/debug/rebloom for a quick check of the script).
# PROOF_DIR keeps the JSON reports there (as load-<backend>-<run>.json) for
# bench/proof.sh, which writes the documents; without it this writes docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}; phases=${2:-10:120,50:300,100:120}; people=${3:-200}
last_rate=${phases##*,}; last_rate=${last_rate%%:*}
overload="$(( last_rate * 2 )):60,10:30"
pg=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${REBLOOM_TEST_REDIS_URL:-redis://127.0.0.1:6379}
bin=${REBLOOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --bin rebloom >&2
  bin=./target/release/rebloom
fi
npm ci --prefix bench --no-audit --no-fund --loglevel=error
out=${PROOF_DIR:-$(mktemp -d)}
mkdir -p "$out"
run() { # label, extra env...
  local label=$1; shift
  local dir port=18382 stub=18383 schema="load_$$_$label"
  dir=$(mktemp -d)
  local db=()
  if [ "$backend" = postgres ]; then
    db=(REBLOOM_DATABASE_URL="$pg" REBLOOM_DATABASE_SCHEMA="$schema" REBLOOM_REDIS_URL="$redis" REBLOOM_REDIS_KEY_PREFIX="$schema:")
  fi
  # Limits raised: the load comes from one address (the limits are tested elsewhere).
  env REBLOOM_DATA_DIR="$dir" REBLOOM_BIND=127.0.0.1:$port REBLOOM_LOG=warn REBLOOM_LOG_FORMAT=json \
    REBLOOM_RATE_LIMIT_PER_MINUTE=100000000 REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE=100000000 \
    "${db[@]}" "$@" "$bin" serve >"$dir/server.log" 2>&1 &
  local pid=$!
  until curl -sf "http://127.0.0.1:$port/ready" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.2
  done
  local arrivals=$phases who=$people extra=()
  [ "$label" = stub ] && extra=(--stub-port "$stub")
  [ "$label" = overload ] && { arrivals=$overload; who=$(( people * 4 )); extra=(--stub-port "$stub" --stub-first-ms 3000); }
  echo "== $label ($backend; arrivals $arrivals; $who people)" >&2
  node bench/load.mjs --base "http://127.0.0.1:$port" --phases "$arrivals" --users "$who" \
    --server-pid "$pid" --json "$out/load-$backend-$label.json" "${extra[@]}" >&2
  curl -s "http://127.0.0.1:$port/metrics" >"$out/load-$backend-$label.metrics"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ "$backend" = postgres ]; then
    psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema, ${schema}_keys CASCADE" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
run guided
run stub REBLOOM_OPENAI_BASE_URL=http://127.0.0.1:18383 REBLOOM_OPENAI_API_KEY=stub
run overload REBLOOM_OPENAI_BASE_URL=http://127.0.0.1:18383 REBLOOM_OPENAI_API_KEY=stub
if [ -z "${PROOF_DIR:-}" ]; then
  node bench/report.mjs "$out" "$bin"
  rm -rf "$out"
fi
