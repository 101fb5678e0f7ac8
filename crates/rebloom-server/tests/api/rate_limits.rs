//! Per-address rate limits: in-process (one server) and in Redis (shared by
//! every server of a deployment), and what happens when Redis is down.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Ctx, Resp, TestApp};

cases! {
    rate_limits: [sqlite, postgres, postgres_redis];
    shared_redis_window: [postgres_redis];
    redis_down: [postgres];
}

const LIMIT: u32 = 3;

async fn login_from(app: &TestApp, ip: &str) -> Resp {
    app.post("/api/auth/login")
        .ip(ip)
        .json(&json!({ "email": "nobody@example.org", "password": "some password" }))
        .send()
        .await
}

async fn me_from(app: &TestApp, ip: &str) -> Resp {
    app.get("/api/me").ip(ip).send().await
}

async fn rate_limits(ctx: Ctx) {
    let app = ctx
        .spawn_app_with(|c| {
            c.auth_rate_limit_per_minute = LIMIT;
            c.rate_limit_per_minute = LIMIT;
        })
        .await;
    let kind = app.state.limiter.kind();
    assert_eq!(
        kind,
        if ctx.backend().has_redis() {
            "redis"
        } else {
            "in-process"
        }
    );

    // Sign-in: three attempts from one address, the fourth is limited.
    for _ in 0..LIMIT {
        login_from(&app, "192.0.2.10")
            .await
            .problem(401, "invalid_credentials");
    }
    let limited = login_from(&app, "192.0.2.10").await;
    limited.problem(429, "rate_limited");
    let wait = limited.retry_after();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Every sign-in route shares the bucket, whatever the body.
    app.post("/api/auth/register")
        .ip("192.0.2.10")
        .json(&json!({}))
        .send()
        .await
        .problem(429, "rate_limited");
    // Another address still gets through. In a chain only the last entry (the
    // one the trusted proxy appended) counts: a forged left entry changes nothing.
    login_from(&app, "192.0.2.11")
        .await
        .problem(401, "invalid_credentials");
    login_from(&app, "192.0.2.10, 192.0.2.12")
        .await
        .problem(401, "invalid_credentials");
    login_from(&app, "192.0.2.99, 192.0.2.10")
        .await
        .problem(429, "rate_limited");
    // The API bucket is separate: the limited address can still call the API.
    me_from(&app, "192.0.2.10")
        .await
        .problem(401, "token_missing");

    // The API: three requests, then limited; another address unaffected.
    for _ in 0..LIMIT - 1 {
        me_from(&app, "192.0.2.10")
            .await
            .problem(401, "token_missing");
    }
    let limited = me_from(&app, "192.0.2.10").await;
    limited.problem(429, "rate_limited");
    assert!(limited.retry_after() >= 1);
    me_from(&app, "192.0.2.20")
        .await
        .problem(401, "token_missing");
    // Operations endpoints are not limited.
    for _ in 0..5 {
        app.get("/health")
            .ip("192.0.2.10")
            .send()
            .await
            .success(StatusCode::OK);
    }
}

/// Two servers of one deployment (same database, same Redis prefix) count
/// every address together: the fourth request, wherever it lands, is limited.
async fn shared_redis_window(ctx: Ctx) {
    let limits = |c: &mut rebloom_server::Config| {
        c.auth_rate_limit_per_minute = LIMIT;
        c.rate_limit_per_minute = LIMIT;
    };
    let a = ctx.spawn_app_with(limits).await;
    let b = ctx.spawn_app_with(limits).await;
    assert_ne!(a.base_url, b.base_url);

    login_from(&a, "198.51.100.1")
        .await
        .problem(401, "invalid_credentials");
    login_from(&b, "198.51.100.1")
        .await
        .problem(401, "invalid_credentials");
    login_from(&a, "198.51.100.1")
        .await
        .problem(401, "invalid_credentials");
    login_from(&b, "198.51.100.1")
        .await
        .problem(429, "rate_limited");
    login_from(&a, "198.51.100.1")
        .await
        .problem(429, "rate_limited");
    login_from(&b, "198.51.100.2")
        .await
        .problem(401, "invalid_credentials");

    me_from(&b, "198.51.100.1")
        .await
        .problem(401, "token_missing");
    me_from(&a, "198.51.100.1")
        .await
        .problem(401, "token_missing");
    me_from(&b, "198.51.100.1")
        .await
        .problem(401, "token_missing");
    me_from(&a, "198.51.100.1")
        .await
        .problem(429, "rate_limited");

    // The two servers are one deployment: an account made on one signs in on the other.
    let s = a
        .register("both@example.org", "one account two servers")
        .await;
    let on_b = b.login("both@example.org", "one account two servers").await;
    b.me(&s.access).await.success(StatusCode::OK);
    a.me(&on_b.access).await.success(StatusCode::OK);
}

/// Redis unreachable: the server starts, stays ready but says it is degraded
/// (a shared Redis down must not take every replica out of the load balancer),
/// refuses sign-in (fails closed) and keeps answering the rest of the API with
/// in-process limits.
/// (Each request here waits for the failed Redis call first, ~150 ms: few requests.)
async fn redis_down(ctx: Ctx) {
    let app = ctx
        .spawn_app_with(|c| {
            c.redis_url = Some("redis://127.0.0.1:1".into());
            c.redis_key_prefix = "unreachable:".into();
            c.rate_limit_per_minute = 1;
        })
        .await;
    assert_eq!(app.state.limiter.kind(), "redis");

    app.get("/health").send().await.success(StatusCode::OK);
    let ready = app.get("/ready").send().await.success(StatusCode::OK);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["redis"], "unavailable", "{ready}");

    app.login_resp("nobody@example.org", "some password")
        .await
        .problem(503, "rate_limiter_unavailable");
    app.post("/api/auth/refresh")
        .json(&json!({ "refreshToken": "rbr_x" }))
        .send()
        .await
        .problem(503, "rate_limiter_unavailable");

    // The API answers (401, not 5xx), limited in-process.
    me_from(&app, "192.0.2.99")
        .await
        .problem(401, "token_missing");
    me_from(&app, "192.0.2.99")
        .await
        .problem(429, "rate_limited");
    me_from(&app, "192.0.2.98")
        .await
        .problem(401, "token_missing");
}
