#!/usr/bin/env python3
"""Runs scripted conversations against a running Rebloom and prints them whole,
for reading as the person would (the crisis dialogue's transcripts in the issue
notes come from it).

    python3 bench/transcripts.py bench/transcripts.json [base URL]

Each conversation registers a new person, sets the profile (country, language)
and sends the messages in one session over the REST API.
"""
import json, sys, urllib.request, uuid
BASE = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8080"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})})
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return {"error": e.code, "body": e.read().decode()}
def run(name, profile, messages):
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    r = call("POST", "/api/auth/register", {"email": email, "password": "a long unusual passphrase"})
    if "error" in r:
        sys.exit(f"registering failed: {r}")
    tok = r["accessToken"]; uid = r["user"]["id"]
    call("PATCH", "/api/me/profile", profile, tok)
    print(f"\n==================== {name} {profile}")
    session = None
    for m in messages:
        if session is None:
            r = call("POST", "/api/conversations", {"message": m}, tok)
            session = r.get("sessionId")
        else:
            r = call("POST", f"/api/conversations/{uid}/messages", {"message": m, "sessionId": session}, tok)
        a = r.get("aiResponse", r)
        s = a.get("safety", {})
        print(f"\n> {m}\n  [{s.get('riskLevel')} {s.get('categories')} via {a.get('provider')}]")
        print("  " + (a.get("content") or json.dumps(r)).replace("\n", "\n  "))
if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        conversations = json.load(f)
    for conv in conversations:
        run(conv["name"], conv.get("profile", {}), conv["messages"])
