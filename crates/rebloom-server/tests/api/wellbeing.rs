//! Wellbeing end to end: mood check-ins and their trends in the person's own
//! time zone, goals with a progress history, and PHQ-9 / GAD-7 scored, with
//! PHQ-9 item 9 going straight to the safety protocol and FHIR export.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::harness::{Ctx, Session, TestApp};

cases! {
    moods_recorded_edited_and_deleted: [sqlite, postgres];
    trends_follow_the_persons_days: [sqlite, postgres];
    goals_with_progress_history: [sqlite, postgres];
    questionnaires_scored_and_exported: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn mood(app: &TestApp, s: &Session, body: Value) -> Value {
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&body)
        .send()
        .await
        .success(StatusCode::CREATED)
}

async fn moods_recorded_edited_and_deleted(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("moods@example.org", PASSWORD).await;
    let other = app.register("not-mine@example.org", PASSWORD).await;
    let started = app.start(&s, json!({ "message": "hello" })).await;
    let session = started["sessionId"].as_str().unwrap();

    let m = mood(
        &app,
        &s,
        json!({
            "moodScore": 6, "anxietyLevel": 4, "stressLevel": 5, "energyLevel": 7,
            "notes": "  a walk at lunch  ", "triggers": ["Work", "work ", "sleep"],
            "sessionId": session,
        }),
    )
    .await;
    assert_eq!(m["moodScore"], 6);
    assert_eq!(m["notes"], "a walk at lunch");
    assert_eq!(m["triggers"], json!(["Work", "sleep"]));
    assert_eq!(m["sessionId"], session);
    assert_eq!(m["localDate"].as_str().unwrap().len(), 10);
    let id = m["id"].as_str().unwrap().to_owned();

    // Bad input: named fields, nothing stored.
    let now = app.state.clock.now();
    for (body, field) in [
        (json!({ "moodScore": 11 }), "moodScore"),
        (json!({ "moodScore": 0 }), "moodScore"),
        (json!({ "moodScore": 5, "anxietyLevel": 0 }), "anxietyLevel"),
        (
            json!({ "moodScore": 5, "triggers": ["x".repeat(51)] }),
            "triggers",
        ),
        (
            json!({ "moodScore": 5, "notes": "n".repeat(2001) }),
            "notes",
        ),
        (
            json!({ "moodScore": 5, "sessionId": uuid::Uuid::now_v7() }),
            "sessionId",
        ),
        (
            json!({ "moodScore": 5, "recordedAt": rfc3339(now + time::Duration::hours(1)) }),
            "recordedAt",
        ),
    ] {
        let p = app
            .post("/api/me/moods")
            .token(&s.access)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{body}");
    }
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 5, "colour": "blue" }))
        .send()
        .await
        .problem(422, "validation_failed");
    // Another person's session is not theirs to link.
    let theirs = app.start(&other, json!({})).await;
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 5, "sessionId": theirs["sessionId"] }))
        .send()
        .await
        .problem(422, "validation_failed");

    // Earlier entries, back-dated.
    mood(
        &app,
        &s,
        json!({ "moodScore": 3, "recordedAt": rfc3339(now - time::Duration::days(3)) }),
    )
    .await;
    mood(
        &app,
        &s,
        json!({ "moodScore": 2, "recordedAt": rfc3339(now - time::Duration::days(40)) }),
    )
    .await;
    let list = app
        .get("/api/me/moods?range=7d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let scores: Vec<i64> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["moodScore"].as_i64().unwrap())
        .collect();
    assert_eq!(scores, [6, 3], "newest first, the 40-day-old one outside");
    let all = app
        .get("/api/me/moods?range=60d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(all["entries"].as_array().unwrap().len(), 3);
    app.get("/api/me/moods?range=9x")
        .token(&s.access)
        .send()
        .await
        .problem(422, "validation_failed");

    // Edit: absent fields stay, null clears.
    let edited = app
        .patch(&format!("/api/me/moods/{id}"))
        .token(&s.access)
        .json(&json!({ "moodScore": 7, "anxietyLevel": null, "triggers": ["family"] }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(edited["moodScore"], 7);
    assert!(edited["anxietyLevel"].is_null());
    assert_eq!(edited["stressLevel"], 5);
    assert_eq!(edited["triggers"], json!(["family"]));
    assert_eq!(edited["notes"], "a walk at lunch");
    assert!(edited["updatedAt"].is_string());
    app.patch(&format!("/api/me/moods/{id}"))
        .token(&s.access)
        .json(&json!({ "moodScore": 12 }))
        .send()
        .await
        .problem(422, "validation_failed");
    let again = app
        .get(&format!("/api/me/moods/{id}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(again["moodScore"], 7, "a refused edit changed nothing");

    // Only theirs.
    for req in [
        app.get(&format!("/api/me/moods/{id}")),
        app.patch(&format!("/api/me/moods/{id}"))
            .json(&json!({ "moodScore": 1 })),
        app.request(reqwest::Method::DELETE, &format!("/api/me/moods/{id}")),
    ] {
        req.token(&other.access)
            .send()
            .await
            .problem(404, "not_found");
    }
    app.request(reqwest::Method::DELETE, &format!("/api/me/moods/{id}"))
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    app.get(&format!("/api/me/moods/{id}"))
        .token(&s.access)
        .send()
        .await
        .problem(404, "not_found");
}

/// Days, weeks and months are the person's: an entry at 23:30 UTC belongs to
/// the next day in Auckland (UTC+13 in November).
async fn trends_follow_the_persons_days(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("trends@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "timezone": "Pacific/Auckland" }))
        .await;
    let tz = jiff::tz::db().get("Pacific/Auckland").unwrap();
    let now = app.state.clock.now();
    let local = |t: OffsetDateTime| {
        jiff::Timestamp::from_second(t.unix_timestamp())
            .unwrap()
            .to_zoned(tz.clone())
            .date()
    };
    let today = local(now);
    // Noon local time, `days` days ago.
    let noon = |days: i64| {
        let d = today.checked_sub(jiff::Span::new().days(days)).unwrap();
        let z = d.at(12, 0, 0, 0).to_zoned(tz.clone()).unwrap();
        OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).unwrap()
    };
    // Six days of entries: mood 2, 4, 6, 8, then a gap, then two on the last day.
    let entries = [
        (6, 2, Some(8)),
        (5, 4, Some(6)),
        (4, 6, None),
        (3, 8, Some(2)),
        (0, 5, None),
        (0, 9, Some(3)),
    ];
    for (days, score, anxiety) in entries {
        let mut body = json!({ "moodScore": score, "recordedAt": rfc3339(noon(days).min(now)) });
        if let Some(a) = anxiety {
            body["anxietyLevel"] = json!(a);
        }
        mood(&app, &s, body).await;
    }
    let t = app
        .get("/api/me/moods/trends?range=7d&bucket=day")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(t["timezone"], "Pacific/Auckland");
    assert_eq!(t["to"], today.to_string());
    assert_eq!(t["count"], 6);
    let series = &t["series"];
    assert_eq!(series["labels"].as_array().unwrap().len(), 7);
    assert_eq!(series["labels"][6], today.to_string());
    assert_eq!(series["mood"], json!([2.0, 4.0, 6.0, 8.0, null, null, 7.0]));
    assert_eq!(series["count"], json!([1, 1, 1, 1, 0, 0, 2]));
    assert_eq!(
        series["anxiety"],
        json!([8.0, 6.0, null, 2.0, null, null, 3.0])
    );
    // The trailing week on the last day holds every entry: (2+4+6+8+5+9)/6.
    assert_eq!(series["movingAverage"][6], json!(5.67));
    assert_eq!(series["movingAverage"][1], json!(3.0));
    let last = &t["buckets"][6];
    assert_eq!(last["mood"]["min"], 5);
    assert_eq!(last["mood"]["max"], 9);
    assert_eq!(t["mood"]["avg"], json!(5.67));
    assert_eq!(t["mood"]["min"], 2);

    // A late-evening UTC entry lands on the person's next day.
    let late = app
        .get("/api/me/moods?range=7d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    for e in late["entries"].as_array().unwrap() {
        let at = OffsetDateTime::parse(e["recordedAt"].as_str().unwrap(), &Rfc3339).unwrap();
        assert_eq!(e["localDate"], local(at).to_string());
    }

    // Weeks start on Monday; every entry counted once.
    let w = app
        .get("/api/me/moods/trends?range=7d&bucket=week")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let weeks = w["buckets"].as_array().unwrap();
    assert!(weeks.len() == 1 || weeks.len() == 2, "{w}");
    for b in weeks {
        let start: jiff::civil::Date = b["start"].as_str().unwrap().parse().unwrap();
        assert_eq!(start.weekday(), jiff::civil::Weekday::Monday);
    }
    let counted: i64 = weeks.iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, 6);
    let m = app
        .get("/api/me/moods/trends?range=3m&bucket=month")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(m["series"]["labels"].as_array().unwrap().len() >= 3);
    app.get("/api/me/moods/trends?bucket=hour")
        .token(&s.access)
        .send()
        .await
        .problem(422, "validation_failed");
    app.get("/api/me/moods/trends?range=5y")
        .token(&s.access)
        .send()
        .await
        .problem(422, "validation_failed");
}

async fn goals_with_progress_history(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("goals@example.org", PASSWORD).await;
    let other = app.register("other-goals@example.org", PASSWORD).await;
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": "Sleep better", "category": "sleep", "targetDate": "2099-01-31", "description": "Up at 7" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    assert_eq!(goal["status"], "active");
    assert_eq!(goal["progressPercentage"], 0);
    assert_eq!(goal["targetDate"], "2099-01-31");
    assert_eq!(goal["nextSteps"].as_array().unwrap().len(), 2);
    assert!(
        goal["nextSteps"][0]
            .as_str()
            .unwrap()
            .contains("wake-up time")
    );
    let id = goal["id"].as_str().unwrap().to_owned();

    for (body, field) in [
        (json!({ "title": "" }), "title"),
        (json!({ "title": "x", "category": "astrology" }), "category"),
        (
            json!({ "title": "x", "targetDate": "2001-01-01" }),
            "targetDate",
        ),
        (json!({ "title": "x", "targetDate": "soon" }), "targetDate"),
    ] {
        let p = app
            .post("/api/me/goals")
            .token(&s.access)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field);
    }

    let progress = |pct: i64, note: Option<&str>| {
        let mut body = json!({ "progressPercentage": pct });
        if let Some(n) = note {
            body["note"] = json!(n);
        }
        app.post(&format!("/api/me/goals/{id}/progress"))
            .token(&s.access)
            .json(&body)
            .send()
    };
    let g = progress(40, Some("three good nights"))
        .await
        .success(StatusCode::OK);
    assert_eq!(g["progressPercentage"], 40);
    assert_eq!(g["history"][0]["note"], "three good nights");
    assert!(g["nextSteps"][0].as_str().unwrap().contains("slept"));
    app.advance(time::Duration::minutes(1));
    let done = progress(100, None).await.success(StatusCode::OK);
    assert_eq!(done["status"], "completed");
    assert!(done["completedAt"].is_string());
    assert!(done["nextSteps"].as_array().unwrap().is_empty());
    let history: Vec<i64> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["progressPercentage"].as_i64().unwrap())
        .collect();
    assert_eq!(history, [40, 100]);
    progress(101, None).await.problem(422, "validation_failed");
    // Back below 100 reopens it.
    let reopened = progress(90, None).await.success(StatusCode::OK);
    assert_eq!(reopened["status"], "active");
    assert!(reopened["completedAt"].is_null());

    // Archived goals take no progress until restored.
    let archived = app
        .patch(&format!("/api/me/goals/{id}"))
        .token(&s.access)
        .json(&json!({ "status": "archived", "description": null }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(archived["status"], "archived");
    assert!(archived["description"].is_null());
    assert_eq!(archived["history"].as_array().unwrap().len(), 3);
    progress(95, None).await.problem(409, "goal_archived");
    app.patch(&format!("/api/me/goals/{id}"))
        .token(&s.access)
        .json(&json!({ "status": "finished" }))
        .send()
        .await
        .problem(422, "validation_failed");

    let active = app
        .get("/api/me/goals?status=active")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(active["goals"].as_array().unwrap().is_empty());
    let all = app
        .get("/api/me/goals")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(all["goals"][0]["title"], "Sleep better");
    app.get(&format!("/api/me/goals/{id}"))
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");
    app.request(reqwest::Method::DELETE, &format!("/api/me/goals/{id}"))
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");
    app.request(reqwest::Method::DELETE, &format!("/api/me/goals/{id}"))
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    app.get(&format!("/api/me/goals/{id}"))
        .token(&s.access)
        .send()
        .await
        .problem(404, "not_found");
}

async fn questionnaires_scored_and_exported(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let first_session = app.register("phq@example.org", PASSWORD).await;
    app.set_profile(&first_session, json!({ "country": "GB" }))
        .await;
    let mut s = first_session;
    let instruments = app
        .get("/api/questionnaires")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let phq = &instruments["instruments"][0];
    assert_eq!(phq["id"], "phq9");
    assert_eq!(phq["items"].as_array().unwrap().len(), 9);
    assert_eq!(
        instruments["instruments"][1]["items"]
            .as_array()
            .unwrap()
            .len(),
        7
    );

    let submit = |s: &Session, body: Value| {
        app.post("/api/me/questionnaires")
            .token(&s.access)
            .json(&body)
            .send()
    };
    let first = submit(
        &s,
        json!({ "instrument": "phq9", "answers": [2, 2, 2, 2, 2, 2, 1, 1, 0] }),
    )
    .await
    .success(StatusCode::CREATED);
    assert_eq!(first["response"]["totalScore"], 14);
    assert_eq!(first["response"]["severity"], "moderate");
    assert_eq!(first["response"]["maxScore"], 27);
    assert!(first["response"]["change"].is_null());
    assert!(first["safety"].is_null());

    // Two weeks later (signed in again).
    app.advance(time::Duration::days(14));
    s = app.login("phq@example.org", PASSWORD).await;
    // Item 9 above 0: the safety protocol, with the person's country's lines.
    let second = submit(
        &s,
        json!({ "instrument": "phq9", "answers": [1, 1, 1, 1, 1, 0, 0, 0, 1] }),
    )
    .await
    .success(StatusCode::CREATED);
    assert_eq!(second["response"]["totalScore"], 6);
    assert_eq!(second["response"]["severity"], "mild");
    assert_eq!(second["response"]["change"], -8);
    assert_eq!(second["safety"]["riskLevel"], "high");
    let lines = second["safety"]["resources"].to_string();
    assert!(lines.contains("116 123"), "Samaritans for GB: {lines}");
    assert!(!second["safetyMessage"].as_str().unwrap().is_empty());
    let events = app
        .state
        .store
        .list_crisis_events(uuid::Uuid::parse_str(s.id()).unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].intervention_type, "questionnaire");
    assert_eq!(events[0].risk_level, "high");

    let gad = submit(
        &s,
        json!({ "instrument": "gad7", "answers": [3, 3, 3, 2, 2, 2, 1] }),
    )
    .await
    .success(StatusCode::CREATED);
    assert_eq!(gad["response"]["totalScore"], 16);
    assert_eq!(gad["response"]["severity"], "severe");
    assert!(gad["safety"].is_null());

    for (body, field) in [
        (
            json!({ "instrument": "phq9", "answers": [1, 1] }),
            "answers",
        ),
        (
            json!({ "instrument": "gad7", "answers": [0, 0, 0, 4, 0, 0, 0] }),
            "answers[3]",
        ),
        (json!({ "instrument": "bdi", "answers": [] }), "instrument"),
    ] {
        let p = submit(&s, body).await.problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field);
    }

    let history = app
        .get("/api/me/questionnaires")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(history["responses"].as_array().unwrap().len(), 3);
    assert_eq!(history["trend"]["phq9"]["direction"], "improving");
    assert_eq!(history["trend"]["phq9"]["change"], -8);
    assert!(history["trend"]["gad7"].is_null());
    let only_gad = app
        .get("/api/me/questionnaires?instrument=gad7")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(only_gad["responses"].as_array().unwrap().len(), 1);

    let fhir = app
        .get("/api/me/questionnaires/fhir")
        .token(&s.access)
        .send()
        .await;
    assert_eq!(fhir.status, StatusCode::OK);
    assert_eq!(fhir.header("content-type"), Some("application/fhir+json"));
    let bundle: Value = serde_json::from_slice(&fhir.body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["total"], 3);
    let phq_latest = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["questionnaire"] == "http://loinc.org/q/44249-1")
        .unwrap();
    assert_eq!(phq_latest["status"], "completed");
    assert_eq!(
        phq_latest["subject"]["reference"],
        format!("Patient/{}", s.id())
    );
    let items = phq_latest["item"].as_array().unwrap();
    assert_eq!(items[8]["linkId"], "44260-8");
    assert_eq!(items[8]["answer"][0]["valueCoding"]["code"], "LA6569-3");
    assert_eq!(items[9]["linkId"], "44261-6");
    assert_eq!(items[9]["answer"][0]["valueInteger"], 6);
}

cases! {
    weekly_insight_checks_against_entries: [sqlite, postgres];
}

/// Six weeks of check-ins in Berlin; the weekly insight's every figure is
/// recomputed here from the entries it cites. The scheduler queues each
/// person's finished week once; the architecture's path serves it.
async fn weekly_insight_checks_against_entries(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let email = "weekly@example.org";
    let s = app.register(email, PASSWORD).await;
    app.register("weekly-other@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "timezone": "Europe/Berlin" }))
        .await;
    let tz = jiff::tz::db().get("Europe/Berlin").unwrap();
    let local = |t: OffsetDateTime| {
        jiff::Timestamp::from_second(t.unix_timestamp())
            .unwrap()
            .to_zoned(tz.clone())
            .date()
    };
    // Progress on a goal now; then a week passes, so this week is the last finished one.
    let t0 = app.state.clock.now();
    let week = rebloom_core::wellbeing::trends::Bucket::Week.start(local(t0));
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": "Walk more", "category": "activity" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    for pct in [30, 60] {
        app.post(&format!(
            "/api/me/goals/{}/progress",
            goal["id"].as_str().unwrap()
        ))
        .token(&s.access)
        .json(&json!({ "progressPercentage": pct }))
        .send()
        .await
        .success(StatusCode::OK);
    }
    app.advance(time::Duration::days(7));
    let s = app.login(email, PASSWORD).await;
    let other = app.login("weekly-other@example.org", PASSWORD).await;
    // Monday, Wednesday and Friday at noon, for six weeks ending with `week`.
    let noon = |d: jiff::civil::Date| {
        let z = d.at(12, 0, 0, 0).to_zoned(tz.clone()).unwrap();
        rfc3339(OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).unwrap())
    };
    for k in (0..6).rev() {
        let monday = week.checked_sub(jiff::Span::new().weeks(k)).unwrap();
        let day = |n: i64| monday.checked_add(jiff::Span::new().days(n)).unwrap();
        let friday_mood = if k == 0 { 8 } else { 6 };
        for body in [
            json!({ "moodScore": 7, "triggers": ["walk"], "recordedAt": noon(day(0)) }),
            json!({ "moodScore": 4, "triggers": ["work"], "anxietyLevel": 7, "recordedAt": noon(day(2)) }),
            json!({ "moodScore": friday_mood, "recordedAt": noon(day(4)) }),
        ] {
            mood(&app, &s, body).await;
        }
    }

    let insight = app
        .post("/api/me/insights/weekly")
        .token(&s.access)
        .json(&json!({}))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(insight["periodStart"], week.to_string());
    let c = &insight["content"];
    assert_eq!(c["period"]["timezone"], "Europe/Berlin");

    // Every cited entry, read back through the API.
    let entries = app
        .get("/api/me/moods?range=60d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let by_id = |id: &Value| {
        entries["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == *id)
            .unwrap_or_else(|| panic!("cited entry {id} exists"))
            .clone()
    };
    let avg = |ids: &Value| {
        let v: Vec<f64> = ids
            .as_array()
            .unwrap()
            .iter()
            .map(|id| by_id(id)["moodScore"].as_f64().unwrap())
            .collect();
        (v.iter().sum::<f64>() / v.len() as f64 * 100.0).round() / 100.0
    };
    let mood_part = &c["mood"];
    assert_eq!(mood_part["entries"], 3);
    assert_eq!(mood_part["average"], json!(avg(&mood_part["evidence"])));
    assert_eq!(mood_part["average"], json!(6.33));
    assert_eq!(
        mood_part["previousAverage"],
        json!(avg(&mood_part["previousEvidence"]))
    );
    assert_eq!(mood_part["previousAverage"], json!(5.67));
    assert_eq!(mood_part["change"], json!(0.66));
    assert_eq!(mood_part["direction"], "up");
    assert_eq!(mood_part["size"], "small");
    assert_eq!(mood_part["anxietyAverage"], json!(7.0));
    for id in mood_part["evidence"].as_array().unwrap() {
        let d: jiff::civil::Date = by_id(id)["localDate"].as_str().unwrap().parse().unwrap();
        assert!(d >= week && d < week.checked_add(jiff::Span::new().days(7)).unwrap());
    }
    let friday = week.checked_add(jiff::Span::new().days(4)).unwrap();
    let wednesday = week.checked_add(jiff::Span::new().days(2)).unwrap();
    assert_eq!(c["bestDay"]["date"], friday.to_string());
    assert_eq!(c["bestDay"]["average"], json!(8.0));
    assert_eq!(c["hardestDay"]["date"], wednesday.to_string());

    // Triggers over the last four weeks: "work" lower, "walk" higher.
    let triggers = c["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), 2, "{triggers:?}");
    let work = &triggers[0];
    assert_eq!(work["trigger"], "work");
    assert_eq!(work["association"], "lower");
    assert_eq!(work["entriesWith"], 4);
    assert_eq!(work["entriesWithout"], 8);
    assert_eq!(work["withAverage"], json!(avg(&work["evidence"])));
    assert_eq!(work["withAverage"], json!(4.0));
    assert_eq!(work["withoutAverage"], json!(6.75));
    assert_eq!(work["difference"], json!(-2.75));
    let walk = &triggers[1];
    assert_eq!(walk["trigger"], "walk");
    assert_eq!(walk["withAverage"], json!(7.0));
    assert_eq!(walk["withoutAverage"], json!(5.25));
    assert!(c["suggestion"].as_str().unwrap().contains("\"walk\""));

    // Goal progress made in that week, and engagement.
    let goals = c["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0]["progressFrom"], 0);
    assert_eq!(goals[0]["progressTo"], 60);
    assert_eq!(goals[0]["updates"], 2);
    let mut active: std::collections::BTreeSet<jiff::civil::Date> = [0, 2, 4]
        .iter()
        .map(|n| week.checked_add(jiff::Span::new().days(*n)).unwrap())
        .collect();
    active.insert(local(t0));
    assert_eq!(c["engagement"]["activeDays"], active.len());
    assert_eq!(c["engagement"]["moodCheckIns"], 3);
    let areas: Vec<&str> = c["improvementAreas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["area"].as_str().unwrap())
        .collect();
    assert!(
        areas.contains(&"anxiety") && areas.contains(&"trigger"),
        "{areas:?}"
    );

    // Asked again: the same insight, not a second one.
    let again = app
        .post("/api/me/insights/weekly")
        .token(&s.access)
        .json(&json!({ "weekStart": week.to_string() }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(again["id"], insight["id"]);
    app.post("/api/me/insights/weekly")
        .token(&s.access)
        .json(&json!({ "weekStart": week.checked_add(jiff::Span::new().days(1)).unwrap().to_string() }))
        .send()
        .await
        .problem(422, "validation_failed");

    // The scheduler: the other person's finished week is queued once, written by the job.
    let now = app.state.clock.now();
    let queued = app.state.insights.schedule_due(now).await.unwrap();
    assert_eq!(queued, 1, "only the person without this week's insight");
    assert_eq!(
        app.state.insights.schedule_due(now).await.unwrap(),
        0,
        "queued once"
    );
    app.run_jobs().await;
    let theirs = app
        .get(&format!("/api/users/{}/insights", other.id()))
        .token(&other.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(theirs["insights"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["insights"][0]["content"]["mood"]["entries"], 0);
    assert!(app.state.insights.schedule_due(now).await.unwrap() == 0);

    // Only one's own; acknowledged once read.
    app.get(&format!("/api/users/{}/insights", s.id()))
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");
    let mine = app
        .get(&format!("/api/users/{}/insights", s.id()))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let me = app
        .get("/api/me/insights")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(mine, me);
    assert!(me["insights"][0]["acknowledgedAt"].is_null());
    app.post(&format!(
        "/api/me/insights/{}/acknowledge",
        insight["id"].as_str().unwrap()
    ))
    .token(&s.access)
    .send()
    .await
    .expect_no_content();
    let me = app
        .get("/api/me/insights")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(me["insights"][0]["acknowledgedAt"].is_string());
}

cases! {
    engagement_counts_active_days: [sqlite, postgres];
}

async fn engagement_counts_active_days(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("engaged@example.org", PASSWORD).await;
    let now = app.state.clock.now();
    app.start(&s, json!({ "message": "a quiet day" })).await;
    mood(&app, &s, json!({ "moodScore": 6 })).await;
    mood(
        &app,
        &s,
        json!({ "moodScore": 5, "recordedAt": rfc3339(now - time::Duration::days(1)) }),
    )
    .await;
    mood(
        &app,
        &s,
        json!({ "moodScore": 4, "recordedAt": rfc3339(now - time::Duration::days(20)) }),
    )
    .await;
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": "Read" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post(&format!(
        "/api/me/goals/{}/progress",
        goal["id"].as_str().unwrap()
    ))
    .token(&s.access)
    .json(&json!({ "progressPercentage": 10 }))
    .send()
    .await
    .success(StatusCode::OK);
    app.post("/api/me/questionnaires")
        .token(&s.access)
        .json(&json!({ "instrument": "gad7", "answers": [0, 0, 0, 0, 0, 0, 1] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let e = app
        .get("/api/me/engagement?range=7d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(e["activeDays"], 2, "{e}");
    assert_eq!(e["currentStreak"], 2);
    assert_eq!(e["longestStreak"], 2);
    assert_eq!(e["sessions"], 1);
    assert_eq!(e["messages"], 1);
    assert_eq!(e["moodCheckIns"], 2);
    assert_eq!(e["goalUpdates"], 1);
    assert_eq!(e["questionnaires"], 1);
    assert_eq!(e["sessionsPerWeek"], json!(1.0));
    let month = app
        .get("/api/me/engagement?range=30d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(month["activeDays"], 3);
    assert_eq!(month["moodCheckIns"], 3);
}

cases! {
    graphql_and_rest_agree: [sqlite, postgres];
}

async fn graphql(app: &TestApp, s: &Session, query: &str) -> Value {
    app.post("/api/graphql")
        .token(&s.access)
        .json(&json!({ "query": query }))
        .send()
        .await
        .success(StatusCode::OK)
}

/// The dashboard's GraphQL gives the caller's own data, the same as REST,
/// within depth and complexity limits, behind the same authentication.
async fn graphql_and_rest_agree(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("graph@example.org", PASSWORD).await;
    let other = app.register("graph-other@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "timezone": "America/New_York" }))
        .await;
    let now = app.state.clock.now();
    app.start(&s, json!({ "message": "work was a lot today" }))
        .await;
    for (days, score, trigger) in [(0, 6, "walk"), (1, 4, "work"), (3, 7, "walk")] {
        mood(
            &app,
            &s,
            json!({ "moodScore": score, "triggers": [trigger], "recordedAt": rfc3339(now - time::Duration::days(days)) }),
        )
        .await;
    }
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": "Walk daily", "category": "activity" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post(&format!(
        "/api/me/goals/{}/progress",
        goal["id"].as_str().unwrap()
    ))
    .token(&s.access)
    .json(&json!({ "progressPercentage": 25, "note": "two walks" }))
    .send()
    .await
    .success(StatusCode::OK);
    app.post("/api/me/questionnaires")
        .token(&s.access)
        .json(&json!({ "instrument": "phq9", "answers": [1, 1, 1, 0, 0, 0, 0, 0, 0] }))
        .send()
        .await
        .success(StatusCode::CREATED);

    let g = graphql(
        &app,
        &s,
        r#"{ me
             sessions(first: 5) { id messageCount messages(first: 10) { sender riskLevel emotionalTags } }
             moods(range: "30d") { id moodScore triggers localDate }
             moodTrends(range: "7d", bucket: "day")
             engagement(range: "7d")
             goals { id title progressPercentage history { progressPercentage note } }
             questionnaires { instrument totalScore severity }
             insights { id } }"#,
    )
    .await;
    assert!(g["errors"].is_null(), "{g}");
    let d = &g["data"];
    assert_eq!(d["me"], s.id());
    assert_eq!(d["sessions"][0]["messageCount"], 2);
    assert_eq!(d["sessions"][0]["messages"][0]["sender"], "user");
    assert!(d["sessions"][0]["messages"][0].get("content").is_none());

    let rest = |path: &str| {
        let path = path.to_owned();
        let s = &s;
        let app = &app;
        async move {
            app.get(&path)
                .token(&s.access)
                .send()
                .await
                .success(StatusCode::OK)
        }
    };
    let moods = rest("/api/me/moods?range=30d").await;
    let rest_moods: Vec<(Value, Value, Value)> = moods["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].clone(),
                m["moodScore"].clone(),
                m["localDate"].clone(),
            )
        })
        .collect();
    let gql_moods: Vec<(Value, Value, Value)> = d["moods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].clone(),
                m["moodScore"].clone(),
                m["localDate"].clone(),
            )
        })
        .collect();
    assert_eq!(gql_moods, rest_moods);
    assert_eq!(gql_moods.len(), 3);
    assert_eq!(
        d["moodTrends"],
        rest("/api/me/moods/trends?range=7d&bucket=day").await
    );
    assert_eq!(d["engagement"], rest("/api/me/engagement?range=7d").await);
    let g_goal = &d["goals"][0];
    let r_goal = rest(&format!("/api/me/goals/{}", goal["id"].as_str().unwrap())).await;
    assert_eq!(g_goal["id"], r_goal["id"]);
    assert_eq!(g_goal["progressPercentage"], r_goal["progressPercentage"]);
    assert_eq!(g_goal["history"][0]["note"], r_goal["history"][0]["note"]);
    let r_q = rest("/api/me/questionnaires").await;
    assert_eq!(
        d["questionnaires"][0]["totalScore"],
        r_q["responses"][0]["totalScore"]
    );
    assert_eq!(d["questionnaires"][0]["severity"], "minimal");

    // Only one's own.
    let theirs = graphql(
        &app,
        &other,
        "{ moods(range: \"30d\") { id } goals { id } sessions { id } }",
    )
    .await;
    assert_eq!(theirs["data"]["moods"], json!([]));
    assert_eq!(theirs["data"]["goals"], json!([]));
    // The same authentication.
    app.post("/api/graphql")
        .json(&json!({ "query": "{ me }" }))
        .send()
        .await
        .problem(401, "token_missing");
    // Bad arguments name the REST error code.
    let bad = graphql(&app, &s, "{ moods(range: \"9x\") { id } }").await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "validation_failed",
        "{bad}"
    );
    // Limits.
    let complex = graphql(
        &app,
        &s,
        "{ sessions(first: 200) { messages(first: 200) { id sender riskLevel } } }",
    )
    .await;
    assert!(
        complex["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{complex}"
    );
    let deep = graphql(
        &app,
        &s,
        "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }",
    )
    .await;
    assert!(
        deep["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{deep}"
    );
}
