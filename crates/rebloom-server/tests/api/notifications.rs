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
    reminders_at_local_time_across_dst: [sqlite, postgres];
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
    app.state.jobs.queue().wake();
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
        .problem(409, "email_unavailable");

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

/// A daily 09:00 reminder in Berlin across the spring-forward night of 28
/// March 2027 (the injected clock moves; nothing waits): 08:00 UTC before,
/// 07:00 UTC after, in the inbox and by e-mail, sent once however often the
/// replicas look.
async fn reminders_at_local_time_across_dst(ctx: Ctx) {
    use time::format_description::well_known::Rfc3339;
    let (smtp_url, mut mails) = smtp_server().await;
    let app = ctx
        .spawn_app_with(|c| {
            c.job_worker = false;
            c.smtp_url = Some(SecretString::from(smtp_url));
        })
        .await;
    let email = "remind-me@example.org";
    let s = app.register(email, PASSWORD).await;
    app.set_profile(
        &s,
        json!({ "timezone": "Europe/Berlin", "displayName": "Ana" }),
    )
    .await;
    let at = |v: &str| time::OffsetDateTime::parse(v, &Rfc3339).unwrap();
    let go_to = |t: time::OffsetDateTime| app.advance(t - app.state.clock.now());
    go_to(at("2027-03-26T12:00:00Z"));
    let s = app.login(email, PASSWORD).await;
    let put = |s: &crate::harness::Session, body: Value| {
        app.request(reqwest::Method::PUT, "/api/me/reminders")
            .token(&s.access)
            .json(&body)
            .send()
    };
    for bad in [
        json!({ "enabled": true, "localTime": "9am" }),
        json!({ "enabled": true, "localTime": "09:00", "days": [0] }),
        json!({ "enabled": true, "localTime": "09:00", "quietStart": "22:00" }),
    ] {
        put(&s, bad).await.problem(422, "validation_failed");
    }
    let set = put(
        &s,
        json!({ "enabled": true, "localTime": "09:00", "email": true }),
    )
    .await
    .success(StatusCode::OK);
    assert_eq!(set["timezone"], "Europe/Berlin");
    assert_eq!(set["days"], json!([1, 2, 3, 4, 5, 6, 7]));
    // Saturday 27 March, still winter time: 09:00 CET is 08:00 UTC.
    assert_eq!(set["nextDueAt"], "2027-03-27T08:00:00Z");

    let tick = || app.state.notifications.tick();
    go_to(at("2027-03-27T07:59:30Z"));
    assert_eq!(tick().await.unwrap(), 0, "not yet");
    go_to(at("2027-03-27T08:00:10Z"));
    assert_eq!(tick().await.unwrap(), 1);
    assert_eq!(tick().await.unwrap(), 0, "sent once");
    // Sunday 28 March: the clocks went forward, 09:00 CEST is 07:00 UTC.
    let s = app.login(email, PASSWORD).await;
    let r = app
        .get("/api/me/reminders")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(r["nextDueAt"], "2027-03-28T07:00:00Z");
    go_to(at("2027-03-28T06:59:50Z"));
    assert_eq!(
        tick().await.unwrap(),
        0,
        "an hour early would be the old offset"
    );
    go_to(at("2027-03-28T07:00:05Z"));
    let s = app.login(email, PASSWORD).await;
    assert_eq!(tick().await.unwrap(), 1);
    let got = app
        .get("/api/me/notifications")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(got["unread"], 2);
    let items = got["notifications"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "reminder");
    assert_eq!(items[0]["createdAt"], "2027-03-28T07:00:05Z");
    assert_eq!(items[1]["createdAt"], "2027-03-27T08:00:10Z");

    // By e-mail too, through the job queue and real SMTP.
    app.run_jobs().await;
    for _ in 0..2 {
        let mail = next(&mut mails, "reminder e-mail").await;
        assert_eq!(mail.to, vec![format!("<{email}>")]);
        assert!(
            mail.data.contains("Subject: Time for a check-in"),
            "{}",
            mail.data
        );
        assert!(mail.data.contains("Hello Ana"), "{}", mail.data);
    }

    // Read one, then all.
    let id = items[0]["id"].as_str().unwrap();
    app.post(&format!("/api/me/notifications/{id}/read"))
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    app.post(&format!(
        "/api/me/notifications/{}/read",
        uuid::Uuid::now_v7()
    ))
    .token(&s.access)
    .send()
    .await
    .problem(404, "not_found");
    let got = app
        .get("/api/me/notifications")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(got["unread"], 1);
    app.post("/api/me/notifications/read-all")
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    let got = app
        .get("/api/me/notifications")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(got["unread"], 0);

    // Quiet hours hold the reminder to their end; turning it off stops it.
    let quiet = put(&s, json!({ "enabled": true, "localTime": "08:30", "quietStart": "22:00", "quietEnd": "09:15" }))
        .await
        .success(StatusCode::OK);
    // 09:00:05 now: 08:30 is held to 09:15 today.
    assert_eq!(quiet["nextDueAt"], "2027-03-28T07:15:00Z");
    let off = put(&s, json!({ "enabled": false, "localTime": "08:30" }))
        .await
        .success(StatusCode::OK);
    assert!(off["nextDueAt"].is_null());
    go_to(at("2027-03-30T12:00:00Z"));
    assert_eq!(tick().await.unwrap(), 0);
}
