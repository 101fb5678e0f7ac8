//! Registration, login and the per-account lock-out.

use reqwest::StatusCode;
use serde_json::json;
use time::Duration;

use crate::harness::{Ctx, TestApp, fields};

cases! {
    register: [sqlite, postgres];
    login: [sqlite, postgres];
    lockout: [sqlite, postgres];
    lockout_unknown_email: [sqlite, postgres];
}

const PASSWORD: &str = "a quiet harbour at dawn";

async fn register_errors(app: &TestApp, body: serde_json::Value) -> Vec<(String, String)> {
    app.post("/api/auth/register")
        .json(&body)
        .send()
        .await
        .field_errors()
}

async fn register(ctx: Ctx) {
    let app = ctx.spawn_app().await;

    // Created, with both tokens and the account; the e-mail is stored in lower case.
    let resp = app
        .post("/api/auth/register")
        .json(&json!({ "email": "  Sam.Rivera@Example.ORG ", "password": PASSWORD }))
        .send()
        .await;
    let body = resp.success(StatusCode::CREATED);
    assert!(body["accessToken"].as_str().unwrap().len() > 20);
    assert!(body["refreshToken"].as_str().unwrap().starts_with("rbr_"));
    let user = &body["user"];
    assert_eq!(user["email"], "sam.rivera@example.org");
    assert_eq!(user["role"], "user");
    assert_eq!(user["onboardingCompleted"], false);
    assert!(user["createdAt"].is_string());
    assert!(body.get("passwordHash").is_none() && user.get("passwordHash").is_none());

    let access = body["accessToken"].as_str().unwrap();
    let me = app.me(access).await.success(StatusCode::OK);
    assert_eq!(me["id"], user["id"]);
    assert_eq!(me["email"], "sam.rivera@example.org");

    // The same address in another case is taken.
    app.post("/api/auth/register")
        .json(&json!({ "email": "SAM.RIVERA@example.org", "password": "another long passphrase" }))
        .send()
        .await
        .problem(409, "email_taken");

    // Field validation: each problem named by field with a stable code.
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "not-an-email", "password": PASSWORD })
        )
        .await,
        fields(&[("email", "invalid_email")])
    );
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "a@example.org", "password": "short" })
        )
        .await,
        fields(&[("password", "too_short")])
    );
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "a@example.org", "password": "password1" })
        )
        .await,
        fields(&[("password", "too_common")])
    );
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "a@example.org", "password": "PassWord1" })
        )
        .await,
        fields(&[("password", "too_common")])
    );
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "a@example.org", "password": "x".repeat(257) })
        )
        .await,
        fields(&[("password", "too_long")])
    );
    assert_eq!(
        register_errors(
            &app,
            json!({ "email": "a@example.org", "password": "A@Example.org" })
        )
        .await,
        fields(&[("password", "same_as_email")])
    );
    // Several at once, all reported.
    let mut errors = register_errors(
        &app,
        json!({
            "email": "nobody at example",
            "password": "1234",
            "profile": { "ageRange": "12" },
        }),
    )
    .await;
    errors.sort();
    assert_eq!(
        errors,
        fields(&[
            ("ageRange", "invalid_choice"),
            ("email", "invalid_email"),
            ("password", "too_short"),
        ])
    );
    // Nothing was created by the rejected attempts.
    app.login_resp("a@example.org", PASSWORD)
        .await
        .problem(401, "invalid_credentials");

    // A 200-character password is accepted and used whole, never truncated.
    let long: String = "correct horse battery staple "
        .chars()
        .cycle()
        .take(199)
        .chain(['!'])
        .collect();
    assert_eq!(long.chars().count(), 200);
    app.register("long@example.org", &long).await;
    app.login("long@example.org", &long).await;
    app.login_resp("long@example.org", &long[..199])
        .await
        .problem(401, "invalid_credentials");
    // 256 characters (in multi-byte characters too) is the upper bound, counted in characters.
    let max: String = "é".repeat(256);
    let resp = app
        .post("/api/auth/register")
        .json(&json!({ "email": "max@example.org", "password": max }))
        .send()
        .await;
    resp.success(StatusCode::CREATED);
}

async fn login(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let registered = app.register("robin@example.org", PASSWORD).await;

    // Success, also with the e-mail in another case and surrounding spaces.
    let session = app.login(" Robin@EXAMPLE.org", PASSWORD).await;
    assert_eq!(session.id(), registered.id());
    assert_ne!(session.refresh, registered.refresh);
    app.me(&session.access).await.success(StatusCode::OK);

    // Wrong password and unknown e-mail: the same status and the same bytes.
    let wrong = app
        .login_resp("robin@example.org", "not the password")
        .await;
    let unknown = app.login_resp("nobody@example.org", PASSWORD).await;
    wrong.problem(401, "invalid_credentials");
    unknown.problem(401, "invalid_credentials");
    assert_eq!(wrong.json(), unknown.json());
    assert_eq!(wrong.body, unknown.body);
    // An over-long password is refused the same way.
    let too_long = app.login_resp("robin@example.org", &"p".repeat(300)).await;
    too_long.problem(401, "invalid_credentials");
    assert_eq!(too_long.body, wrong.body);

    // Malformed JSON.
    app.post("/api/auth/login")
        .body(
            "application/json",
            r#"{"email": "robin@example.org", "password": "#,
        )
        .send()
        .await
        .problem(400, "invalid_json");
    // A valid object followed by more: not JSON either, so no login.
    app.post("/api/auth/login")
        .body(
            "application/json",
            format!(r#"{{"email": "robin@example.org", "password": "{PASSWORD}"}} {{}}"#),
        )
        .send()
        .await
        .problem(400, "invalid_json");
    // Not JSON at all.
    app.post("/api/auth/login")
        .body(
            "application/x-www-form-urlencoded",
            "email=robin%40example.org&password=x",
        )
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/api/auth/login")
        .body(
            "text/plain",
            r#"{"email":"robin@example.org","password":"x"}"#,
        )
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // No content type at all.
    app.post("/api/auth/login")
        .bytes(r#"{"email":"robin@example.org","password":"x"}"#)
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // A missing field is a 422.
    let resp = app
        .post("/api/auth/login")
        .json(&json!({ "email": "robin@example.org" }))
        .send()
        .await;
    let errors = resp.field_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].1, "invalid");
    assert!(
        resp.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{}",
        resp.text()
    );
    // An unknown field too.
    app.post("/api/auth/login")
        .json(&json!({ "email": "robin@example.org", "password": PASSWORD, "remember": true }))
        .send()
        .await
        .problem(422, "validation_failed");
}

/// The lock-out is per account: five failures lock it for 30 s whatever the
/// client address, each further failure doubles the lock, success resets.
async fn lockout(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let email = "lee@example.org";
    app.register(email, PASSWORD).await;

    for i in 0..5 {
        app.login_resp(email, &format!("wrong password {i}"))
            .await
            .problem(401, "invalid_credentials");
    }
    // Locked: even the right password is refused, from any address.
    let locked = app.login_resp(email, PASSWORD).await;
    locked.problem(429, "account_locked");
    assert_eq!(locked.retry_after(), 30);
    let resp = app
        .post("/api/auth/login")
        .ip("203.0.113.77")
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await;
    resp.problem(429, "account_locked");
    // The e-mail's case and spaces do not make another account key.
    app.login_resp(" LEE@example.org ", PASSWORD)
        .await
        .problem(429, "account_locked");
    // Locked attempts do not count as failures: 29 s later it is 1 s to go.
    app.advance(Duration::seconds(29));
    assert_eq!(
        app.login_resp(email, PASSWORD).await.retry_after(),
        1,
        "the lock did not stay at 30 s"
    );

    // 31 s after the fifth failure: open again; success resets the count.
    app.advance(Duration::seconds(2));
    app.login(email, PASSWORD).await;

    // Five more failures are needed to lock again (the count was reset).
    for i in 0..5 {
        app.post("/api/auth/login")
            .ip(&format!("198.51.100.{i}"))
            .json(&json!({ "email": email, "password": "still wrong" }))
            .send()
            .await
            .problem(401, "invalid_credentials");
    }
    app.login_resp(email, PASSWORD)
        .await
        .problem(429, "account_locked");

    // A sixth failure after the first lock ends locks it for 60 s.
    app.advance(Duration::seconds(31));
    app.login_resp(email, "wrong again")
        .await
        .problem(401, "invalid_credentials");
    let locked = app.login_resp(email, PASSWORD).await;
    locked.problem(429, "account_locked");
    assert_eq!(locked.retry_after(), 60);
    app.advance(Duration::seconds(31));
    let locked = app.login_resp(email, PASSWORD).await;
    locked.problem(429, "account_locked");
    assert_eq!(locked.retry_after(), 29);
    app.advance(Duration::seconds(30));
    app.login(email, PASSWORD).await;

    // Other accounts were never affected.
    app.register("other@example.org", PASSWORD).await;
    app.login("other@example.org", PASSWORD).await;
}

/// Addresses without an account lock exactly like real ones: no enumeration.
async fn lockout_unknown_email(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let known = "known@example.org";
    app.register(known, PASSWORD).await;
    let unknown = "ghost@example.org";

    let mut known_bodies = Vec::new();
    let mut unknown_bodies = Vec::new();
    for i in 0..5 {
        let password = format!("wrong {i}");
        let k = app.login_resp(known, &password).await;
        k.problem(401, "invalid_credentials");
        let u = app.login_resp(unknown, &password).await;
        u.problem(401, "invalid_credentials");
        known_bodies.push(k.body);
        unknown_bodies.push(u.body);
    }
    assert_eq!(known_bodies, unknown_bodies);
    let k = app.login_resp(known, PASSWORD).await;
    let u = app.login_resp(unknown, PASSWORD).await;
    k.problem(429, "account_locked");
    u.problem(429, "account_locked");
    assert_eq!(k.body, u.body);
    assert_eq!(k.retry_after(), u.retry_after());

    app.advance(Duration::seconds(31));
    app.login_resp(unknown, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    app.login(known, PASSWORD).await;
}
