#!/usr/bin/env bash
# Login and /api/me throughput and latency with wrk against a release build.
# Usage: bash bench/auth.sh [sqlite|postgres] [seconds-per-run] [runs]
# Prints each run and the median requests/s and p50/p99 latency per endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}; secs=${2:-10}; runs=${3:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked --bin rebloom >&2
dir=$(mktemp -d); port=18181; base="http://127.0.0.1:$port"
export REBLOOM_DATA_DIR=$dir REBLOOM_BIND=127.0.0.1:$port REBLOOM_LOG=warn REBLOOM_LOG_FORMAT=json \
  REBLOOM_RATE_LIMIT_PER_MINUTE=100000000 REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE=100000000
if [ "$backend" = postgres ]; then
  export REBLOOM_DATABASE_URL=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  export REBLOOM_DATABASE_SCHEMA=bench_$$
fi
./target/release/rebloom serve >"$dir/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql -q "$REBLOOM_DATABASE_URL" -c "DROP SCHEMA IF EXISTS $REBLOOM_DATABASE_SCHEMA CASCADE" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "$base/api/auth/register" -H 'content-type: application/json' \
  -d '{"email":"bench@example.org","password":"a long unusual benchmark passphrase"}' >/dev/null
token=$(curl -sf -X POST "$base/api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.org","password":"a long unusual benchmark passphrase"}' | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() { # name, wrk args...
  local name=$1; shift
  local rps=() p50=() p99=()
  for i in $(seq 1 "$runs"); do
    out=$(wrk --latency -d "${secs}s" "$@")
    r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    l50=$(awk '$1=="50%" {print $2}' <<<"$out"); l99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    echo "$name run $i: $r req/s, p50 $l50, p99 $l99, non-2xx ${non2xx:-0}" >&2
    rps+=("$r"); p50+=("$(to_ms "$l50")"); p99+=("$(to_ms "$l99")")
  done
  printf '%s (%s, %s x %ss): median %s req/s, p50 %s ms, p99 %s ms\n' "$name" "$backend" "$runs" "$secs" \
    "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p50[@]}" | median)" "$(printf '%s\n' "${p99[@]}" | median)"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print v }'; }

run "POST /api/auth/login" -t2 -c8 -s bench/login.lua "$base/api/auth/login"
run "GET /api/me" -t2 -c32 -H "Authorization: Bearer $token" "$base/api/me"
echo "server RSS after load: $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"
