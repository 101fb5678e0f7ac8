//! Sessions: refresh-token rotation and re-use detection, access-token
//! checks, logout and logout-all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::harness::{Ctx, TestApp};

cases! {
    refresh_rotation: [sqlite, postgres];
    access_tokens: [sqlite, postgres];
    logout: [sqlite, postgres];
}

const PASSWORD: &str = "seven swans a-swimming";

async fn refresh_rotation(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let first = app.register("kai@example.org", PASSWORD).await;
    let other_device = app.login("kai@example.org", PASSWORD).await;

    // A refresh returns a new pair for the same account.
    let body = app
        .refresh_resp(&first.refresh)
        .await
        .success(StatusCode::OK);
    let rotated = crate::harness::Session::from(body);
    assert_eq!(rotated.id(), first.id());
    assert_ne!(rotated.refresh, first.refresh);
    assert_ne!(rotated.access, first.access);
    app.me(&rotated.access).await.success(StatusCode::OK);

    // The old refresh token presented again: re-use, and the session is over.
    app.refresh_resp(&first.refresh)
        .await
        .problem(401, "refresh_token_reused");
    app.refresh_resp(&rotated.refresh)
        .await
        .problem(401, "refresh_token_invalid");
    app.me(&rotated.access).await.problem(401, "session_ended");
    app.me(&first.access).await.problem(401, "session_ended");

    // The other device's session is untouched.
    app.me(&other_device.access).await.success(StatusCode::OK);
    let other = crate::harness::Session::from(
        app.refresh_resp(&other_device.refresh)
            .await
            .success(StatusCode::OK),
    );
    app.me(&other.access).await.success(StatusCode::OK);

    // Garbage.
    for garbage in ["rbr_garbage", "", "   ", &"x".repeat(5000)] {
        app.refresh_resp(garbage)
            .await
            .problem(401, "refresh_token_invalid");
    }

    // Refresh tokens live 7 days: a second before, it works …
    app.advance(Duration::days(7) - Duration::seconds(1));
    let late = crate::harness::Session::from(
        app.refresh_resp(&other.refresh)
            .await
            .success(StatusCode::OK),
    );
    // … and the new one lives 7 days from now; a second after, it is refused.
    app.advance(Duration::days(7) + Duration::seconds(1));
    app.refresh_resp(&late.refresh)
        .await
        .problem(401, "refresh_token_invalid");
    // The expired session's access token is long gone too.
    app.me(&late.access).await.problem(401, "token_expired");
}

/// The claims of a token, decoded without checking anything.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// A token with `alg: none` and no signature.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    format!("{header}.{payload}.")
}

/// Changes one character in the middle of the signature.
fn tamper_signature(token: &str) -> String {
    let (rest, sig) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = sig.chars().collect();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == 'A' { 'B' } else { 'A' };
    format!("{rest}.{}", sig.into_iter().collect::<String>())
}

async fn expect_invalid(app: &TestApp, token: &str, what: &str) {
    let resp = app.me(token).await;
    assert_eq!(
        resp.json()["code"],
        "token_invalid",
        "{what}: {}",
        resp.text()
    );
    resp.problem(401, "token_invalid");
}

async fn access_tokens(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let session = app.register("ana@example.org", PASSWORD).await;
    let secret = app.jwt_secret();
    let claims = claims_of(&session.access);
    assert_eq!(claims["aud"], "rebloom-api");
    assert_eq!(claims["iss"], "rebloom");
    assert_eq!(claims["sub"], session.user["id"]);

    // Control: the same claims signed again with the server's secret are accepted,
    // so the rejections below are for what was changed.
    let resigned = sign(Algorithm::HS256, &claims, &secret);
    app.me(&resigned).await.success(StatusCode::OK);

    // Missing, or not a bearer token.
    app.get("/api/me")
        .send()
        .await
        .problem(401, "token_missing");
    for header in [
        format!("Basic {}", session.access),
        session.access.clone(),
        "Bearer".to_owned(),
        "Bearer not.a.jwt".to_owned(),
        "Bearer ...".to_owned(),
    ] {
        app.get("/api/me")
            .header("authorization", &header)
            .send()
            .await
            .problem(401, "token_invalid");
    }

    expect_invalid(
        &app,
        &tamper_signature(&session.access),
        "tampered signature",
    )
    .await;
    let (header, rest) = session.access.split_once('.').unwrap();
    let sig = rest.rsplit_once('.').unwrap().1;
    let mut promoted = claims.clone();
    promoted["role"] = json!("admin");
    let forged = format!(
        "{header}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&promoted).unwrap())
    );
    expect_invalid(&app, &forged, "changed payload, old signature").await;
    expect_invalid(&app, &unsigned(&claims), "alg none").await;
    expect_invalid(
        &app,
        &format!("{}{sig}", unsigned(&claims)),
        "alg none with a signature",
    )
    .await;
    expect_invalid(
        &app,
        &sign(
            Algorithm::HS256,
            &claims,
            b"another-secret-another-secret-another-secret",
        ),
        "another secret",
    )
    .await;
    expect_invalid(
        &app,
        &sign(Algorithm::HS512, &claims, &secret),
        "HS512 with the right secret",
    )
    .await;
    for (key, value) in [
        ("aud", json!("another-api")),
        ("iss", json!("someone-else")),
        ("sub", json!(uuid::Uuid::now_v7())),
        ("exp", json!("never")),
        // Issued in the future (beyond the leeway).
        ("iat", json!(claims["iat"].as_i64().unwrap() + 3600)),
    ] {
        let mut changed = claims.clone();
        changed[key] = value;
        expect_invalid(
            &app,
            &sign(Algorithm::HS256, &changed, &secret),
            &format!("changed {key}"),
        )
        .await;
    }
    for key in ["aud", "exp", "sub", "iss"] {
        let mut changed = claims.clone();
        changed.as_object_mut().unwrap().remove(key);
        expect_invalid(
            &app,
            &sign(Algorithm::HS256, &changed, &secret),
            &format!("without {key}"),
        )
        .await;
    }

    // Expiry: 15 minutes, on the server's clock.
    app.advance(Duration::minutes(14));
    app.me(&session.access).await.success(StatusCode::OK);
    app.advance(Duration::minutes(1) + Duration::seconds(10));
    app.me(&session.access).await.problem(401, "token_expired");
    // The session itself lives on: a refresh gives a working access token.
    let fresh = crate::harness::Session::from(
        app.refresh_resp(&session.refresh)
            .await
            .success(StatusCode::OK),
    );
    app.me(&fresh.access).await.success(StatusCode::OK);
}

async fn logout(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let email = "noor@example.org";
    let phone = app.register(email, PASSWORD).await;
    let laptop = app.login(email, PASSWORD).await;
    let someone_else = app.register("zoe@example.org", PASSWORD).await;

    // Logout needs a token.
    app.post("/api/auth/logout")
        .send()
        .await
        .problem(401, "token_missing");

    // Logging out the phone ends the phone's session only.
    app.post("/api/auth/logout")
        .token(&phone.access)
        .send()
        .await
        .expect_no_content();
    app.me(&phone.access).await.problem(401, "session_ended");
    app.refresh_resp(&phone.refresh)
        .await
        .problem(401, "refresh_token_invalid");
    app.me(&laptop.access).await.success(StatusCode::OK);
    let laptop = crate::harness::Session::from(
        app.refresh_resp(&laptop.refresh)
            .await
            .success(StatusCode::OK),
    );
    app.me(&laptop.access).await.success(StatusCode::OK);

    // Logout with a refresh token in the body: that session ends as well,
    // but never someone else's.
    let tablet = app.login(email, PASSWORD).await;
    let watch = app.login(email, PASSWORD).await;
    app.post("/api/auth/logout")
        .token(&tablet.access)
        .json(&json!({ "refreshToken": watch.refresh }))
        .send()
        .await
        .expect_no_content();
    app.me(&tablet.access).await.problem(401, "session_ended");
    app.me(&watch.access).await.problem(401, "session_ended");
    let other_tab = app.login(email, PASSWORD).await;
    app.post("/api/auth/logout")
        .token(&other_tab.access)
        .json(&json!({ "refreshToken": someone_else.refresh }))
        .send()
        .await
        .expect_no_content();
    app.me(&someone_else.access).await.success(StatusCode::OK);

    // Logout-all ends every session of the user: both devices, access and refresh.
    let desktop = app.login(email, PASSWORD).await;
    app.post("/api/auth/logout-all")
        .token(&desktop.access)
        .send()
        .await
        .expect_no_content();
    for s in [&laptop, &desktop] {
        app.me(&s.access).await.problem(401, "session_ended");
        app.refresh_resp(&s.refresh)
            .await
            .problem(401, "refresh_token_invalid");
    }
    // Other users are not affected.
    app.me(&someone_else.access).await.success(StatusCode::OK);
    let theirs = crate::harness::Session::from(
        app.refresh_resp(&someone_else.refresh)
            .await
            .success(StatusCode::OK),
    );
    app.me(&theirs.access).await.success(StatusCode::OK);

    // Signing in again starts a fresh session.
    let again = app.login(email, PASSWORD).await;
    app.me(&again.access).await.success(StatusCode::OK);
}
