#!/usr/bin/env bash
# Runs every test: both storage backends (SQLite and PostgreSQL) and Redis.
# Starts (or installs) PostgreSQL and Redis first when they are not running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
cargo test --workspace --locked "$@"
