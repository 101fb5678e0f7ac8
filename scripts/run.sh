#!/usr/bin/env bash
# Runs Rebloom on its embedded default: SQLite and generated secrets in ./data,
# in-process cache and rate limits, serving on http://127.0.0.1:8080.
# Any `rebloom serve` option or REBLOOM_* variable may be added (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked --bin rebloom -- serve "$@"
