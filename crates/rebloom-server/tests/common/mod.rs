//! Starting the real `rebloom` binary for process-level tests (the CLI, the
//! socket.io client, the web app in Chromium).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub const BIN: &str = env!("CARGO_BIN_EXE_rebloom");

/// A started server: its process, base URL, the banner it printed, and
/// everything it writes to stderr afterwards (its logs).
pub struct Started {
    pub child: Child,
    pub base: String,
    pub banner: Vec<String>,
    pub logs: Arc<Mutex<String>>,
}

/// Starts `rebloom serve` on a free port with `data_dir`, a log level and
/// extra environment (`None` removes a variable); returns once it listens.
pub fn serve(data_dir: &Path, log: &str, env: &[(&str, Option<String>)]) -> Started {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("REBLOOM_DATA_DIR", data_dir)
        .env("REBLOOM_LOG", log)
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut banner = Vec::new();
    let mut base = None;
    // The banner names the URL, then lists the engines.
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "server exited early: {banner:?}"
        );
        banner.push(line.clone());
        if let Some(rest) = line.split("Rebloom is running at ").nth(1) {
            base = rest.split_whitespace().next().map(str::to_owned);
        }
        if line.contains("web app:") {
            break;
        }
    }
    let base = base.expect("the banner names the URL");
    // Keep draining stderr so the server never blocks on a full pipe.
    let logs = Arc::new(Mutex::new(banner.concat()));
    let sink = logs.clone();
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    Started {
        child,
        base,
        banner,
        logs,
    }
}

/// Kills the server when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn test_database_url() -> String {
    std::env::var("REBLOOM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn test_redis_url() -> String {
    std::env::var("REBLOOM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Environment for a replica on a PostgreSQL schema of its own and Redis keys under `prefix`.
pub fn postgres_env(schema: &str, prefix: &str) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("REBLOOM_DATABASE_URL", Some(test_database_url())),
        ("REBLOOM_DATABASE_SCHEMA", Some(schema.to_owned())),
        ("REBLOOM_REDIS_URL", Some(test_redis_url())),
        ("REBLOOM_REDIS_KEY_PREFIX", Some(prefix.to_owned())),
    ]
}

/// Drops a test's PostgreSQL schemas (data and keys).
pub fn drop_schema(schema: &str) {
    let _ = Command::new("psql")
        .env("PGOPTIONS", "--client-min-messages=warning")
        .args([
            test_database_url().as_str(),
            "-q",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema}, {schema}_keys CASCADE"),
        ])
        .status();
}
