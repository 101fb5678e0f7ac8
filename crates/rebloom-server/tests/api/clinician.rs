//! Clinician access with consent: scopes, chosen sessions, revocation,
//! expiry, audited reads, and crisis notifications to linked clinicians that
//! carry only the level and time.

use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::harness::Ctx;

cases! {
    clinician_grants: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

async fn clinician_grants(ctx: Ctx) {
    let (smtp_url, mut mails) = crate::notifications::smtp_server().await;
    let app = ctx
        .spawn_app_with(|c| {
            c.smtp_url = Some(SecretString::from(smtp_url));
            c.job_worker = false;
        })
        .await;
    let doc = app.register("dr-lee@clinic.example", PASSWORD).await;
    app.set_role(doc.id(), rebloom_store::Role::Clinician).await;
    let doc = app.login("dr-lee@clinic.example", PASSWORD).await;
    let s = app.register("patient@example.org", PASSWORD).await;
    let stranger = app.register("stranger@example.org", PASSWORD).await;
    let mut sessions = Vec::new();
    for text in ["the first talk about my week", "a second, private talk"] {
        let r = app
            .post("/api/conversations")
            .token(&s.access)
            .json(&json!({ "message": text }))
            .send()
            .await
            .success(StatusCode::CREATED);
        sessions.push(r["sessionId"].as_str().unwrap().to_owned());
    }
    app.post(&format!("/api/conversations/sessions/{}/end", sessions[0]))
        .token(&s.access)
        .json(&json!({ "moodAfter": 7 }))
        .send()
        .await
        .success(StatusCode::OK);
    let grant = |body: Value| app.post("/api/me/grants").token(&s.access).json(&body);

    // Only clinicians, real scopes, the person's own sessions.
    let refused = grant(
        json!({ "clinicianEmail": "stranger@example.org", "scope": "conversations", "days": 0 }),
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
    assert_eq!(
        codes,
        ["not_a_clinician", "sessions_required", "invalid_days"]
    );
    grant(json!({ "clinicianEmail": "dr-lee@clinic.example", "scope": "all" }))
        .send()
        .await
        .problem(422, "validation_failed");

    // Mood only: sessions without summaries, no messages.
    let mood = grant(json!({ "clinicianEmail": "dr-lee@clinic.example", "scope": "mood" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(mood["status"], "active");
    let patients = app
        .get("/api/clinician/patients")
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(patients[0]["userId"], s.user["id"]);
    let base = format!("/api/clinician/patients/{}", s.id());
    let listed = app
        .get(&format!("{base}/sessions"))
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["summary"].is_null())
    );
    assert!(listed.to_string().contains("\"moodAfter\":7"));
    // Mood check-ins: levels with the mood scope, never the notes or triggers.
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 3, "anxietyLevel": 8, "notes": "my private note", "triggers": ["exams"] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let moods = app
        .get(&format!("{base}/moods"))
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(moods["entries"][0]["moodScore"], 3);
    assert_eq!(moods["entries"][0]["anxietyLevel"], 8);
    assert!(moods["entries"][0]["notes"].is_null());
    assert_eq!(moods["entries"][0]["triggers"], json!([]));
    app.get(&format!("/api/clinician/patients/{}/moods", stranger.id()))
        .token(&doc.access)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("{base}/sessions/{}/messages", sessions[0]))
        .token(&doc.access)
        .send()
        .await
        .problem(404, "not_found");

    // One chosen conversation: that one, not the other.
    grant(json!({ "clinicianEmail": "dr-lee@clinic.example", "scope": "conversations", "sessionIds": [sessions[0]] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let msgs = app
        .get(&format!("{base}/sessions/{}/messages", sessions[0]))
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(msgs[0]["content"], "the first talk about my week");
    app.get(&format!("{base}/sessions/{}/messages", sessions[1]))
        .token(&doc.access)
        .send()
        .await
        .problem(404, "not_found");
    let listed = app
        .get(&format!("{base}/sessions"))
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["summary"].is_string()),
        "summaries come with conversations"
    );

    // Nobody else's data, and not for non-clinicians.
    app.get(&format!(
        "/api/clinician/patients/{}/sessions",
        stranger.id()
    ))
    .token(&doc.access)
    .send()
    .await
    .problem(404, "not_found");
    app.get("/api/clinician/patients")
        .token(&s.access)
        .send()
        .await
        .problem(403, "forbidden");

    // Every read is in the person's audit log.
    let audit = app
        .get("/api/me/audit")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let reads = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "clinician.read" && e["actorRole"] == "clinician")
        .count();
    assert_eq!(reads, 4, "every read, the mood check-ins too");

    // A crisis: the linked clinician hears of it, level and time only.
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "I want to kill myself", "sessionId": sessions[1] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.run_jobs().await;
    let mail = crate::notifications::next(&mut mails, "clinician e-mail").await;
    assert_eq!(mail.to, ["<dr-lee@clinic.example>"]);
    assert!(mail.data.contains("high-risk"), "{}", mail.data);
    assert!(!mail.data.contains("kill") && !mail.data.contains("private talk"));

    // Revoked: gone at once.
    let grants = app
        .get("/api/me/grants")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    for g in grants.as_array().unwrap() {
        app.request(
            Method::DELETE,
            &format!("/api/me/grants/{}", g["id"].as_str().unwrap()),
        )
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    }
    app.get(&format!("{base}/sessions"))
        .token(&doc.access)
        .send()
        .await
        .problem(404, "not_found");
    let grants = app
        .get("/api/me/grants")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(
        grants
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["status"] == "revoked")
    );

    // Time-limited: a one-day grant ends by itself.
    grant(json!({ "clinicianEmail": "dr-lee@clinic.example", "scope": "everything", "days": 1 }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.get(&format!("{base}/sessions/{}/messages", sessions[1]))
        .token(&doc.access)
        .send()
        .await
        .success(StatusCode::OK);
    app.advance(time::Duration::days(2));
    let doc = app.login("dr-lee@clinic.example", PASSWORD).await;
    app.get(&format!("{base}/sessions"))
        .token(&doc.access)
        .send()
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.get("/api/clinician/patients")
            .token(&doc.access)
            .send()
            .await
            .success(StatusCode::OK),
        json!([])
    );
}
