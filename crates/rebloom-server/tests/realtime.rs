//! Real-time delivery across replicas, with the official socket.io client:
//! two `rebloom serve` processes share PostgreSQL and Redis, and the Node test
//! in `tests/realtime-js` connects devices to both (websocket and polling).
//! `bash scripts/test.sh` installs the client (`npm ci`) first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rebloom");

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, schema: &str, prefix: &str) -> Server {
    let pg = std::env::var("REBLOOM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let redis =
        std::env::var("REBLOOM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("REBLOOM_DATA_DIR", data)
        .env("REBLOOM_DATABASE_URL", pg)
        .env("REBLOOM_DATABASE_SCHEMA", schema)
        .env("REBLOOM_REDIS_URL", redis)
        .env("REBLOOM_REDIS_KEY_PREFIX", prefix)
        .env("REBLOOM_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut base = None;
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "server exited: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.split("Rebloom is running at ").nth(1) {
            base = rest.split_whitespace().next().map(str::to_owned);
        }
        if line.contains("rate limits:") {
            break;
        }
    }
    assert!(seen.contains("rate limits: redis"), "{seen}");
    std::thread::spawn(move || for _ in reader.lines() {});
    Server {
        child,
        base: base.unwrap(),
    }
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
        .env("REBLOOM_A", &a.base)
        .env("REBLOOM_B", &b.base)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    drop((a, b));
    let pg = std::env::var("REBLOOM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let _ = Command::new("psql")
        .env("PGOPTIONS", "--client-min-messages=warning")
        .args([
            pg.as_str(),
            "-q",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema}, {schema}_keys CASCADE"),
        ])
        .status();
    assert!(out.status.success(), "socket.io tests failed");
}
