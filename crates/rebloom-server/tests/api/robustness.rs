//! Malformed requests of every kind: never a 5xx, always problem+json.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::Ctx;

cases! {
    malformed_requests: [sqlite, postgres];
    bodies_as_documented: [sqlite, postgres];
}

enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

enum Auth {
    Anonymous,
    User,
    Admin,
}

struct Case {
    method: Method,
    path: String,
    auth: Auth,
    body: Body,
}

fn post(path: &str, body: Body) -> Case {
    Case {
        method: Method::POST,
        path: path.to_owned(),
        auth: Auth::Anonymous,
        body,
    }
}

fn json_body(s: &str) -> Body {
    Body::Raw("application/json", s.as_bytes().to_vec())
}

/// A JSON array nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Wrong JSON types for every field of `fields`, each on its own.
fn wrong_types(fields: &[&str]) -> Vec<Value> {
    let wrong = [
        json!(null),
        json!(1),
        json!(-1.5),
        json!(true),
        json!([]),
        json!(["a"]),
        json!({}),
        json!({ "a": 1 }),
        json!(""),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
    ];
    let mut out = Vec::new();
    for field in fields {
        for w in &wrong {
            out.push(json!({ *field: w }));
        }
    }
    out
}

async fn malformed_requests(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let user = app
        .register("user@example.org", "a sturdy old oak tree")
        .await;
    let admin = app
        .register("admin@example.org", "a sturdy old oak tree")
        .await;
    app.set_role(admin.id(), rebloom_store::Role::Admin).await;
    let user_id = user.id().to_owned();

    let mut cases: Vec<Case> = Vec::new();

    // Wrong JSON types for every field, and for the whole body.
    let valid_register = json!({ "email": "x@example.org", "password": "a sturdy old oak tree" });
    for partial in wrong_types(&["email", "password", "profile"]) {
        let mut body = valid_register.clone();
        body.as_object_mut()
            .unwrap()
            .extend(partial.as_object().unwrap().clone());
        let profile = &body["profile"];
        if profile.is_null() || *profile == json!({}) || profile.is_array() {
            // Valid: no profile, or an empty one. (Arrays are accepted as objects
            // written positionally, serde's default for structs.)
            continue;
        }
        cases.push(post("/api/auth/register", Body::Json(body)));
    }
    let valid_login = json!({ "email": "user@example.org", "password": "a sturdy old oak tree" });
    for partial in wrong_types(&["email", "password"]) {
        let mut body = valid_login.clone();
        body.as_object_mut()
            .unwrap()
            .extend(partial.as_object().unwrap().clone());
        cases.push(post("/api/auth/login", Body::Json(body)));
    }
    for partial in wrong_types(&["refreshToken"]) {
        cases.push(post("/api/auth/refresh", Body::Json(partial)));
    }
    for path in ["/api/auth/register", "/api/auth/login", "/api/auth/refresh"] {
        for whole in [
            json!(null),
            json!([]),
            json!("text"),
            json!(42),
            json!({}),
            json!([{ "email": "a@b.c" }]),
        ] {
            cases.push(post(path, Body::Json(whole)));
        }
    }
    let profile_fields = [
        "displayName",
        "ageRange",
        "timezone",
        "language",
        "country",
        "goals",
        "mentalHealthHistory",
        "therapeuticPreferences",
        "communicationPreferences",
        "privacySettings",
        "onboardingStep",
        "onboardingCompleted",
    ];
    for body in wrong_types(&profile_fields) {
        // Values that are valid for a field (null clears, `{}` merges nothing, …) are not malformed.
        let (field, value) = body.as_object().unwrap().iter().next().unwrap();
        let valid = value.is_null()
            || match field.as_str() {
                "displayName" => value.is_string(),
                "goals" => value
                    .as_array()
                    .is_some_and(|a| a.iter().all(|g| g.as_str().is_some_and(|g| !g.is_empty()))),
                "mentalHealthHistory" => value.is_object(),
                // Arrays: see above (positional objects).
                "therapeuticPreferences" | "communicationPreferences" | "privacySettings" => {
                    *value == json!({}) || value.is_array()
                }
                "onboardingCompleted" => value.is_boolean(),
                _ => false,
            };
        if valid {
            continue;
        }
        cases.push(Case {
            method: Method::PATCH,
            path: "/api/me/profile".into(),
            auth: Auth::User,
            body: Body::Json(body),
        });
    }
    let nested_fields = [
        ("therapeuticPreferences", "approach"),
        ("therapeuticPreferences", "secondaryApproaches"),
        ("communicationPreferences", "tone"),
        ("communicationPreferences", "replyLength"),
        ("communicationPreferences", "useName"),
        ("communicationPreferences", "reminderTime"),
        ("communicationPreferences", "quietHoursStart"),
        ("privacySettings", "memoryEnabled"),
        ("privacySettings", "dataRetentionDays"),
    ];
    for (outer, inner) in nested_fields {
        for value in [
            json!(1),
            json!(-1),
            json!(1.5),
            json!(1e300),
            json!(u64::MAX),
            json!("x"),
            json!([[[1]]]),
            json!({ "a": [] }),
        ] {
            for path in ["/api/me/profile", "/api/me/preferences"] {
                cases.push(Case {
                    method: Method::PATCH,
                    path: path.into(),
                    auth: Auth::User,
                    body: Body::Json(json!({ outer: { inner: value } })),
                });
            }
        }
    }
    // Huge numbers, written out (beyond what any integer or float type holds).
    for raw in [
        r#"{"privacySettings": {"dataRetentionDays": 99999999999999999999999999999}}"#,
        r#"{"privacySettings": {"dataRetentionDays": 4294967296}}"#,
        r#"{"privacySettings": {"dataRetentionDays": 1e999}}"#,
        r#"{"goals": [1e999]}"#,
        r#"{"onboardingCompleted": 1}"#,
        r#"{"mentalHealthHistory": {"n": 1e999}}"#,
    ] {
        cases.push(Case {
            method: Method::PATCH,
            path: "/api/me/profile".into(),
            auth: Auth::User,
            body: json_body(raw),
        });
    }
    // Deep nesting, as the body and inside fields.
    for raw in [
        nested(100_000),
        format!(r#"{{"email": {}, "password": "x"}}"#, nested(1_000)),
        format!(r#"{{"mentalHealthHistory": {{"a": {}}}}}"#, nested(1_000)),
        format!(r#"{{"goals": {}}}"#, nested(200)),
    ] {
        for path in ["/api/auth/register", "/api/me/profile"] {
            cases.push(Case {
                method: if path == "/api/me/profile" {
                    Method::PATCH
                } else {
                    Method::POST
                },
                path: path.into(),
                auth: Auth::User,
                body: Body::Raw("application/json", raw.clone().into_bytes()),
            });
        }
    }
    // Not UTF-8, broken escapes, truncated and empty bodies.
    let raws: Vec<Vec<u8>> = vec![
        b"{\"email\": \"\xff\xfe@example.org\", \"password\": \"a sturdy old oak tree\"}".to_vec(),
        vec![0xff, 0x00, 0x80, 0xc3],
        b"{\"email\": \"a@example.org\", \"password\": \"\\ud800 lone surrogate\"}".to_vec(),
        b"{\"email\": \"a@example.org\", \"password\": \"\\uZZZZ\"}".to_vec(),
        b"{\"email\": \"a@example.org\", ".to_vec(),
        b"{\"email\": \"a@example.org\", \"email\": \"b@example.org\", \"password\": \"a sturdy old oak tree\"}".to_vec(),
        b"".to_vec(),
        b"   ".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        b"{} trailing".to_vec(),
        b"{}{}".to_vec(),
    ];
    for raw in &raws {
        for path in ["/api/auth/register", "/api/auth/login", "/api/auth/refresh"] {
            cases.push(post(path, Body::Raw("application/json", raw.clone())));
        }
        cases.push(Case {
            method: Method::PATCH,
            path: "/api/me/profile".into(),
            auth: Auth::User,
            body: Body::Raw("application/json", raw.clone()),
        });
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue; // logout without a body is a valid logout
        }
        cases.push(Case {
            method: Method::POST,
            path: "/api/auth/logout".into(),
            auth: Auth::User,
            body: Body::Raw("application/json", raw.clone()),
        });
    }
    // Odd content types.
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "",
    ] {
        cases.push(post(
            "/api/auth/login",
            Body::Raw(
                content_type,
                br#"{"email":"a@b.c","password":"x"}"#.to_vec(),
            ),
        ));
    }

    // Administration: wrong ids, wrong queries, wrong bodies (as an admin).
    for id in [
        "not-a-uuid",
        "123",
        "00000000-0000-0000-0000-00000000000g",
        "%FF%FE",
        "%00",
        &"a".repeat(5000),
    ] {
        cases.push(Case {
            method: Method::PATCH,
            path: format!("/api/admin/users/{id}"),
            auth: Auth::Admin,
            body: Body::Json(json!({ "role": "user" })),
        });
    }
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "limit=1.5",
        "limit=99999999999999999999",
        "limit=%FF",
        "after=not-a-uuid",
        "after=",
        "limit=",
        "limit=1&limit=2",
    ] {
        cases.push(Case {
            method: Method::GET,
            path: format!("/api/admin/users?{query}"),
            auth: Auth::Admin,
            body: Body::None,
        });
    }
    for body in wrong_types(&["role", "disabled"]) {
        let value = body.as_object().unwrap().values().next().unwrap();
        if value.is_null() || value.is_boolean() {
            continue; // valid: absent (nothing to change), or a real change
        }
        cases.push(Case {
            method: Method::PATCH,
            path: format!("/api/admin/users/{user_id}"),
            auth: Auth::Admin,
            body: Body::Json(body),
        });
    }
    // (No arrays here: they pass as objects written positionally, see above.)
    for whole in [json!(null), json!("admin"), json!(42), json!(true)] {
        cases.push(Case {
            method: Method::PATCH,
            path: format!("/api/admin/users/{user_id}"),
            auth: Auth::Admin,
            body: Body::Json(whole),
        });
    }

    let count = cases.len();
    for case in cases {
        let label = format!(
            "{} {} with {}",
            case.method,
            case.path.chars().take(80).collect::<String>(),
            match &case.body {
                Body::None => "no body".to_owned(),
                Body::Json(v) => v.to_string().chars().take(120).collect(),
                Body::Raw(ct, b) => format!(
                    "{ct:?} {}",
                    String::from_utf8_lossy(b)
                        .chars()
                        .take(120)
                        .collect::<String>()
                ),
            }
        );
        let mut req = app.request(case.method, &case.path);
        req = match case.auth {
            Auth::Anonymous => req,
            Auth::User => req.token(&user.access),
            Auth::Admin => req.token(&admin.access),
        };
        req = match case.body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Raw("", bytes) => req.bytes(bytes),
            Body::Raw(ct, bytes) => req.body(ct, bytes),
        };
        let resp = req.send().await;
        assert!(
            resp.status.is_client_error(),
            "{label}: {} {}",
            resp.status,
            resp.text()
        );
        resp.any_problem();
    }
    assert!(count > 300, "only {count} cases");

    // Odd headers: never a 5xx either.
    let cases: Vec<(&'static str, &[u8])> = vec![
        ("authorization", b"Bearer \xff\xfe"),
        ("authorization", b"Bearer a.b.c"),
        ("authorization", b"\xc3\xa9"),
        ("x-forwarded-for", b"\xff"),
        ("x-forwarded-for", b"not-an-ip"),
        ("x-forwarded-for", b", , ,"),
        ("content-type", b"application/json; charset=\xff"),
    ];
    for (name, value) in cases {
        let resp = app.get("/api/me").raw_header(name, value).send().await;
        assert_eq!(resp.status, 401, "{name}: {}", resp.text());
        resp.any_problem();
    }

    // Nothing of this changed the accounts.
    app.me(&user.access).await.success(reqwest::StatusCode::OK);
    let listed = app
        .get("/api/admin/users")
        .token(&admin.access)
        .send()
        .await
        .success(reqwest::StatusCode::OK);
    assert_eq!(listed["users"].as_array().unwrap().len(), 2, "{listed}");
}

/// Bodies are read as the OpenAPI document describes them: JSON only (415
/// otherwise), `88.0` is an integer, an optional body may be `null`, a nested
/// object may not be written as an array, and no key may repeat.
async fn bodies_as_documented(ctx: Ctx) {
    use reqwest::StatusCode;
    let app = ctx.spawn_app().await;
    let s = app
        .register("bodies@example.org", "a sturdy old oak tree")
        .await;

    // Another content type: 415, also where the body is hashed for idempotency.
    for path in ["/api/conversations", "/api/me/moods"] {
        app.post(path)
            .token(&s.access)
            .body("text/plain", r#"{"moodScore": 5}"#)
            .send()
            .await
            .problem(415, "unsupported_media_type");
    }

    // An integer may be written with a zero fraction; a fraction is refused.
    let mood = app
        .post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 6.0 }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(mood["moodScore"], 6);
    let resp = app
        .post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 6.5 }))
        .send()
        .await;
    assert_eq!(resp.field_errors()[0].0, "moodScore", "{}", resp.text());

    // Optional bodies: none, or `null`.
    let started = app.start(&s, json!({})).await;
    let session = started["sessionId"].as_str().unwrap();
    app.post(&format!("/api/conversations/sessions/{session}/end"))
        .token(&s.access)
        .body("application/json", "null")
        .send()
        .await
        .success(StatusCode::OK);
    app.post("/api/auth/logout")
        .token(&s.access)
        .body("application/json", "null")
        .send()
        .await
        .expect_no_content();
    let s = app
        .login("bodies@example.org", "a sturdy old oak tree")
        .await;

    // A nested object written as an array of its fields is not one.
    for (path, body, field) in [
        (
            "/api/me/preferences",
            json!({ "therapeuticPreferences": [null, null] }),
            "therapeuticPreferences",
        ),
        (
            "/api/me/profile",
            json!({ "privacySettings": [true] }),
            "privacySettings",
        ),
    ] {
        let resp = app.patch(path).token(&s.access).json(&body).send().await;
        assert_eq!(resp.field_errors()[0].0, field, "{}", resp.text());
    }
    let resp = app
        .request(Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&json!({ "distractions": [["A walk", null]] }))
        .send()
        .await;
    assert_eq!(
        resp.field_errors()[0].0,
        "distractions[0]",
        "{}",
        resp.text()
    );

    // A key given twice, at any depth.
    let resp = app
        .patch("/api/me/preferences")
        .token(&s.access)
        .body(
            "application/json",
            r#"{"privacySettings": {"dataRetentionDays": 30, "dataRetentionDays": 3650}}"#,
        )
        .send()
        .await;
    assert_eq!(
        resp.field_errors()[0].0,
        "privacySettings",
        "{}",
        resp.text()
    );

    // Page sizes are 1 to 100 everywhere, the audit log included.
    for limit in [0, 101] {
        app.get(&format!("/api/me/audit?limit={limit}"))
            .token(&s.access)
            .send()
            .await
            .problem(422, "validation_failed");
    }
}
