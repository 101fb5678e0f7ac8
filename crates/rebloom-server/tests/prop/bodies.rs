//! Request bodies: arbitrary JSON, valid bodies with one to three things
//! changed, and arbitrary bytes, under the right and the wrong content type,
//! sent to the write endpoints of the real server. Never a 5xx; every error
//! is problem+json with a `code`; a request without a valid token is a 401
//! whatever its body; and a refused request leaves the person's data as it was
//! (every listing of theirs reads the same before and after).
//!
//! `PROP_DEBUG=1` prints every request and its answer.

use std::collections::BTreeMap;

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;

use crate::endpoints::{Auth, Endpoint, setup};
use crate::harness::{self, Backend, Session, TestApp};
use crate::json::{arbitrary_json, changed, json_string, raw_from};
use crate::runner::check_async;

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Raw(Bytes),
    Empty,
}

/// Raw bytes, shown as (lossy, shortened) text in failure reports.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = String::from_utf8_lossy(&self.0);
        let short: String = text.chars().take(300).collect();
        write!(f, "{} bytes {:?}", self.0.len(), short)?;
        if short.len() < text.len() {
            write!(f, "…")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Token {
    Valid,
    Missing,
    Garbage(String),
}

/// What goes in `Content-Type`.
const CONTENT_TYPES: &[&str] = &[
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/problem+json",
    "application/merge-patch+json",
    "application/json; charset=utf-16",
    "text/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "application/octet-stream",
    "",
    "application/jsonx",
    ";application/json",
];

#[derive(Debug, Clone)]
struct Case {
    endpoint: usize,
    body: Body,
    content_type: Option<String>,
    token: Token,
}

fn multipart(session: &str, audio: &[u8], declared: &str, extra: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(
        format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"sessionId\"\r\n\r\n{session}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a\"\r\nContent-Type: {declared}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(audio);
    b.extend_from_slice(format!("\r\n{extra}--XyZ--\r\n").as_bytes());
    b
}

fn voice_body(session: String) -> impl Strategy<Value = (Body, Option<String>)> {
    let audio = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        proptest::collection::vec(any::<u8>(), 0..256).prop_map(|b| [
            b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec(),
            b
        ]
        .concat()),
        proptest::collection::vec(any::<u8>(), 0..256).prop_map(|b| [b"OggS".to_vec(), b].concat()),
        proptest::collection::vec(any::<u8>(), 0..256).prop_map(|b| [
            vec![0x1A, 0x45, 0xDF, 0xA3],
            b
        ]
        .concat()),
    ];
    let session = prop_oneof![Just(session), json_string()];
    let declared = proptest::sample::select(
        &[
            "audio/wav",
            "audio/x-wav",
            "audio/ogg",
            "audio/webm",
            "video/webm",
            "application/octet-stream",
            "text/plain",
            "",
        ][..],
    );
    let extra = proptest::sample::select(
        &[
            "",
            "--XyZ\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nagain\r\n",
            "--XyZ\r\n\r\n\r\n",
        ][..],
    );
    prop_oneof![
        3 => (session, audio, declared, extra)
            .prop_map(|(s, a, d, e)| (Body::Raw(Bytes(multipart(&s, &a, d, e))), Some("multipart/form-data; boundary=XyZ".to_owned()))),
        1 => proptest::collection::vec(any::<u8>(), 0..512)
            .prop_map(|b| (Body::Raw(Bytes(b)), Some("multipart/form-data; boundary=XyZ".to_owned()))),
        1 => (proptest::collection::vec(any::<u8>(), 0..128), proptest::sample::select(CONTENT_TYPES))
            .prop_map(|(b, ct)| (Body::Raw(Bytes(b)), Some(ct.to_owned()))),
    ]
}

fn case(endpoints: Vec<Endpoint>, session: String) -> impl Strategy<Value = Case> {
    let weights: Vec<(u32, usize)> = endpoints
        .iter()
        .enumerate()
        // Sign-up and sign-in hash passwords (slow in a debug build): fewer of them.
        .map(|(i, e)| (if e.auth == Auth::Open { 1 } else { 3 }, i))
        .collect();
    let index = proptest::strategy::Union::new_weighted(
        weights.into_iter().map(|(w, i)| (w, Just(i))).collect(),
    );
    index.prop_flat_map(move |i| {
        let e = endpoints[i].clone();
        let body = if e.multipart {
            voice_body(session.clone()).boxed()
        } else {
            let content_type = prop_oneof![
                8 => Just(Some("application/json".to_owned())),
                3 => proptest::sample::select(CONTENT_TYPES).prop_map(|c| Some(c.to_owned())),
                1 => Just(None),
                1 => "[ -~]{0,40}".prop_map(Some),
            ];
            let body = prop_oneof![
                4 => changed(e.example.clone()).prop_map(Body::Json),
                3 => arbitrary_json().prop_map(Body::Json),
                3 => raw_from(&e.example).prop_map(|b| Body::Raw(Bytes(b))),
                1 => Just(Body::Empty),
            ];
            (body, content_type).boxed()
        };
        let token = match e.auth {
            Auth::NeverValid => {
                prop_oneof![Just(Token::Missing), "[ -~]{0,60}".prop_map(Token::Garbage),].boxed()
            }
            _ => prop_oneof![
                8 => Just(Token::Valid),
                1 => Just(Token::Missing),
                1 => "[ -~]{0,60}".prop_map(Token::Garbage),
            ]
            .boxed(),
        };
        (Just(i), body, token).prop_map(|(endpoint, (body, content_type), token)| Case {
            endpoint,
            body,
            content_type,
            token,
        })
    })
}

/// Everything the person can read back about themselves (not the audit log,
/// which records refused attempts on purpose).
const LISTINGS: &[&str] = &[
    "/api/me",
    "/api/me/profile",
    "/api/me/moods",
    "/api/me/goals",
    "/api/me/safety-plan",
    "/api/me/questionnaires",
    "/api/me/memories",
    "/api/me/memories/settings",
    "/api/me/reminders",
    "/api/me/trusted-contact",
    "/api/me/grants",
    "/api/me/insights",
    "/api/me/notifications",
    "/api/conversations",
    "/api/conversations/messages",
];

async fn snapshot(app: &TestApp, s: &Session) -> BTreeMap<&'static str, (u16, Value)> {
    let mut out = BTreeMap::new();
    for path in LISTINGS {
        let resp = app.get(path).token(&s.access).send().await;
        let body = if resp.body.is_empty() {
            Value::Null
        } else {
            resp.json()
        };
        out.insert(*path, (resp.status.as_u16(), body));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_cleanly() {
    harness::run(Backend::Sqlite, |ctx| async move {
        let app = ctx
            .spawn_app_with(|c| {
                // No background jobs: the person's data changes only by the requests here.
                c.job_worker = false;
            })
            .await;
        let (s, endpoints, session) = setup(&app).await;
        let before = tokio::sync::Mutex::new(snapshot(&app, &s).await);
        let strategy = case(endpoints.clone(), session);
        let statuses = std::sync::Mutex::new(BTreeMap::new());
        check_async("api_bad_bodies", 512, strategy, |c| {
            let (app, s, endpoints, before, statuses) = (&app, &s, &endpoints, &before, &statuses);
            async move {
                let e = &endpoints[c.endpoint];
                // A refused body may be left unread, and the server then closes the
                // connection: keep it out of the pool the listings below use.
                let mut req = app
                    .request(e.method.clone(), &e.path)
                    .header("connection", "close");
                match &c.token {
                    Token::Valid => req = req.token(&s.access),
                    Token::Missing => {}
                    Token::Garbage(t) => req = req.header("authorization", &format!("Bearer {t}")),
                }
                let bytes = match &c.body {
                    Body::Json(v) => Some(serde_json::to_vec(v).unwrap()),
                    Body::Raw(b) => Some(b.0.clone()),
                    Body::Empty => None,
                };
                req = match (&c.content_type, bytes) {
                    (Some(ct), Some(b)) => req.body(ct, b),
                    (Some(ct), None) => req.header("content-type", ct),
                    (None, Some(b)) => req.bytes(b),
                    (None, None) => req,
                };
                let resp = req.send().await;
                let status = resp.status;
                statuses
                    .lock()
                    .unwrap()
                    .entry(status.as_u16())
                    .and_modify(|n| *n += 1)
                    .or_insert(1u64);
                if std::env::var_os("PROP_DEBUG").is_some() {
                    eprintln!(
                        "{} {} {:?} -> {} {}",
                        e.method,
                        e.path,
                        c.token,
                        status,
                        resp.text().chars().take(160).collect::<String>()
                    );
                }
                // No 5xx; the one 503 allowed is the documented "no speech-to-text here".
                if status.is_server_error() {
                    let v = resp.any_problem();
                    prop_assert!(
                        e.multipart && v["code"] == "speech_to_text_unavailable",
                        "{} {}: {} {}",
                        e.method,
                        e.path,
                        status,
                        resp.text()
                    );
                }
                if status.is_client_error() || status.is_server_error() {
                    resp.any_problem();
                    if status == StatusCode::UNAUTHORIZED {
                        prop_assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
                    }
                }
                let valid_token = matches!(c.token, Token::Valid);
                if e.auth != Auth::Open && !valid_token {
                    prop_assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", resp.text());
                }
                let after = snapshot(app, s).await;
                let mut before = before.lock().await;
                if status.is_success() {
                    prop_assert!(
                        resp.body.is_empty()
                            || resp.content_type().starts_with("application/json")
                            || resp.content_type().starts_with("text/event-stream"),
                        "{}",
                        resp.content_type()
                    );
                } else {
                    // Refused: nothing of it was written.
                    for (path, was) in before.iter() {
                        let now = &after[path];
                        prop_assert!(
                            was == now,
                            "{} {} was refused ({}: {}) but changed {}:\nbefore {}\nafter  {}",
                            e.method,
                            e.path,
                            status,
                            resp.text(),
                            path,
                            was.1,
                            now.1
                        );
                    }
                }
                *before = after;
                Ok(())
            }
        });
        eprintln!(
            "prop api_bad_bodies: responses by status {:?}",
            statuses.lock().unwrap()
        );
        // The person's session survived all of it.
        app.me(&s.access).await.success(StatusCode::OK);
    })
    .await;
}
