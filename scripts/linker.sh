# Sourced by scripts/test.sh and .ci/run: link with mold (Debian package, installed by
# scripts/system-deps.sh) when it is there. The tests are some 45 binaries, each linking the
# whole server, and GNU ld spends minutes on them. Set once, so that clippy and the tests
# share build-script and dependency artefacts (the flags are part of every fingerprint).
if [ -z "${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:-}" ] && command -v mold >/dev/null 2>&1; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-fuse-ld=mold"
fi
