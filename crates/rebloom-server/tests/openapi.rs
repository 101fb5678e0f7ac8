//! The committed OpenAPI document must match what the code generates.
//! Regenerate with: `cargo run --bin rebloom -- openapi > docs/openapi.json`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn committed_openapi_matches_the_code() {
    let generated = rebloom_server::http::openapi::document_json().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; regenerate it with \
         `cargo run --bin rebloom -- openapi > docs/openapi.json`"
    );
}

#[test]
fn document_is_openapi_3_1_with_every_route() {
    let doc: serde_json::Value =
        serde_json::from_str(&rebloom_server::http::openapi::document_json().unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/logout-all",
        "/api/me",
        "/api/me/profile",
        "/api/me/preferences",
        "/api/admin/users",
        "/api/admin/users/{id}",
        "/health",
        "/ready",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
