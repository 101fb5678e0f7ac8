#!/usr/bin/env bash
# The database at scale on PostgreSQL: seeds people and messages through the
# store (sealed and indexed as in production), times the hot queries (p50, p95,
# p99, cold and warm) and shows their plans, table sizes and index use.
# Usage: bash bench/db-scale.sh [users=10000] [messages=1000000] [--json PATH] [--samples 300] [--tasks 12]
# PostgreSQL is REBLOOM_TEST_DATABASE_URL (default the local trust-auth server);
# the run's schemas are dropped at the end, also when it fails or is interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p rebloom-server --example db_scale >&2
url=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export REBLOOM_BENCH_SCHEMA=bench_dbscale_$$
cleanup() {
  # The example drops its schemas itself (common's clean_up); this covers an interrupted run.
  if command -v psql >/dev/null; then
    psql -q "$url" -c "DROP SCHEMA IF EXISTS $REBLOOM_BENCH_SCHEMA CASCADE" \
      -c "DROP SCHEMA IF EXISTS ${REBLOOM_BENCH_SCHEMA}_keys CASCADE" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
./target/release/examples/db_scale postgres "$@"
