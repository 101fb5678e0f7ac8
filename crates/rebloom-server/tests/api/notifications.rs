//! Crisis notifications (a signed webhook and e-mail through SMTP, run by the
//! job queue with retries) and the trusted contact. Both receivers are real
//! servers: an HTTP endpoint that checks the HMAC signature, and an SMTP server
//! speaking the protocol to lettre over TCP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::harness::{Ctx, TestApp};

cases! {
    crisis_webhook_and_email: [sqlite, postgres];
    trusted_contact: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";
const SECRET: &str = "whsec-test-0123456789abcdef";
const WAIT: Duration = Duration::from_secs(20);

struct Hook {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A webhook receiver that answers 500 to its first `fail_first` requests.
async fn webhook(fail_first: usize) -> (String, mpsc::UnboundedReceiver<Hook>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let tx = tx.clone();
            let seen = seen.clone();
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(Hook {
                    headers,
                    body: body.to_vec(),
                });
                if n < fail_first {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), rx)
}

/// One message as the SMTP server received it.
#[derive(Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server (RFC 5321 without extensions) that hands every
/// message it accepts to the returned channel.
pub async fn smtp_server() -> (String, mpsc::UnboundedReceiver<Mail>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test-smtp ESMTP\r\n").await.unwrap();
                let (mut from, mut to) = (String::new(), Vec::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 test-smtp\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        from = line[10..].trim().to_owned();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                            data.push('\n');
                        }
                        let _ = tx.send(Mail {
                            from: std::mem::take(&mut from),
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("smtp://{addr}"), rx)
}

pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
        .unwrap()
}

fn check_signature(hook: &Hook) -> Value {
    let header = hook.headers["rebloom-signature"].to_str().unwrap();
    let (t, v1) = header
        .split_once(',')
        .map(|(t, v)| {
            (
                t.strip_prefix("t=").unwrap(),
                v.strip_prefix("v1=").unwrap(),
            )
        })
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&hook.body);
    mac.verify_slice(&hex::decode(v1).unwrap())
        .expect("the signature verifies with the shared secret");
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "fresh timestamp, was {age} s old");
    // A tampered body does not verify.
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&[&hook.body[..], b" "].concat());
    assert!(mac.verify_slice(&hex::decode(v1).unwrap()).is_err());
    serde_json::from_slice(&hook.body).unwrap()
}

async fn crisis_webhook_and_email(ctx: Ctx) {
    let (hook_url, mut hooks) = webhook(1).await;
    let (smtp_url, mut mails) = smtp_server().await;
    let app = ctx
        .spawn_app_with(|c| {
            c.crisis_webhook_url = Some(hook_url);
            c.crisis_webhook_secret = Some(SecretString::from(SECRET));
            c.smtp_url = Some(SecretString::from(smtp_url));
            c.crisis_email_to = vec!["On-call clinician <oncall@clinic.example>".into()];
            c.job_poll_ms = 20;
        })
        .await;
    let s = app.register("notify@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "GB" })).await;
    let secret_words = "thinking about killing myself";
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": format!("I'm {secret_words}") }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(started["aiResponse"]["safety"]["riskLevel"], "high");
    let session = &started["sessionId"];

    // The first delivery fails (500): the job is kept and retried after its back-off.
    let first = next(&mut hooks, "webhook").await;
    let event = check_signature(&first);
    assert!(!String::from_utf8_lossy(&first.body).contains("killing"));
    assert_eq!(event["type"], "safety.crisis.detected");
    assert_eq!(event["riskLevel"], "high");
    assert_eq!(event["userId"], s.user["id"]);
    assert_eq!(event["sessionId"], *session);
    assert_eq!(event["country"], "GB");
    assert_eq!(event["interventionType"], "crisis_resources");
    assert!(
        event["categories"]
            .to_string()
            .contains("suicidal_ideation")
    );
    assert_eq!(
        first.headers["rebloom-event-id"].to_str().unwrap(),
        event["eventId"].as_str().unwrap()
    );
    let mail = next(&mut mails, "crisis e-mail").await;
    assert_eq!(mail.to, ["<oncall@clinic.example>"]);
    assert!(
        mail.data
            .contains("Subject: Rebloom safety alert: high risk"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains(event["eventId"].as_str().unwrap()));
    assert!(
        !mail.data.contains("killing"),
        "no message text in the e-mail"
    );

    // Until the back-off has passed, the webhook job waits; then it is delivered.
    let pending = app.state.store.job_counts().await.unwrap();
    assert!(
        pending
            .iter()
            .any(|c| c.queue == "crisis.webhook" && c.status == "pending" && c.count == 1),
        "{pending:?}"
    );
    app.advance(time::Duration::seconds(10));
    app.state.jobs.wake();
    let second = next(&mut hooks, "webhook retry").await;
    assert_eq!(check_signature(&second)["eventId"], event["eventId"]);

    // The same level again in this session notifies nobody; an escalation does.
    app.say(&s, session, "I still want to kill myself").await;
    let critical = app
        .say(
            &s,
            session,
            "I have the pills here and I'm going to take them all tonight",
        )
        .await;
    assert_eq!(critical["aiResponse"]["safety"]["riskLevel"], "critical");
    let escalated = check_signature(&next(&mut hooks, "escalation webhook").await);
    assert_eq!(escalated["riskLevel"], "critical");
    assert_eq!(escalated["interventionType"], "emergency_services");
    let mail = next(&mut mails, "escalation e-mail").await;
    assert!(
        mail.data
            .contains("Subject: Rebloom safety alert: critical risk")
    );
    assert!(!mail.data.contains("pills"));
    // Delivered jobs are gone; nothing failed.
    let counts = app.state.store.job_counts().await.unwrap();
    assert!(counts.iter().all(|c| c.status != "failed"), "{counts:?}");
}

async fn trusted_contact(ctx: Ctx) {
    let (smtp_url, mut mails) = smtp_server().await;
    // A server that cannot send e-mail says so.
    let no_mail = ctx.spawn_app().await;
    let s = no_mail.register("contact@example.org", PASSWORD).await;
    no_mail
        .get("/api/me/trusted-contact")
        .token(&s.access)
        .send()
        .await
        .problem(404, "not_found");
    let put = |app: &TestApp, body: Value| {
        app.request(reqwest::Method::PUT, "/api/me/trusted-contact")
            .token(&s.access)
            .json(&body)
    };
    let refused = put(
        &no_mail,
        json!({ "name": " ", "email": "nope", "consent": false }),
    )
    .send()
    .await
    .problem(422, "validation_failed");
    let codes: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["invalid_name", "invalid_email", "consent_required"]);
    let saved = put(
        &no_mail,
        json!({ "name": "Sam", "email": "Sam@Example.org", "consent": true }),
    )
    .send()
    .await
    .success(StatusCode::OK);
    assert_eq!(
        (
            saved["name"].as_str(),
            saved["email"].as_str(),
            saved["canNotify"].as_bool()
        ),
        (Some("Sam"), Some("sam@example.org"), Some(false))
    );
    no_mail
        .post("/api/me/trusted-contact/notify")
        .token(&s.access)
        .send()
        .await
        .problem(503, "email_unavailable");

    // With SMTP: the contact gets one e-mail an hour at most, with no message text.
    let app = ctx
        .spawn_app_with(|c| {
            c.smtp_url = Some(SecretString::from(smtp_url));
            c.job_poll_ms = 20;
        })
        .await;
    app.set_profile(&s, json!({ "country": "IE", "displayName": "Robin" }))
        .await;
    let queued = app
        .post("/api/me/trusted-contact/notify")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::ACCEPTED);
    assert_eq!(queued["status"], "queued");
    let mail = next(&mut mails, "trusted-contact e-mail").await;
    assert_eq!(mail.to, ["<sam@example.org>"]);
    assert_eq!(mail.from, "<no-reply@rebloom.invalid>");
    assert!(mail.data.contains("Hello Sam"), "{}", mail.data);
    assert!(mail.data.contains("Robin (contact@example.org)"));
    assert!(
        mail.data.contains("call 112"),
        "Ireland's emergency number: {}",
        mail.data
    );
    app.post("/api/me/trusted-contact/notify")
        .token(&s.access)
        .send()
        .await
        .problem(429, "contact_recently_notified");
    // An hour later (and signed in again: access tokens last 15 minutes).
    app.advance(time::Duration::hours(1));
    let s = app.login("contact@example.org", PASSWORD).await;
    app.post("/api/me/trusted-contact/notify")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::ACCEPTED);
    next(&mut mails, "second trusted-contact e-mail").await;
    let got = app
        .get("/api/me/trusted-contact")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(got["lastNotifiedAt"].is_string());
    assert_eq!(got["canNotify"], true);

    // Removing the contact withdraws the consent: nobody to notify.
    app.request(reqwest::Method::DELETE, "/api/me/trusted-contact")
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    app.advance(time::Duration::hours(2));
    let s = app.login("contact@example.org", PASSWORD).await;
    app.post("/api/me/trusted-contact/notify")
        .token(&s.access)
        .send()
        .await
        .problem(409, "no_trusted_contact");
}
