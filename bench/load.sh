#!/usr/bin/env bash
# The architecture's load test against a release build, twice: replies from the
# guided engine, then from a stub OpenAI-compatible provider with a fixed
# latency (the server's own time per reply). Writes docs/performance.md.
# Usage: bash bench/load.sh [sqlite|postgres] [phases, default 10:120,50:300,100:120] [people, default 200]
# REBLOOM_BIN runs another build (e.g. ./target/debug/rebloom for a quick check of the script).
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}; phases=${2:-10:120,50:300,100:120}; people=${3:-200}
pg=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${REBLOOM_TEST_REDIS_URL:-redis://127.0.0.1:6379}
bin=${REBLOOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --bin rebloom >&2
  bin=./target/release/rebloom
fi
npm ci --prefix bench --no-audit --no-fund --loglevel=error
out=$(mktemp -d)
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
  echo "== $label ($backend; arrivals $phases; $people people)" >&2
  local extra=()
  [ "$label" = stub ] && extra=(--stub-port "$stub")
  node bench/load.mjs --base "http://127.0.0.1:$port" --phases "$phases" --users "$people" \
    --server-pid "$pid" --json "$out/$label.json" "${extra[@]}" >&2
  curl -s "http://127.0.0.1:$port/metrics" >"$out/$label.metrics"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ "$backend" = postgres ]; then
    psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema, ${schema}_keys CASCADE" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
run guided
run stub REBLOOM_OPENAI_BASE_URL=http://127.0.0.1:18383 REBLOOM_OPENAI_API_KEY=stub
node bench/report.mjs "$backend" "$out" "$bin" >docs/performance.md
echo "wrote docs/performance.md" >&2
rm -rf "$out"
