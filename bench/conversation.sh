#!/usr/bin/env bash
# Conversation load against a release build: time to first chunk, and server
# overhead per message with a stub OpenAI-compatible provider of fixed latency.
# Usage: bash bench/conversation.sh [sqlite|postgres] [concurrency] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}; conc=${2:-8}; secs=${3:-15}
cargo build --release --locked --bin rebloom >&2
run() { # label, extra env...
  local label=$1; shift
  local dir port=18282 stub=18283
  dir=$(mktemp -d)
  env REBLOOM_DATA_DIR="$dir" REBLOOM_BIND=127.0.0.1:$port REBLOOM_LOG=warn REBLOOM_LOG_FORMAT=json \
    REBLOOM_RATE_LIMIT_PER_MINUTE=100000000 REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE=100000000 \
    $( [ "$backend" = postgres ] && echo "REBLOOM_DATABASE_URL=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} REBLOOM_DATABASE_SCHEMA=bench_conv_$$" ) \
    "$@" ./target/release/rebloom serve >"$dir/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  echo "== $label ($backend, $conc concurrent, ${secs}s)"
  if [ "$label" = "openai-stub" ]; then
    node bench/conversation.mjs "http://127.0.0.1:$port" "$conc" "$secs" "$stub"
  else
    node bench/conversation.mjs "http://127.0.0.1:$port" "$conc" "$secs"
  fi
  echo "server RSS: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql -q "${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -c "DROP SCHEMA IF EXISTS bench_conv_$$ CASCADE" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
run guided
run openai-stub REBLOOM_OPENAI_BASE_URL=http://127.0.0.1:18283
