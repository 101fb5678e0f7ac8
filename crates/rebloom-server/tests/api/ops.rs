//! Operations: health, readiness, metrics, the OpenAPI document, and what every
//! response carries (problem+json errors, request ids, security headers).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::Ctx;

cases! {
    operations: [sqlite, postgres];
    cors: [sqlite];
    web_app: [sqlite];
}

/// The built web app from the same origin: files, `index.html` for app paths,
/// long caching for hashed assets only, a strict CSP, and server paths untouched.
async fn web_app(ctx: Ctx) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dist.path().join("assets")).unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app shell</title>",
    )
    .unwrap();
    std::fs::write(dist.path().join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(dist.path().join("sw.js"), "// worker").unwrap();
    let dir = dist.path().to_path_buf();
    let app = ctx.spawn_app_with(move |c| c.web_dir = dir).await;

    for page in [
        "/",
        "/chat",
        "/chat/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "/settings",
    ] {
        let resp = app.get(page).send().await;
        assert_eq!(resp.status, StatusCode::OK, "{page}");
        assert!(resp.text().contains("app shell"), "{page}");
        assert_eq!(resp.header("cache-control"), Some("no-cache"), "{page}");
        let csp = resp.header("content-security-policy").unwrap();
        for directive in [
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("upgrade-insecure-requests"),
            "{csp}"
        );
    }
    let asset = app.get("/assets/app-1a2b.js").send().await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.content_type().contains("javascript"));
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        app.get("/sw.js").send().await.header("cache-control"),
        Some("no-cache")
    );
    // A missing file is a 404, not the app's page; so are unknown server paths.
    for missing in [
        "/assets/gone-9z.js",
        "/favicon.ico",
        "/api/nothing-here",
        "/docs/nope.js",
    ] {
        let resp = app.get(missing).send().await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(
            resp.content_type().starts_with("application/problem+json"),
            "{missing}"
        );
    }
    let post = app.request(Method::POST, "/chat").send().await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    // The API still answers beside it.
    assert_eq!(app.get("/health").send().await.status, StatusCode::OK);
}

/// Configured origins get CORS headers (and preflights answer); others get none.
async fn cors(ctx: Ctx) {
    let app = ctx
        .spawn_app_with(|c| c.cors_origins = vec!["https://app.rebloom.example".into()])
        .await;
    let allowed = app
        .get("/health")
        .header("origin", "https://app.rebloom.example")
        .send()
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.rebloom.example")
    );
    let other = app
        .get("/health")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    let preflight = app
        .request(Method::OPTIONS, "/api/auth/login")
        .header("origin", "https://app.rebloom.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    let allowed_headers = preflight
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));

    // Without configured origins (the default), no CORS headers at all.
    let same_origin = ctx.spawn_app().await;
    let resp = same_origin
        .get("/health")
        .header("origin", "https://app.rebloom.example")
        .send()
        .await;
    assert_eq!(resp.header("access-control-allow-origin"), None);
}

const BODY_LIMIT: usize = 4 * 1024;

async fn operations(ctx: Ctx) {
    let app = ctx
        .spawn_app_with(|c| c.body_limit_bytes = BODY_LIMIT)
        .await;

    let health = app.get("/health").send().await;
    assert_eq!(health.success(StatusCode::OK), json!({ "status": "ok" }));
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    assert!(
        health
            .header("content-security-policy")
            .unwrap()
            .contains("default-src")
    );

    let root = app.get("/").send().await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(root.content_type().starts_with("text/html"));
    // No web app built in the test's working directory: `/` says how to build it.
    assert!(root.text().contains("Rebloom is running") && root.text().contains("scripts/run.sh"));
    assert!(root.text().contains("/docs/"));

    let ready = app.get("/ready").send().await.success(StatusCode::OK);
    // The test's working directory has no models: crisis detection runs on
    // its rules alone, and readiness says so (with the encoder: tests/api/safety.rs).
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["crisisDetection"], "degraded");
    assert_eq!(ready["store"], ctx.backend().store_name());
    assert_eq!(
        ready["redis"],
        if ctx.backend().has_redis() {
            "ok"
        } else {
            "not_configured"
        }
    );

    // A request id is made for each request, or the caller's is kept.
    let a = app.get("/health").send().await;
    let b = app.get("/health").send().await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    let mine = app
        .get("/health")
        .header("x-request-id", "trace-me-42")
        .send()
        .await;
    assert_eq!(mine.header("x-request-id"), Some("trace-me-42"));

    // A failed login, so that the login counter exists.
    app.login_resp("nobody@example.org", "some password here")
        .await
        .problem(401, "invalid_credentials");
    let metrics = app.get("/metrics").send().await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.content_type().starts_with("text/plain"));
    let text = metrics.text();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("auth_logins_total"), "{text}");
    assert!(text.contains(r#"route="/health""#), "{text}");
    assert!(text.contains("http_request_duration_seconds"), "{text}");

    let doc = app
        .get("/api/openapi.json")
        .send()
        .await
        .success(StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    for path in [
        "/api/auth/login",
        "/api/auth/register",
        "/api/auth/refresh",
        "/api/me/profile",
        "/api/admin/users",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }

    // Unknown API routes and wrong methods: problems, not empty bodies (other
    // paths belong to the web app: see `web_app`).
    for path in ["/api/nope", "/api/auth", "/api/me/profile/extra"] {
        app.get(path).send().await.problem(404, "not_found");
    }
    for (method, path) in [
        (Method::GET, "/api/auth/login"),
        (Method::PUT, "/api/me"),
        (Method::PUT, "/api/me/profile"),
        (Method::POST, "/health"),
    ] {
        let resp = app.request(method.clone(), path).send().await;
        resp.problem(405, "method_not_allowed");
        assert!(resp.header("allow").is_some(), "{method} {path}");
    }

    // A body over the limit: 413, whatever the route.
    let big = json!({ "email": "big@example.org", "password": "x".repeat(BODY_LIMIT) });
    app.post("/api/auth/register")
        .json(&big)
        .send()
        .await
        .problem(413, "payload_too_large");
    app.post("/api/auth/login")
        .json(&big)
        .send()
        .await
        .problem(413, "payload_too_large");
    // Without a declared length (chunked), the limit is met while reading: the same answer.
    let chunked = |body: &str| {
        format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
    };
    let big = big.to_string();
    app.raw(chunked(&big).as_bytes())
        .await
        .problem(413, "payload_too_large");
    let small = json!({ "email": "big@example.org", "password": "some password" }).to_string();
    app.raw(chunked(&small).as_bytes())
        .await
        .problem(401, "invalid_credentials");
    // Just under the limit is read (and then judged on its content).
    let under = json!({ "email": "big@example.org", "password": "x".repeat(BODY_LIMIT - 100) });
    app.post("/api/auth/register")
        .json(&under)
        .send()
        .await
        .field_errors();
}
