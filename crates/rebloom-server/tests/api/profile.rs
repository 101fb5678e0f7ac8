//! The profile: defaults, partial updates, clearing, merging preferences, and
//! validation that names every bad field and stores nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::harness::{Ctx, TestApp, fields};

cases! {
    profile: [sqlite, postgres];
}

async fn get_profile(app: &TestApp, access: &str) -> Value {
    app.get("/api/me/profile")
        .token(access)
        .send()
        .await
        .success(StatusCode::OK)
}

async fn patch_profile(app: &TestApp, access: &str, body: Value) -> crate::harness::Resp {
    app.patch("/api/me/profile")
        .token(access)
        .json(&body)
        .send()
        .await
}

/// The profile without `updatedAt`, for before/after comparisons.
fn content(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("updatedAt");
    v
}

async fn profile(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app
        .register("mo@example.org", "lanterns over the river")
        .await;

    // Defaults of a new account.
    let defaults = get_profile(&app, &s.access).await;
    assert_eq!(
        content(defaults.clone()),
        json!({
            "displayName": null,
            "ageRange": null,
            "timezone": null,
            "language": "en",
            "country": null,
            "goals": [],
            "mentalHealthHistory": null,
            "therapeuticPreferences": {},
            "communicationPreferences": {},
            "privacySettings": {},
            "onboardingStep": null,
            "onboardingCompleted": false,
        })
    );
    assert!(defaults["updatedAt"].is_string());

    // Everything at once.
    app.advance(Duration::minutes(5));
    let full = json!({
        "displayName": "  Mo  ",
        "ageRange": "25-34",
        "timezone": "America/Mexico_City",
        "language": "es_mx",
        "country": "mx",
        "goals": ["sleep better", "  worry less ", "sleep better"],
        "mentalHealthHistory": { "diagnoses": ["anxiety"], "inTherapy": false },
        "therapeuticPreferences": {
            "approach": "person-centred",
            "secondaryApproaches": ["cbt", "mindfulness"],
        },
        "communicationPreferences": {
            "tone": "gentle",
            "replyLength": "short",
            "useName": true,
            "checkInReminders": true,
            "reminderTime": "20:30",
            "quietHoursStart": "22:00",
            "quietHoursEnd": "07:00",
            "emailNotifications": false,
        },
        "privacySettings": {
            "memoryEnabled": true,
            "storeVoiceRecordings": false,
            "analyticsOptIn": false,
            "dataRetentionDays": 365,
        },
        "onboardingStep": "goals",
        "onboardingCompleted": true,
    });
    let patched = patch_profile(&app, &s.access, full.clone())
        .await
        .success(StatusCode::OK);
    let expected = json!({
        "displayName": "Mo",
        "ageRange": "25-34",
        "timezone": "America/Mexico_City",
        "language": "es-MX",
        "country": "MX",
        "goals": ["sleep better", "worry less"],
        "mentalHealthHistory": { "diagnoses": ["anxiety"], "inTherapy": false },
        "therapeuticPreferences": full["therapeuticPreferences"],
        "communicationPreferences": full["communicationPreferences"],
        "privacySettings": full["privacySettings"],
        "onboardingStep": "goals",
        "onboardingCompleted": true,
    });
    assert_eq!(content(patched.clone()), expected);
    assert_ne!(patched["updatedAt"], defaults["updatedAt"]);
    // Stored: the same on reading, and the account shows onboarding as completed.
    let stored = get_profile(&app, &s.access).await;
    assert_eq!(stored, patched);
    assert_eq!(
        app.me(&s.access).await.success(StatusCode::OK)["onboardingCompleted"],
        true
    );

    // `null` clears nullable fields; absent fields stay.
    let cleared = patch_profile(
        &app,
        &s.access,
        json!({ "displayName": null, "country": null, "mentalHealthHistory": null, "timezone": null }),
    )
    .await
    .success(StatusCode::OK);
    let mut after_clear = expected.clone();
    for key in ["displayName", "country", "mentalHealthHistory", "timezone"] {
        after_clear[key] = Value::Null;
    }
    assert_eq!(content(cleared), after_clear);
    // An empty patch changes nothing.
    let same = patch_profile(&app, &s.access, json!({}))
        .await
        .success(StatusCode::OK);
    assert_eq!(content(same), after_clear);
    // Onboarding can be marked as not completed again.
    let undone = patch_profile(&app, &s.access, json!({ "onboardingCompleted": false }))
        .await
        .success(StatusCode::OK);
    assert_eq!(undone["onboardingCompleted"], false);
    assert_eq!(
        app.me(&s.access).await.success(StatusCode::OK)["onboardingCompleted"],
        false
    );
    let redone = patch_profile(
        &app,
        &s.access,
        json!({ "onboardingCompleted": true, "onboardingStep": "done" }),
    )
    .await
    .success(StatusCode::OK);
    after_clear["onboardingStep"] = json!("done");
    assert_eq!(content(redone), after_clear);

    // Preferences merge key by key, through either endpoint.
    let merged = app
        .patch("/api/me/preferences")
        .token(&s.access)
        .json(&json!({ "communicationPreferences": { "tone": "direct" } }))
        .send()
        .await
        .success(StatusCode::OK);
    let mut comm = full["communicationPreferences"].clone();
    comm["tone"] = json!("direct");
    assert_eq!(merged["communicationPreferences"], comm);
    assert_eq!(
        merged["therapeuticPreferences"],
        full["therapeuticPreferences"]
    );
    assert_eq!(merged["privacySettings"], full["privacySettings"]);
    let merged = patch_profile(
        &app,
        &s.access,
        json!({
            "privacySettings": { "analyticsOptIn": true },
            "therapeuticPreferences": { "approach": "act" },
        }),
    )
    .await
    .success(StatusCode::OK);
    let mut privacy = full["privacySettings"].clone();
    privacy["analyticsOptIn"] = json!(true);
    assert_eq!(merged["privacySettings"], privacy);
    assert_eq!(
        merged["therapeuticPreferences"],
        json!({ "approach": "act", "secondaryApproaches": ["cbt", "mindfulness"] })
    );
    assert_eq!(merged["communicationPreferences"], comm);
    assert_eq!(merged["ageRange"], "25-34");
    let before_invalid = get_profile(&app, &s.access).await;

    // Invalid values: one 422 naming every bad field; nothing is stored.
    let resp = patch_profile(
        &app,
        &s.access,
        json!({
            "displayName": "A new name that must not be stored",
            "timezone": "Mars/Olympus",
            "ageRange": "12",
            "country": "XX",
            "language": "klingon",
            "goals": ["rest", "   "],
            "communicationPreferences": { "reminderTime": "25:00", "quietHoursEnd": "7:00" },
            "privacySettings": { "dataRetentionDays": 5 },
            "therapeuticPreferences": {
                "secondaryApproaches": ["cbt", "dbt", "act", "mindfulness", "cbt"],
            },
            "onboardingStep": "nowhere",
            "mentalHealthHistory": "not an object",
        }),
    )
    .await;
    let mut errors = resp.field_errors();
    errors.sort();
    let mut want = fields(&[
        ("ageRange", "invalid_choice"),
        ("communicationPreferences.quietHoursEnd", "invalid_time"),
        ("communicationPreferences.reminderTime", "invalid_time"),
        ("country", "invalid_country"),
        ("goals[1]", "invalid_goal"),
        ("language", "invalid_language"),
        ("mentalHealthHistory", "invalid_type"),
        ("onboardingStep", "invalid_choice"),
        ("privacySettings.dataRetentionDays", "out_of_range"),
        ("therapeuticPreferences.secondaryApproaches", "too_many"),
        ("timezone", "invalid_timezone"),
    ]);
    want.sort();
    assert_eq!(errors, want);
    assert_eq!(get_profile(&app, &s.access).await, before_invalid);

    // Values of the wrong kind (an unknown approach, an unknown field, wrong
    // types) are refused while reading the body, each named by its path.
    for (body, field) in [
        (
            json!({ "therapeuticPreferences": { "approach": "freudian" } }),
            "therapeuticPreferences.approach",
        ),
        (
            json!({ "communicationPreferences": { "tone": "sarcastic" } }),
            "communicationPreferences.tone",
        ),
        (json!({ "favouriteColour": "green" }), "favouriteColour"),
        (
            json!({ "privacySettings": { "sellMyData": true } }),
            "privacySettings.sellMyData",
        ),
        (json!({ "goals": "sleep" }), "goals"),
        (
            json!({ "onboardingCompleted": "yes" }),
            "onboardingCompleted",
        ),
    ] {
        let resp = patch_profile(&app, &s.access, body.clone()).await;
        assert_eq!(
            resp.field_errors(),
            fields(&[(field, "invalid")]),
            "{body}: {}",
            resp.text()
        );
    }
    assert_eq!(get_profile(&app, &s.access).await, before_invalid);
    // Preferences endpoint validates the same way.
    let resp = app
        .patch("/api/me/preferences")
        .token(&s.access)
        .json(&json!({
            "communicationPreferences": { "reminderTime": "12:60" },
            "privacySettings": { "dataRetentionDays": 4000 },
        }))
        .send()
        .await;
    let mut errors = resp.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        fields(&[
            ("communicationPreferences.reminderTime", "invalid_time"),
            ("privacySettings.dataRetentionDays", "out_of_range"),
        ])
    );
    assert_eq!(get_profile(&app, &s.access).await, before_invalid);

    // Profile fields given at registration are stored with the account.
    let resp = app
        .post("/api/auth/register")
        .json(&json!({
            "email": "pia@example.org",
            "password": "lanterns over the river",
            "profile": { "displayName": "Pia", "language": "pt_br", "country": "br" },
        }))
        .send()
        .await;
    let pia = crate::harness::Session::from(resp.success(StatusCode::CREATED));
    let theirs = get_profile(&app, &pia.access).await;
    assert_eq!(theirs["displayName"], "Pia");
    assert_eq!(theirs["language"], "pt-BR");
    assert_eq!(theirs["country"], "BR");
    // And one account's changes never show in another's.
    assert_eq!(theirs["goals"], json!([]));

    // Without a token: 401.
    app.get("/api/me/profile")
        .send()
        .await
        .problem(401, "token_missing");
}
