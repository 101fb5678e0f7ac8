#!/usr/bin/env bash
# Debian packages the tests and the local-model build need; installs only what is missing.
#   nodejs npm                   the official socket.io client for the real-time tests
#   espeak-ng sox libsox-fmt-mp3 speech for the local speech-to-text tests (voices, resampling, MP3)
#   cmake libclang-dev g++       llama.cpp, built from source by llama-cpp-sys-2 (feature local-llm)
#   chromium fonts-liberation    the web app's end-to-end tests (playwright-core drives Debian's browser)
#   mold                         a fast linker for the test binaries (scripts/linker.sh)
set -euo pipefail
packages=(espeak-ng sox libsox-fmt-mp3 cmake libclang-dev g++ chromium fonts-liberation mold)
missing=()
# Node may come from elsewhere (nodesource, nvm): only its commands matter.
command -v npm >/dev/null || missing+=(nodejs npm)
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
