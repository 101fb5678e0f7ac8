//! The safety plan, crisis resources by country, and crisis events recorded
//! (without message text) when a crisis is detected.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::harness::Ctx;

cases! {
    safety_plan: [sqlite, postgres];
    resources_by_country: [sqlite];
    crisis_events_recorded: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

async fn safety_plan(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("plan@example.org", PASSWORD).await;
    app.patch("/api/me/profile")
        .token(&s.access)
        .json(&json!({ "country": "AU" }))
        .send()
        .await
        .success(StatusCode::OK);
    // Empty at first, with the country's crisis lines pre-filled.
    let empty = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(empty["warningSigns"], json!([]));
    assert_eq!(empty["emergencyNumber"], "000");
    assert!(
        empty["crisisLines"].to_string().contains("13 11 14"),
        "{empty}"
    );
    assert!(empty["updatedAt"].is_null());
    let plan = json!({
        "warningSigns": ["Not sleeping", "Pulling away from friends"],
        "copingStrategies": ["A walk by the river", "Box breathing"],
        "distractions": [{ "name": "The library" }],
        "peopleToAsk": [{ "name": "Sam", "contact": "0400 000 000" }],
        "professionals": [{ "name": "Dr Lee (GP)", "contact": "02 0000 0000" }],
        "saferEnvironment": ["Ask Sam to keep my medication"],
        "reasonsForLiving": ["My dog", "My sister"]
    });
    let saved = app
        .request(reqwest::Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&plan)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(saved["peopleToAsk"][0]["contact"], "0400 000 000");
    assert_eq!(saved["reasonsForLiving"], json!(["My dog", "My sister"]));
    assert!(saved["updatedAt"].is_string());
    let again = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(again["warningSigns"], plan["warningSigns"]);
    // Invalid entries are named; nothing changes.
    let bad = app
        .request(reqwest::Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&json!({ "warningSigns": ["", "x".repeat(501)], "peopleToAsk": [{ "name": "  " }] }))
        .send()
        .await
        .problem(422, "validation_failed");
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["warningSigns[0]", "warningSigns[1]", "peopleToAsk[0].name"]
    );
    let unchanged = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(unchanged["warningSigns"], plan["warningSigns"]);
    // Another person's plan is their own.
    let other = app.register("plan2@example.org", PASSWORD).await;
    let theirs = app
        .get("/api/me/safety-plan")
        .token(&other.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(theirs["warningSigns"], json!([]));
    app.get("/api/me/safety-plan")
        .send()
        .await
        .problem(401, "token_missing");
}

async fn resources_by_country(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let us = app
        .get("/api/safety/resources?country=us")
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        (us["country"].as_str(), us["emergencyNumber"].as_str()),
        (Some("US"), Some("911"))
    );
    assert!(us["lines"].to_string().contains("988"));
    let unknown = app
        .get("/api/safety/resources?country=ZZ")
        .send()
        .await
        .success(StatusCode::OK);
    assert!(unknown["country"].is_null() && unknown["emergencyNumber"].is_null());
    assert!(unknown["lines"].to_string().contains("findahelpline.com"));
    let none = app
        .get("/api/safety/resources")
        .send()
        .await
        .success(StatusCode::OK);
    assert!(none["lines"].to_string().contains("findahelpline.com"));
}

async fn crisis_events_recorded(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("events@example.org", PASSWORD).await;
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": "I'm thinking about killing myself" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(started["aiResponse"]["safety"]["riskLevel"], "high");
    let user_id = Uuid::parse_str(s.id()).unwrap();
    let events = app
        .state
        .store
        .list_crisis_events(user_id, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.risk_level.as_str(), e.intervention_type.as_str()),
        ("high", "crisis_resources")
    );
    assert_eq!(
        e.message_id.map(|m| m.to_string()),
        started["message"]["id"].as_str().map(str::to_owned)
    );
    assert!(e.categories.to_string().contains("suicidal_ideation"));
    // Everyday messages record nothing.
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "thank you for listening", "sessionId": started["sessionId"] }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        app.state
            .store
            .list_crisis_events(user_id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
