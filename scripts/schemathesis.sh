#!/usr/bin/env bash
# schemathesis (PyPI, pinned) against the OpenAPI document the server serves:
# every operation, every check, signed in; exits non-zero on any failure.
#
# Usage: bash scripts/schemathesis.sh [sqlite|postgres]
#   REBLOOM_BIN                 server binary (default: target/debug/rebloom, built here)
#   SCHEMATHESIS_MAX_EXAMPLES   test cases per operation and phase (default 50: some 7,500 cases in 1 to 2
#                               minutes on a debug build; 100 takes 2 to 4)
#   SCHEMATHESIS_REPORT         also write a report there: JUnit XML if it ends in .xml, else the JSON run report
#   SCHEMATHESIS_SUMMARY        write the one-line summary (operations, cases, failures) there (bench/proof.sh)
#   SCHEMATHESIS_SEED           replay a run (the seed is printed at the start of every run)
#   SCHEMATHESIS_WORKERS        concurrent workers (default 1: Python 3.11 before 3.11.9 can fail
#                               parsing in several threads at once, "AST constructor recursion depth mismatch")
#
# Four accounts take part (schemathesis' Web Fuzzing Commons auth): alice and bob
# (people; peers, so `object_level_authorization` checks that neither sees the
# other's objects), an admin and a clinician. Each operation is sent as alice
# first and as the next identity when it answers 401/403 (admin and clinician
# routes). Nothing is excluded: logout and logout-all end alice's session and
# schemathesis signs in again on the next 401; erasing an account (DELETE
# /api/me) needs its password, which generated data does not carry, and is
# sent for a throwaway account (a wrong password there counts towards the
# sign-in lock-out, which would lock alice out of the rest of the run).
# Positive cases are brought within the rules the document can only state in
# words (see the hooks below). The server log is kept in
# target/schemathesis-<backend>-server.log, failing cases in target/schemathesis-cache.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
case $backend in
  sqlite | postgres) ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
examples=${SCHEMATHESIS_MAX_EXAMPLES:-50}
pg=${REBLOOM_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${REBLOOM_TEST_REDIS_URL:-redis://127.0.0.1:6379}
version=4.32.5
venv=target/schemathesis-venv
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
py="$venv/bin/python"
bin=${REBLOOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --locked --bin rebloom >&2
  bin=./target/debug/rebloom
fi

work=$(mktemp -d)
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
schema="schemathesis_$$_$(date +%s)"
# Limits raised: every request comes from one address (the limits are tested elsewhere).
server_env=(REBLOOM_DATA_DIR="$work/data" REBLOOM_BIND="127.0.0.1:$port" REBLOOM_LOG=warn REBLOOM_LOG_FORMAT=json
  REBLOOM_RATE_LIMIT_PER_MINUTE=100000000 REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE=100000000)
if [ "$backend" = postgres ]; then
  server_env+=(REBLOOM_DATABASE_URL="$pg" REBLOOM_DATABASE_SCHEMA="$schema"
    REBLOOM_REDIS_URL="$redis" REBLOOM_REDIS_KEY_PREFIX="$schema:")
fi
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$backend" = postgres ]; then
    psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema, ${schema}_keys CASCADE" >/dev/null 2>&1 || true
  fi
  cp "$work/server.log" "target/schemathesis-$backend-server.log" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

env -u REBLOOM_BIN "${server_env[@]}" "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "$base/ready" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done

# The accounts: a random password each, registered, then given their role.
declare -A password
for who in alice bob admin clinician; do
  password[$who]=$("$py" -c 'import secrets; print(secrets.token_urlsafe(18))')
  curl -sf -X POST "$base/api/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$who@schemathesis.example.org\",\"password\":\"${password[$who]}\"}" >/dev/null
done
for role in admin clinician; do
  env -u REBLOOM_BIN "${server_env[@]}" REBLOOM_BIND=127.0.0.1:0 "$bin" set-role \
    --email "$role@schemathesis.example.org" --role "$role" >>"$work/server.log" 2>&1
done
# Alice's fixtures, signing in as README says: a session of hers, a memory,
# and a grant of everything to the clinician (so the clinician routes have a
# patient); Dave, the account the admin's changes go to, and Erin, whose
# account the erasure attempts go to (see the hooks).
"$py" - "$base" "$work" "${password[alice]}" "${password[bob]}" "${password[admin]}" "${password[clinician]}" \
  "$PWD/crates/rebloom-core/data/common-passwords.txt" <<'EOF'
import json, sys, urllib.request
base, work, passwords = sys.argv[1], sys.argv[2], dict(zip(["alice", "bob", "admin", "clinician"], sys.argv[3:7]))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, body, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with opener.open(req) as resp:
        return json.load(resp)
email = lambda who: f"{who}@schemathesis.example.org"
signed_in = {who: call("POST", "/api/auth/login", {"email": email(who), "password": p}) for who, p in passwords.items()}
alice = signed_in["alice"]
token = alice["accessToken"]
session = call("POST", "/api/conversations", {"message": "Hello, I had a long week."}, token)
call("PUT", "/api/me/memories/settings", {"enabled": True}, token)
memory = call("POST", "/api/me/memories", {"kind": "coping", "content": "Walking the dog helps me"}, token)
call("POST", "/api/me/grants", {"clinicianEmail": email("clinician"), "scope": "everything"}, token)
# A PHQ-9 answer that ran the crisis protocol: what a session can open a check-in for.
phq9 = call("POST", "/api/me/questionnaires", {"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1]}, token)
dave = call("POST", "/api/auth/register", {"email": email("dave"), "password": passwords["alice"] + "-dave"})
erin = call("POST", "/api/auth/register", {"email": email("erin"), "password": passwords["alice"] + "-erin"})
fixtures = {"userId": alice["user"]["id"], "sessionId": session["sessionId"], "memoryId": memory["id"],
            "checkIn": phq9["response"]["id"],
            "daveId": dave["user"]["id"], "erinToken": erin["accessToken"], "clinicianEmail": email("clinician"),
            "emails": [email(who) for who in passwords], "ids": [s["user"]["id"] for s in signed_in.values()],
            "commonPasswords": sys.argv[7]}
json.dump(fixtures, open(f"{work}/fixtures.json", "w"))
auth = [{
    "name": who,
    "loginEndpointAuth": {
        "endpoint": "/api/auth/login",
        "verb": "POST",
        "contentType": "application/json",
        "payloadRaw": json.dumps({"email": email(who), "password": password}),
        "token": {"extractFrom": "body", "extractSelector": "/accessToken",
                  "sendIn": "header", "sendName": "Authorization", "sendTemplate": "Bearer {token}"},
    },
} for who, password in passwords.items()]
json.dump({"auth": auth}, open(f"{work}/auth.json", "w"))
EOF

# Rules the document states in words because JSON Schema cannot say them:
# values relative to today, the caller's own sessions and a clinician's
# account, parameters that go together or not at all, the common-password
# list. Schema-valid (positive) cases are brought within them before they are
# sent, so that a rejection means the document and the server disagree;
# negative cases are left as generated.
cat >"$work/hooks.py" <<'EOF'
import base64, datetime, json, os, secrets
import schemathesis
from schemathesis.generation.meta import TestPhase

work = os.path.dirname(os.path.abspath(__file__))
FIXTURES = json.load(open(os.path.join(work, "fixtures.json")))
with open(FIXTURES["commonPasswords"], encoding="utf-8") as f:
    COMMON = {line.strip().lower() for line in f if line.strip()}
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney"]


def positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def ours(header):
    """Whether an Authorization header holds a token of one of the run's four accounts."""
    try:
        payload = header.split(" ", 1)[1].split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"] in FIXTURES["ids"]
    except Exception:
        return False


def keep_accounts_usable(case):
    """Wrong passwords count towards an account's sign-in lock-out (5 failures
    lock it, as documented), whether at login or when erasing the account; the
    run must keep signing in as its own accounts. So logins to them go to an
    address no one has, and erasure attempts to Erin, who never signs in again.
    Both operations are still sent, in every mode."""
    body = case.body
    if case.operation.path == "/api/auth/login" and isinstance(body, dict):
        if isinstance(body.get("email"), str) and body["email"].strip().lower() in FIXTURES["emails"]:
            body["email"] = "no-one@schemathesis.example.org"
    if case.operation.path == "/api/me" and case.method.upper() == "DELETE" and case.headers:
        if ours(case.headers.get("Authorization", "")):
            case.headers["Authorization"] = f"Bearer {FIXTURES['erinToken']}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    keep_accounts_usable(case)
    if not positive(case):
        return
    today = datetime.datetime.now(datetime.timezone.utc).date()
    path = case.operation.path
    params = case.path_parameters
    # Outside the stateful phase, whose links carry the ids of what it created.
    if case.meta.phase.name != TestPhase.STATEFUL:
        for name in ("userId", "sessionId"):
            if name in params:
                params[name] = FIXTURES[name]
        if path.startswith("/api/me/memories/") and "id" in params:
            params["id"] = FIXTURES["memoryId"]
        if path.startswith("/api/admin/users/") and "id" in params:
            params["id"] = FIXTURES["daveId"]
    query = case.query
    if query:
        # A range of days: `from` or `range`, not both; `from` at most 731 days before `to`.
        if "from" in query and "range" in query:
            del query["range"]
        if "to" in query:
            query["to"] = today.isoformat()
        if "from" in query:
            query["from"] = (today - datetime.timedelta(days=20)).isoformat()
    body = case.body
    if not isinstance(body, dict):
        return
    if path == "/api/auth/register":
        password = body.get("password")
        if isinstance(password, str) and (password.lower() in COMMON or password.lower() == str(body.get("email", "")).lower()):
            body["password"] = secrets.token_urlsafe(16)
        profile = body.get("profile")
        if isinstance(profile, dict) and profile.get("timezone") is not None:
            profile["timezone"] = secrets.choice(ZONES)
    if body.get("timezone") is not None:
        body["timezone"] = secrets.choice(ZONES)
    # Not in the future, at most a year ago.
    if body.get("recordedAt") is not None:
        at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        body["recordedAt"] = at.isoformat().replace("+00:00", "Z")
    # Today or later.
    if body.get("targetDate") is not None:
        body["targetDate"] = (today + datetime.timedelta(days=30)).isoformat()
    # The Monday of a finished week, in any time zone.
    if body.get("weekStart") is not None:
        body["weekStart"] = (today - datetime.timedelta(days=today.weekday() + 14)).isoformat()
    # One of the caller's sessions.
    if body.get("sessionId") is not None:
        body["sessionId"] = FIXTURES["sessionId"]
    # A check-in opens a session for the caller's own crisis answer, without a message.
    if body.get("checkIn") is not None:
        body["checkIn"] = FIXTURES["checkIn"]
        body.pop("message", None)
    # A clinician's account; sessions only with (and then for) the `conversations` scope.
    if "clinicianEmail" in body:
        body["clinicianEmail"] = FIXTURES["clinicianEmail"]
        body["sessionIds"] = [FIXTURES["sessionId"]] if body.get("scope") == "conversations" else []
    # Quiet hours: both or neither.
    if (body.get("quietStart") is None) != (body.get("quietEnd") is None):
        body["quietStart"] = body.get("quietStart") or "22:00"
        body["quietEnd"] = body.get("quietEnd") or "07:00"
    # E-mail reminders only where the server sends e-mail (this one does not).
    if path == "/api/me/reminders" and body.get("email"):
        body["email"] = False
    # One answer per item: 9 for PHQ-9, 7 for GAD-7.
    if isinstance(body.get("answers"), list) and body.get("instrument") in ("phq9", "gad7"):
        count = 9 if body["instrument"] == "phq9" else 7
        body["answers"] = (body["answers"] + [0] * count)[:count]
EOF

cat >"$work/schemathesis.toml" <<EOF
hooks = "$work/hooks.py"

# Failing cases are kept here and replayed first on the next run.
[cache]
directory = "$PWD/target/schemathesis-cache/$backend"

[auth.wfc]
path = "$work/auth.json"
peers = ["alice", "bob"]

# The defaults and 410: like 404, a statement about the resource (an export
# downloads once, then is gone), not about whether the request was well formed.
# And 415 for a voice message: whether uploaded bytes are audio the server can
# decode is not something JSON Schema can say, and generated bytes are rightly
# refused as "unsupported_audio" (a schema-valid JSON body never gets 415: its
# content type is the one documented). A per-operation override in
# [[operations]] did not take effect in schemathesis 4.32.5.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "415", "429", "5xx"]
EOF

junit="$work/junit.xml"
json="$work/report.json"
case ${SCHEMATHESIS_REPORT:-} in
  *.xml) junit=$SCHEMATHESIS_REPORT ;;
  ?*) json=$SCHEMATHESIS_REPORT ;;
esac
args=(run "$base/api/openapi.json" --checks all --max-examples "$examples"
  --workers "${SCHEMATHESIS_WORKERS:-1}" --generation-database none
  --report junit,json --report-junit-path "$junit" --report-json-path "$json" --no-color)
[ -n "${SCHEMATHESIS_SEED:-}" ] && args+=(--seed "$SCHEMATHESIS_SEED")
echo "== schemathesis $version on $backend ($bin), $examples examples per operation" >&2
status=0
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" "${args[@]}" || status=$?

# The figures, from the JSON run report.
"$py" - "$json" "$backend" <<'EOF' || status=1
import json, os, sys
r = json.load(open(sys.argv[1]))
ops, cases = r["operations"], r["test_cases"]
failures = sum(f["count"] for f in r["failures"])
errors = sum(e["count"] for e in r["errors"])
summary = (f"schemathesis {r['schemathesis_version']} ({sys.argv[2]}): {ops['tested']} of {ops['total']} operations, "
           f"{cases['generated']} cases, {cases['with_failures']} with failures, {failures} failures, "
           f"{errors} errors, {r['running_time']:.0f} s, seed {r['seed']}")
print(summary)
if os.environ.get("SCHEMATHESIS_SUMMARY"):
    with open(os.environ["SCHEMATHESIS_SUMMARY"], "w") as out:
        out.write(summary + "\n")
for f in r["failures"]:
    print(f"  {f['title']} ({f['count']}): {', '.join(f['operations'])}")
if r["auth"]["reauth_broke"]:
    print("  signing in again failed: the rest of the run went unauthenticated")
sys.exit(1 if failures or errors or not r["complete"] or r["auth"]["reauth_broke"] or ops["tested"] < ops["total"] else 0)
EOF
if [ "$status" -ne 0 ]; then
  echo "server log (last lines; all of it in target/schemathesis-$backend-server.log):" >&2
  tail -n 20 "$work/server.log" >&2
fi
exit "$status"
