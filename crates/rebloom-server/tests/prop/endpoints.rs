//! The write endpoints under test, each with a valid body, and the account
//! (with a session, a mood entry, a goal and a memory) they act on.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Session, TestApp};

const PASSWORD: &str = "a kettle on the hob at dusk";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Needs the person's access token.
    Required,
    /// Open (sign-up, sign-in, refresh).
    Open,
    /// Needs a token, but a valid one would end the session: only sent without.
    NeverValid,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub auth: Auth,
    /// A valid body (the start for changed ones).
    pub example: Value,
    /// Multipart (the voice upload) instead of JSON.
    pub multipart: bool,
}

fn ep(method: Method, path: impl Into<String>, auth: Auth, example: Value) -> Endpoint {
    Endpoint {
        method,
        path: path.into(),
        auth,
        example,
        multipart: false,
    }
}

pub async fn setup(app: &TestApp) -> (Session, Vec<Endpoint>, String) {
    let s = app.register("prop-bodies@example.org", PASSWORD).await;
    let other = app.register("prop-other@example.org", PASSWORD).await;
    let uid = s.id().to_owned();
    let started = app.start(&s, json!({ "sessionType": "general" })).await;
    let session = started["session"]["id"]
        .as_str()
        .or_else(|| started["sessionId"].as_str())
        .or_else(|| started["id"].as_str())
        .unwrap_or_else(|| panic!("no session id in {started}"))
        .to_owned();
    let to_end = app.start(&s, json!({})).await;
    let to_end = to_end["session"]["id"]
        .as_str()
        .or_else(|| to_end["sessionId"].as_str())
        .or_else(|| to_end["id"].as_str())
        .unwrap()
        .to_owned();
    let created = |path: &'static str, body: Value| {
        let s = &s;
        async move {
            let v = app.post(path).token(&s.access).json(&body).send().await;
            assert!(v.status.is_success(), "{path}: {}", v.text());
            v.json()["id"].as_str().unwrap().to_owned()
        }
    };
    app.patch("/api/me/preferences")
        .token(&s.access)
        .json(&json!({ "privacySettings": { "memoryEnabled": true } }))
        .send()
        .await
        .success(StatusCode::OK);
    let mood = created("/api/me/moods", json!({ "moodScore": 6 })).await;
    let goal = created("/api/me/goals", json!({ "title": "Sleep better" })).await;
    let memory = created(
        "/api/me/memories",
        json!({ "content": "Walking the dog helps me" }),
    )
    .await;

    use Auth::{NeverValid, Open, Required};
    let endpoints = vec![
        ep(
            Method::POST,
            "/api/auth/register",
            Open,
            json!({
                "email": "new-prop@example.org", "password": "a long unusual passphrase",
                "profile": { "displayName": "Sam", "country": "GB", "language": "en" }
            }),
        ),
        ep(
            Method::POST,
            "/api/auth/login",
            Open,
            json!({
                "email": "prop-bodies@example.org", "password": "not the password at all"
            }),
        ),
        ep(
            Method::POST,
            "/api/auth/refresh",
            Open,
            json!({ "refreshToken": "rbr_not-a-token" }),
        ),
        ep(
            Method::POST,
            "/api/auth/logout",
            NeverValid,
            json!({ "refreshToken": s.refresh }),
        ),
        ep(
            Method::POST,
            "/api/conversations",
            Required,
            json!({
                "message": "hello", "moodBefore": 5, "sessionType": "general"
            }),
        ),
        ep(
            Method::POST,
            format!("/api/conversations/{uid}/messages"),
            Required,
            json!({
                "message": "I had a long day at work", "sessionId": session
            }),
        ),
        ep(
            Method::POST,
            format!("/api/conversations/{uid}/messages/stream"),
            Required,
            json!({
                "message": "the bus was late again", "sessionId": session
            }),
        ),
        ep(
            Method::POST,
            format!("/api/conversations/{}/messages", other.id()),
            Required,
            json!({
                "message": "not mine", "sessionId": session
            }),
        ),
        ep(
            Method::POST,
            format!("/api/conversations/sessions/{to_end}/end"),
            Required,
            json!({ "moodAfter": 6 }),
        ),
        Endpoint {
            multipart: true,
            ..ep(
                Method::POST,
                format!("/api/conversations/{uid}/voice"),
                Required,
                Value::Null,
            )
        },
        ep(
            Method::DELETE,
            "/api/me",
            Required,
            json!({ "password": "not the password at all" }),
        ),
        ep(
            Method::POST,
            "/api/me/goals",
            Required,
            json!({
                "title": "Walk more", "category": "activity", "description": "every day", "targetDate": "2099-01-01"
            }),
        ),
        ep(
            Method::PATCH,
            format!("/api/me/goals/{goal}"),
            Required,
            json!({
                "title": "Sleep more", "status": "active", "category": "sleep"
            }),
        ),
        ep(
            Method::POST,
            format!("/api/me/goals/{goal}/progress"),
            Required,
            json!({
                "progressPercentage": 40, "note": "halfway"
            }),
        ),
        ep(
            Method::POST,
            "/api/me/grants",
            Required,
            json!({
                "clinicianEmail": "nobody@example.org", "scope": "conversations", "days": 30, "sessionIds": [session]
            }),
        ),
        ep(
            Method::POST,
            "/api/me/insights/weekly",
            Required,
            json!({ "weekStart": null }),
        ),
        ep(
            Method::POST,
            "/api/me/memories",
            Required,
            json!({ "content": "Tea helps", "kind": "note" }),
        ),
        ep(
            Method::PUT,
            "/api/me/memories/settings",
            Required,
            json!({
                "enabled": true, "paused": false, "neverRemember": ["work"]
            }),
        ),
        ep(
            Method::PATCH,
            format!("/api/me/memories/{memory}"),
            Required,
            json!({ "content": "Walking helps" }),
        ),
        ep(
            Method::POST,
            "/api/me/moods",
            Required,
            json!({
                "moodScore": 6, "anxietyLevel": 3, "energyLevel": 5, "stressLevel": 4,
                "notes": "ok", "triggers": ["work"], "sessionId": session
            }),
        ),
        ep(
            Method::PATCH,
            format!("/api/me/moods/{mood}"),
            Required,
            json!({ "moodScore": 7, "notes": null }),
        ),
        ep(
            Method::PATCH,
            "/api/me/preferences",
            Required,
            json!({
                "communicationPreferences": { "tone": "warm", "replyLength": "short", "useName": true, "reminderTime": "20:30" },
                "privacySettings": { "memoryEnabled": true, "storeVoiceRecordings": false, "dataRetentionDays": 365 },
                "therapeuticPreferences": { "approach": "cbt", "secondaryApproaches": ["mindfulness"] }
            }),
        ),
        ep(
            Method::PATCH,
            "/api/me/profile",
            Required,
            json!({
                "displayName": "Sam", "country": "GB", "language": "en", "timezone": "Europe/London",
                "ageRange": "25-34", "goals": ["sleep"], "onboardingCompleted": true, "onboardingStep": "goals",
                "mentalHealthHistory": { "therapy": false }
            }),
        ),
        ep(
            Method::POST,
            "/api/me/questionnaires",
            Required,
            json!({
                "instrument": "phq9", "answers": [0, 1, 2, 3, 0, 1, 2, 3, 0], "sessionId": session
            }),
        ),
        ep(
            Method::PUT,
            "/api/me/reminders",
            Required,
            json!({
                "enabled": true, "localTime": "20:30", "days": [1, 3, 5], "email": false,
                "quietStart": "22:00", "quietEnd": "07:00"
            }),
        ),
        ep(
            Method::PUT,
            "/api/me/safety-plan",
            Required,
            json!({
                "warningSigns": ["not sleeping"], "copingStrategies": ["a walk"],
                "distractions": [{ "name": "the park" }], "peopleToAsk": [{ "name": "Ana", "contact": "07700 900000" }],
                "professionals": [{ "name": "GP", "contact": null }], "crisisLines": [{ "name": "Samaritans", "contact": "116 123" }],
                "saferEnvironment": ["give the pills to Ana"], "reasonsForLiving": ["my cat"]
            }),
        ),
        ep(
            Method::PUT,
            "/api/me/trusted-contact",
            Required,
            json!({
                "name": "Ana", "email": "ana@example.org", "consent": true
            }),
        ),
        ep(
            Method::PATCH,
            format!("/api/admin/users/{}", other.id()),
            Required,
            json!({ "role": "admin", "disabled": false }),
        ),
        ep(
            Method::POST,
            "/api/graphql",
            Required,
            json!({ "query": "{ me { id } }", "variables": {} }),
        ),
    ];
    (s, endpoints, session)
}
