#!/usr/bin/env bash
# The whole proof at scale, one command: the architecture's load on both
# backends (guided engine, stub provider, 2x overload), the database with a
# million messages, three replicas behind haproxy with one killed mid-load,
# the fault tests, schemathesis on both backends and the property tests.
# Regenerates docs/performance.md and docs/resilience.md with the figures.
#
# Usage: bash bench/proof.sh
#   PROOF_PHASES   load phases (default the architecture's 10:120,50:300,100:120)
#   PROOF_PEOPLE   people registered for the load (default 200)
#   PROOF_USERS / PROOF_MESSAGES   database scale (default 10000 / 1000000)
#   PROOF_CASES    property-test cases per property (default 2000)
# Takes about 75 minutes with the defaults on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
phases=${PROOF_PHASES:-10:120,50:300,100:120}
people=${PROOF_PEOPLE:-200}
started=$(date +%s)
bash scripts/services.sh
bash scripts/system-deps.sh
cargo build --release --locked --bin rebloom
cargo build --locked --bin rebloom
export PROOF_DIR; PROOF_DIR=$(pwd)/target/proof
rm -rf "$PROOF_DIR"; mkdir -p "$PROOF_DIR"
step() { echo "== $* ($(( $(date +%s) - started )) s)" >&2; }

step "load: SQLite"
bash bench/load.sh sqlite "$phases" "$people"
step "load: PostgreSQL + Redis"
bash bench/load.sh postgres "$phases" "$people"

step "database at scale"
bash bench/db-scale.sh "${PROOF_USERS:-10000}" "${PROOF_MESSAGES:-1000000}" --json "$PROOF_DIR/db-scale.json"

step "replicas behind haproxy"
bash bench/replicas.sh "$PROOF_DIR/replicas.json" 20:60 100

step "faults"
REBLOOM_PROOF_DIR="$PROOF_DIR" cargo test --locked -p rebloom-server --test faults -- --nocapture --test-threads=1

step "schemathesis"
for backend in sqlite postgres; do
  SCHEMATHESIS_SUMMARY="$PROOF_DIR/schemathesis-$backend.txt" bash scripts/schemathesis.sh "$backend"
done

step "property tests"
PROPTEST_CASES=${PROOF_CASES:-2000} cargo test --locked -p rebloom-safety -p rebloom-server --test prop -- --nocapture 2>&1 \
  | tee "$PROOF_DIR/prop.log" | grep -E '^prop ' >"$PROOF_DIR/prop.txt"

node bench/report.mjs "$PROOF_DIR" ./target/release/rebloom
step "done"
