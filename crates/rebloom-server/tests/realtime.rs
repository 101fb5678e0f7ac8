//! Real-time delivery across replicas, with the official socket.io client:
//! two `rebloom serve` processes share PostgreSQL and Redis, and the Node test
//! in `tests/realtime-js` connects devices to both (websocket and polling).
//! `bash scripts/test.sh` installs the client (`npm ci`) first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Guard, drop_schema, postgres_env, serve};

fn start(data: &std::path::Path, schema: &str, prefix: &str) -> (Guard, String) {
    let started = serve(data, "warn", &postgres_env(schema, prefix));
    assert!(
        started.banner.concat().contains("rate limits: redis"),
        "{:?}",
        started.banner
    );
    (Guard(started.child), started.base)
}

#[test]
fn socket_io_clients_across_two_replicas() {
    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/realtime-js");
    assert!(
        js.join("node_modules/socket.io-client").exists(),
        "run `npm ci --prefix {}` (scripts/test.sh does)",
        js.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let schema = format!("rt_{id}");
    let prefix = format!("rt_{id}:");
    // The first replica generates the shared secrets; the second reads them.
    let a = start(dir.path(), &schema, &prefix);
    let b = start(dir.path(), &schema, &prefix);
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "realtime.test.mjs"])
        .current_dir(&js)
        .env("REBLOOM_A", &a.1)
        .env("REBLOOM_B", &b.1)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    drop((a, b));
    drop_schema(&schema);
    assert!(out.status.success(), "socket.io tests failed");
}
