//! Error reports reach Sentry, and carry no request content. A local HTTP
//! server stands in for Sentry's ingestion endpoint (its envelope API).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use rebloom_server::{App, Config, telemetry};
use secrecy::SecretString;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_errors_are_reported_without_content() {
    // The stand-in Sentry.
    let received: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let sink = received.clone();
    let sentry_app = Router::new().route(
        "/api/{project}/envelope/",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body);
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sentry_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, sentry_app).await });

    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        sentry_dsn: Some(SecretString::from(format!(
            "http://publickey@{sentry_addr}/1"
        ))),
        log_format: "json".into(),
        ..Config::default()
    };
    let guard = telemetry::init(&config);
    let app = App::build(config).await.unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    let db = dir.path().join("rebloom.db");
    tokio::spawn(app.run(std::future::pending()));

    let client = reqwest::Client::new();
    let tokens: Value = client
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"email": "s@example.org", "password": "a long unusual passphrase"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["accessToken"].as_str().unwrap();

    // Break the store behind the server's back so the next profile write fails inside.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("DROP TABLE user_profiles")
        .execute(&pool)
        .await
        .unwrap();

    let canary = "CANARY-7f3a-my-secret-worry";
    let resp = client
        .patch(format!("{base}/api/me/profile"))
        .bearer_auth(token)
        .json(&json!({"displayName": canary, "goals": [canary]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body = resp.text().await.unwrap();
    assert!(body.contains("internal_error"));
    assert!(
        !body.contains("user_profiles"),
        "internal detail leaked: {body}"
    );

    // Dropping the guard flushes the Sentry client.
    drop(guard);
    let envelopes = received.lock().unwrap().clone();
    assert!(
        !envelopes.is_empty(),
        "no error report reached the Sentry stand-in"
    );
    let all = envelopes
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect::<String>();
    assert!(
        all.contains("internal error"),
        "report lacks the error: {all}"
    );
    assert!(!all.contains(canary), "message content reached Sentry");
    assert!(
        !all.contains("s@example.org"),
        "the e-mail address reached Sentry"
    );
}
