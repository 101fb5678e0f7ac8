//! The web app end to end: the real server serving `web/dist`, driven by
//! `web/e2e` (playwright-core in Debian's Chromium), once on the embedded
//! default (SQLite, in-process everything) and once on PostgreSQL + Redis.
//! `bash scripts/test.sh` builds the app and installs the browser first.
//! The SQLite run saves the screenshots in `docs/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Guard, drop_schema, postgres_env, serve};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_e2e(backend: &str, mut env: Vec<(&'static str, Option<String>)>) {
    let web = repo().join("web");
    assert!(
        web.join("dist/index.html").is_file() && web.join("node_modules/playwright-core").exists(),
        "build the web app first: `npm ci --prefix web && npm run build --prefix web` (scripts/test.sh does)"
    );
    let models = repo().join("models");
    assert!(
        models.join("whisper-tiny.en").is_dir(),
        "fetch the on-device models first: `bash scripts/models.sh` (scripts/test.sh does)"
    );
    let data = tempfile::tempdir().unwrap();
    // A spoken sentence for the browser's fake microphone (espeak-ng, as the speech tests use).
    let voice = data.path().join("voice.wav");
    let spoken = Command::new("espeak-ng")
        .args(["-s", "140", "-w"])
        .arg(&voice)
        .arg("I have been feeling stressed about work.")
        .status()
        .unwrap();
    assert!(
        spoken.success(),
        "espeak-ng (scripts/system-deps.sh installs it)"
    );
    env.push((
        "REBLOOM_WEB_DIR",
        Some(web.join("dist").display().to_string()),
    ));
    env.push(("REBLOOM_MODELS_DIR", Some(models.display().to_string())));
    // The tests register a dozen people from one address.
    env.push(("REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE", Some("1000".into())));
    env.push(("REBLOOM_RATE_LIMIT_PER_MINUTE", Some("100000".into())));
    let server = serve(data.path(), "warn", &env);
    assert!(
        server.banner.concat().contains("web app: http://"),
        "{:?}",
        server.banner
    );
    let logs = server.logs.clone();
    let guard = Guard(server.child);
    let mut cmd = Command::new("node");
    cmd.args([
        "--test",
        "--test-reporter=spec",
        "--test-concurrency=1",
        "e2e/",
    ])
    .current_dir(&web)
    .env("REBLOOM_URL", &server.base)
    .env("REBLOOM_FAKE_AUDIO", &voice);
    if backend == "sqlite" {
        cmd.env("REBLOOM_SCREENSHOTS", repo().join("docs/screenshots"));
    }
    let out = cmd.output().unwrap();
    eprintln!(
        "[{backend}] {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(guard);
    let logs = logs.lock().unwrap().clone();
    assert!(
        out.status.success(),
        "web end-to-end tests failed on {backend}; server log:\n{logs}"
    );
    // The server never answered with a 5xx or panicked under the browser.
    assert!(!logs.contains("panicked"), "{logs}");
}

#[test]
fn web_app_end_to_end_on_sqlite() {
    run_e2e(
        "sqlite",
        vec![("REBLOOM_DATABASE_URL", None), ("REBLOOM_REDIS_URL", None)],
    );
}

#[test]
fn web_app_end_to_end_on_postgres_and_redis() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let schema = format!("web_{id}");
    run_e2e("postgres", postgres_env(&schema, &format!("web_{id}:")));
    drop_schema(&schema);
}
