#!/usr/bin/env bash
# The web app (web/, React + Vite + TypeScript).
#   bash scripts/web.sh build   install (npm ci) and build web/dist when it is missing or older than its sources
#   bash scripts/web.sh check   install, check the typed API client against docs/openapi.json, run the
#                               component tests (Vitest) and build (what the test command runs)
set -euo pipefail
cd "$(dirname "$0")/../web"
install() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}
case "${1:-build}" in
  build)
    if [ -f dist/index.html ] && [ -z "$(find src public index.html package-lock.json vite.config.ts -newer dist/index.html -print -quit 2>/dev/null)" ]; then
      exit 0
    fi
    command -v npm >/dev/null || { echo "[web] npm is missing; installing Node.js"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
    install
    npm run build --silent
    ;;
  check)
    install
    npm run api:check --silent
    npx vitest run
    npm run build --silent
    ;;
  *)
    echo "usage: $0 build|check" >&2
    exit 2
    ;;
esac
