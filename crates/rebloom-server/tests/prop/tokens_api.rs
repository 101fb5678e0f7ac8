//! Tokens against the running server: tampered, forged and arbitrary access
//! tokens get a 401 from the API, guessed refresh tokens are refused, and none
//! of it ends the real session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{self, Backend, Session, TestApp};
use crate::runner::check_async;
use crate::tokens::{Mutation, TOKEN_CHARS, apply, mutation, sign};

const PASSWORD: &str = "a lantern in the orchard";
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// `GET /api/me` with `authorization`: the status and problem code.
async fn me_with(app: &TestApp, authorization: &[u8]) -> (StatusCode, Option<String>) {
    let resp = app
        .get("/api/me")
        .raw_header("authorization", authorization)
        .send()
        .await;
    if resp.status.is_success() {
        return (resp.status, None);
    }
    let v = resp.any_problem();
    if resp.status == StatusCode::UNAUTHORIZED {
        assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    }
    (resp.status, v["code"].as_str().map(str::to_owned))
}

/// What a request carries in `Authorization`.
#[derive(Debug, Clone)]
enum AuthHeader {
    /// `Bearer ` and the session's access token, tampered with.
    Tampered(Vec<Mutation>),
    /// Signed with the server's key for a session that does not hold: an
    /// unknown user, a session never started, or a stale token version.
    Forged {
        user: u8,
        sid: Option<u128>,
        ver_delta: i64,
    },
    /// Any header value.
    Raw(Vec<u8>),
    Scheme(&'static str, String),
}

fn auth_header() -> impl Strategy<Value = AuthHeader> {
    prop_oneof![
        4 => proptest::collection::vec(mutation(), 1..3).prop_map(AuthHeader::Tampered),
        2 => (0u8..3, proptest::option::of(any::<u128>()), -3i64..3)
            .prop_map(|(user, sid, ver_delta)| AuthHeader::Forged { user, sid, ver_delta }),
        2 => proptest::collection::vec(any::<u8>(), 0..200).prop_map(AuthHeader::Raw),
        1 => (
            proptest::sample::select(&["Bearer", "bearer", "BEARER", "Basic", "Token", "Bearer:", ""][..]),
            "[ -~]{0,80}",
        ).prop_map(|(s, t)| AuthHeader::Scheme(s, t)),
    ]
}

fn decode_claims(token: &str) -> Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_tokens_are_refused_by_the_api() {
    harness::run(Backend::Sqlite, |ctx| async move {
        let app = ctx.spawn_app().await;
        let me = app.register("prop-me@example.org", PASSWORD).await;
        let secret = app.jwt_secret();
        let claims = decode_claims(&me.access);
        check_async("api_access_token_tampered", 512, auth_header(), |h| {
            let (app, me, secret, claims) = (&app, &me, &secret, &claims);
            async move {
                let header: Vec<u8> = match &h {
                    AuthHeader::Tampered(ms) => {
                        let mut t = me.access.clone();
                        for m in ms {
                            if t.split('.').count() == 3
                                && t.split('.').all(|s| URL_SAFE_NO_PAD.decode(s).is_ok())
                                && serde_json::from_slice::<Value>(
                                    &URL_SAFE_NO_PAD
                                        .decode(t.split('.').next().unwrap())
                                        .unwrap(),
                                )
                                .is_ok()
                            {
                                t = apply(&t, claims, secret, m);
                            } else {
                                t = apply(&me.access, claims, secret, m);
                            }
                        }
                        prop_assume!(t.trim() != me.access);
                        format!("Bearer {t}").into_bytes()
                    }
                    AuthHeader::Forged {
                        user,
                        sid,
                        ver_delta,
                    } => {
                        let mut c = claims.clone();
                        if *user > 0 {
                            c["sub"] = json!(Uuid::now_v7());
                        }
                        if let Some(sid) = sid {
                            c["sid"] = json!(Uuid::from_u128(*sid));
                        }
                        c["ver"] = json!(c["ver"].as_i64().unwrap() + ver_delta);
                        prop_assume!(
                            c["sub"] != claims["sub"]
                                || c["sid"] != claims["sid"]
                                || c["ver"] != claims["ver"]
                        );
                        format!("Bearer {}", sign(Algorithm::HS256, &c, secret)).into_bytes()
                    }
                    AuthHeader::Raw(bytes) => bytes.clone(),
                    AuthHeader::Scheme(scheme, t) => format!("{scheme} {t}").into_bytes(),
                };
                // Only what a client can send as a header value.
                prop_assume!(reqwest::header::HeaderValue::from_bytes(&header).is_ok());
                let (status, code) = me_with(app, &header).await;
                prop_assert_eq!(status, StatusCode::UNAUTHORIZED, "{:?}", code);
                prop_assert!(
                    matches!(
                        code.as_deref(),
                        Some("token_invalid" | "token_expired" | "token_missing" | "session_ended")
                    ),
                    "{code:?}"
                );
                Ok(())
            }
        });
        // The real token still works.
        app.me(&me.access).await.success(StatusCode::OK);
    })
    .await;
}

/// A refresh token tampered with, or any string: never accepted, and the
/// session it was derived from is not ended by the attempt.
#[derive(Debug, Clone)]
enum RefreshAttempt {
    Tampered(Vec<Mutation>),
    Arbitrary(String),
    Json(Value),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_are_never_guessed() {
    harness::run(Backend::Sqlite, |ctx| async move {
        let app = ctx.spawn_app().await;
        let first = app.register("prop-refresh@example.org", PASSWORD).await;
        let strategy = prop_oneof![
            3 => proptest::collection::vec(
                prop_oneof![
                    (0usize..60, any::<char>()).prop_map(|(i, c)| Mutation::Replace(i, c)),
                    (0usize..60, proptest::sample::select(TOKEN_CHARS)).prop_map(|(i, c)| Mutation::Insert(i, c)),
                    (0usize..60).prop_map(Mutation::Delete),
                    (0usize..60).prop_map(Mutation::Truncate),
                    (0usize..60, 0u8..7).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
                    Just(Mutation::Uppercase),
                    Just(Mutation::Lowercase),
                    Just(Mutation::StandardAlphabet),
                ],
                1..3,
            ).prop_map(RefreshAttempt::Tampered),
            2 => prop_oneof![any::<String>(), "rbr_[A-Za-z0-9_-]{0,60}"].prop_map(RefreshAttempt::Arbitrary),
            1 => crate::json::arbitrary_json().prop_map(RefreshAttempt::Json),
        ];
        check_async("api_refresh_token_guessed", 512, strategy, |attempt| {
            let (app, current) = (&app, &first);
            async move {
                let body = match &attempt {
                    RefreshAttempt::Tampered(ms) => {
                        let mut t = current.refresh.clone();
                        for m in ms {
                            t = apply_text(&t, m);
                        }
                        // Surrounding whitespace is trimmed: that is the same token.
                        prop_assume!(t.trim() != current.refresh);
                        json!({ "refreshToken": t })
                    }
                    RefreshAttempt::Arbitrary(t) => {
                        prop_assume!(t.trim() != current.refresh);
                        json!({ "refreshToken": t })
                    }
                    RefreshAttempt::Json(v) => json!({ "refreshToken": v }),
                };
                let resp = app.post("/api/auth/refresh").json(&body).send().await;
                prop_assert!(resp.status.is_client_error(), "{}: {}", resp.status, resp.text());
                let v = resp.any_problem();
                let code = v["code"].as_str().unwrap_or_default();
                if body["refreshToken"].is_string() {
                    prop_assert_eq!(code, "refresh_token_invalid");
                } else {
                    prop_assert!(matches!(code, "validation_failed" | "refresh_token_invalid"), "{code}");
                }
                Ok(())
            }
        });
        // Nothing guessed ended the session: its refresh token still rotates.
        let next = Session::from(app.refresh_resp(&first.refresh).await.success(StatusCode::OK));
        app.me(&next.access).await.success(StatusCode::OK);
        app.me(&first.access).await.success(StatusCode::OK);
    })
    .await;
}

/// Character-level tampering for an opaque token.
fn apply_text(t: &str, m: &Mutation) -> String {
    match m {
        Mutation::Replace(..)
        | Mutation::Insert(..)
        | Mutation::Delete(..)
        | Mutation::Truncate(..)
        | Mutation::FlipBit(..) => {
            // `apply` needs three segments; do the same on the bare text.
            let fake = format!("e30.e30.{t}");
            let shift = |i: &usize| 8 + i % t.chars().count().max(1);
            let m = match m {
                Mutation::Replace(i, c) => Mutation::Replace(shift(i), *c),
                Mutation::Insert(i, c) => Mutation::Insert(shift(i), *c),
                Mutation::Delete(i) => Mutation::Delete(shift(i)),
                Mutation::Truncate(i) => Mutation::Truncate(shift(i)),
                Mutation::FlipBit(i, b) => Mutation::FlipBit(shift(i), *b),
                other => other.clone(),
            };
            let out = apply(&fake, &json!({}), SECRET, &m);
            out.strip_prefix("e30.e30.")
                .map(str::to_owned)
                .unwrap_or(out)
        }
        Mutation::Uppercase => t.to_uppercase(),
        Mutation::Lowercase => t.to_lowercase(),
        Mutation::StandardAlphabet => t.replace('-', "+").replace('_', "/"),
        _ => t.to_owned(),
    }
}
