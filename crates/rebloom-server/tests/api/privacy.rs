//! Encryption at rest: canary strings written through the API are found in
//! none of the places data rests — the SQLite file (and its WAL), a `pg_dump`
//! of the schema, the Redis keyspace, the data directory's files — while the
//! API still returns them to their owner. A control string that is stored in
//! the clear (the e-mail address) is found, so the scans do look in the right
//! places.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Backend, Ctx};

cases! {
    canaries_never_at_rest: [sqlite, postgres_redis];
    erasure_shreds_backups: [sqlite, postgres];
    audit_log_chain: [sqlite, postgres];
    export_downloaded_once: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

fn files_under(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn canaries_never_at_rest(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let email = "canary-control@example.org";
    let s = app.register(email, PASSWORD).await;
    let canary = |what: &str| format!("CNRY{what}7Q");
    app.set_profile(
        &s,
        json!({
            "goals": [canary("goal")],
            "mentalHealthHistory": { "notes": canary("history") },
        }),
    )
    .await;
    let started = app
        .post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": format!("my week was {} and tiring", canary("message")) }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let session = started["sessionId"].clone();
    let send = |text: String, key: Option<&str>| {
        let mut req = app
            .post(&format!("/api/conversations/{}/messages", s.id()))
            .token(&s.access)
            .json(&json!({ "message": text, "sessionId": session }));
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req
    };
    // An exercise keeps the person's answers in the engine state; a keyed
    // request keeps its reply in the idempotency record.
    send("can we do a thought record".into(), None)
        .send()
        .await
        .success(StatusCode::OK);
    send("ok".into(), None).send().await.success(StatusCode::OK);
    send(format!("the thought is {}", canary("thought")), Some("k-1"))
        .send()
        .await
        .success(StatusCode::OK);
    app.request(Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&json!({ "warningSigns": [canary("plan")], "peopleToAsk": [{ "name": canary("person") }] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.request(Method::PUT, "/api/me/trusted-contact")
        .token(&s.access)
        .json(&json!({ "name": canary("contact"), "email": "cnrycontact7q@example.org", "consent": true }))
        .send()
        .await
        .success(StatusCode::OK);
    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&json!({ "enabled": true, "neverRemember": [canary("topic")] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.post("/api/me/memories")
        .token(&s.access)
        .json(&json!({ "content": format!("my note {}", canary("memory")) }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 4, "notes": canary("moodnote"), "triggers": [canary("trigger")] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": canary("goaltitle"), "description": canary("goaldesc") }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post(&format!(
        "/api/me/goals/{}/progress",
        goal["id"].as_str().unwrap()
    ))
    .token(&s.access)
    .json(&json!({ "progressPercentage": 30, "note": canary("progress") }))
    .send()
    .await
    .success(StatusCode::OK);
    app.post(&format!(
        "/api/conversations/sessions/{}/end",
        session.as_str().unwrap()
    ))
    .token(&s.access)
    .json(&json!({ "moodAfter": 6 }))
    .send()
    .await
    .success(StatusCode::OK);

    // The owner reads everything back in the clear.
    let history = app
        .get(&format!(
            "/api/conversations/sessions/{}",
            session.as_str().unwrap()
        ))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK)
        .to_string();
    assert!(history.contains(&canary("message")) && history.contains(&canary("thought")));
    let profile = app
        .get("/api/me/profile")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(profile["goals"], json!([canary("goal")]));
    assert_eq!(profile["mentalHealthHistory"]["notes"], canary("history"));
    let plan = app
        .get("/api/me/safety-plan")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(plan["warningSigns"], json!([canary("plan")]));
    let contact = app
        .get("/api/me/trusted-contact")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(contact["name"], canary("contact"));
    let moods = app
        .get("/api/me/moods")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(moods["entries"][0]["notes"], canary("moodnote"));
    assert_eq!(moods["entries"][0]["triggers"], json!([canary("trigger")]));
    let goal = app
        .get(&format!("/api/me/goals/{}", goal["id"].as_str().unwrap()))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(goal["title"], canary("goaltitle"));
    assert_eq!(goal["history"][0]["note"], canary("progress"));

    // Where data rests.
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    files_under(&app.config.data_dir, &mut places);
    if ctx.backend() == Backend::PostgresRedis {
        let dump = std::process::Command::new("pg_dump")
            .args(["--data-only", "--no-owner", "-n"])
            .arg(app.config.database_schema.as_ref().unwrap())
            .arg(app.config.database_url.as_ref().unwrap())
            .output()
            .expect("pg_dump runs");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        places.push(("pg_dump".into(), dump.stdout));
        let client = redis::Client::open(app.config.redis_url.clone().unwrap()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", app.config.redis_key_prefix))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(!keys.is_empty(), "the rate limiter wrote keys");
        let mut redis_bytes = Vec::new();
        for key in keys {
            redis_bytes.extend(key.as_bytes());
            let dumped: Option<Vec<u8>> = redis::cmd("DUMP")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            redis_bytes.extend(dumped.unwrap_or_default());
        }
        places.push(("redis".into(), redis_bytes));
    }
    let all: Vec<u8> = places.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    assert!(
        contains(&all, email),
        "the control string is found: the scans look in the right places"
    );
    for what in [
        "goal",
        "history",
        "message",
        "thought",
        "plan",
        "person",
        "contact",
        "topic",
        "memory",
        "moodnote",
        "trigger",
        "goaltitle",
        "goaldesc",
        "progress",
    ] {
        for (place, bytes) in &places {
            assert!(
                !contains(bytes, &canary(what)),
                "{what} canary in the clear in {place}"
            );
        }
    }
    assert!(
        !contains(&all, "cnrycontact7q"),
        "the contact's e-mail in the clear"
    );
}

/// Takes a backup of the data (not the key store) the way an operator would:
/// `VACUUM INTO` for SQLite, `pg_dump` restored into another schema for
/// PostgreSQL. Returns the backup opened as a bare store.
async fn backup(
    app: &crate::harness::TestApp,
) -> (std::sync::Arc<dyn rebloom_store::Store>, Option<String>) {
    match &app.config.database_schema {
        None => {
            let db = app.config.data_dir.join("rebloom.db");
            let copy = app.config.data_dir.join("backup.db");
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "VACUUM INTO '{}'",
                copy.display()
            )))
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
            let store = rebloom_store::unsealed::connect(&rebloom_store::ConnectOptions {
                database_url: format!("sqlite://{}", copy.display()),
                ..Default::default()
            })
            .await
            .unwrap();
            (store, None)
        }
        Some(schema) => {
            let url = app.config.database_url.clone().unwrap();
            let dump = std::process::Command::new("pg_dump")
                .args(["--no-owner", "-n", schema, &url])
                .output()
                .unwrap();
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            let restored = format!("{schema}_bak");
            let sql = String::from_utf8(dump.stdout)
                .unwrap()
                .replace(schema.as_str(), &restored);
            let mut psql = std::process::Command::new("psql")
                .args(["-q", "-v", "ON_ERROR_STOP=1", &url])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::io::Write::write_all(psql.stdin.as_mut().unwrap(), sql.as_bytes()).unwrap();
            assert!(psql.wait().unwrap().success(), "the dump restores");
            let store = rebloom_store::unsealed::connect(&rebloom_store::ConnectOptions {
                database_url: url,
                schema: Some(restored.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
            (store, Some(restored))
        }
    }
}

async fn erasure_shreds_backups(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let a = app.register("erase-me@example.org", PASSWORD).await;
    let b = app.register("keep-me@example.org", PASSWORD).await;
    for (s, text) in [(&a, "what I told only you"), (&b, "a day like any other")] {
        app.post("/api/conversations")
            .token(&s.access)
            .json(&json!({ "message": text }))
            .send()
            .await
            .success(StatusCode::CREATED);
    }
    app.request(Method::PUT, "/api/me/safety-plan")
        .token(&a.access)
        .json(&json!({ "reasonsForLiving": ["my brother"] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.post("/api/me/moods")
        .token(&a.access)
        .json(&json!({ "moodScore": 3, "notes": "only for me" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let goal = app
        .post("/api/me/goals")
        .token(&a.access)
        .json(&json!({ "title": "Call my brother" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post(&format!(
        "/api/me/goals/{}/progress",
        goal["id"].as_str().unwrap()
    ))
    .token(&a.access)
    .json(&json!({ "progressPercentage": 10 }))
    .send()
    .await
    .success(StatusCode::OK);
    app.post("/api/me/questionnaires")
        .token(&a.access)
        .json(&json!({ "instrument": "phq9", "answers": [1, 1, 1, 1, 0, 0, 0, 0, 0] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let a_id = uuid::Uuid::parse_str(a.id()).unwrap();
    let b_id = uuid::Uuid::parse_str(b.id()).unwrap();

    // An export waiting to be downloaded: a file of theirs.
    let export = app
        .post("/api/me/export")
        .token(&a.access)
        .send()
        .await
        .success(StatusCode::ACCEPTED);
    app.run_jobs().await;
    let export_file = app
        .config
        .data_dir
        .join("exports")
        .join(a.id())
        .join(format!("{}.zip.sealed", export["id"].as_str().unwrap()));
    assert!(export_file.exists());

    // Last night's backup of the data.
    let (restored, restored_schema) = backup(&app).await;

    // Erasure needs the password; a wrong one changes nothing.
    app.request(Method::DELETE, "/api/me")
        .token(&a.access)
        .json(&json!({ "password": "not my password at all" }))
        .send()
        .await
        .problem(403, "reauthentication_failed");
    app.me(&a.access).await.success(StatusCode::OK);
    app.request(Method::DELETE, "/api/me")
        .token(&a.access)
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .expect_no_content();

    // Gone: the account, its sessions, its rows; the other person is untouched.
    assert_eq!(app.me(&a.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_resp("erase-me@example.org", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.state.store.find_user(a_id).await.unwrap().is_none());
    assert!(
        app.state
            .store
            .list_messages(a_id, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.state
            .store
            .get_safety_plan(a_id)
            .await
            .unwrap()
            .is_none()
    );
    let store = &app.state.store;
    let all_time = (
        time::OffsetDateTime::UNIX_EPOCH,
        time::OffsetDateTime::now_utc() + time::Duration::days(1),
    );
    assert!(
        store
            .list_moods(a_id, all_time.0, all_time.1, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.list_goals(a_id).await.unwrap().is_empty());
    let goal_id = uuid::Uuid::parse_str(goal["id"].as_str().unwrap()).unwrap();
    assert!(
        store
            .goal_progress(a_id, Some(goal_id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_questionnaires(a_id, None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!export_file.exists(), "their files are gone too");
    let kept = app
        .get("/api/conversations/messages")
        .token(&b.access)
        .send()
        .await
        .success(StatusCode::OK)
        .to_string();
    assert!(kept.contains("a day like any other"));

    // The backup still holds the erased person's rows, but nothing in them can
    // be read any more: their data key is gone. The other person's still open.
    let old_a = restored.list_messages(a_id, None, None, 10).await.unwrap();
    assert_eq!(old_a.len(), 2, "the backup predates the erasure");
    for m in old_a {
        assert!(m.content.starts_with("enc:v1:"));
        assert!(app.state.vault.open_backup_message(m).await.is_err());
    }
    let old_b = restored.list_messages(b_id, None, None, 10).await.unwrap();
    let mut opened = Vec::new();
    for m in old_b {
        opened.push(
            app.state
                .vault
                .open_backup_message(m)
                .await
                .unwrap()
                .content,
        );
    }
    assert!(
        opened.contains(&"a day like any other".to_owned()),
        "{opened:?}"
    );

    if let Some(schema) = restored_schema {
        let pool = sqlx::PgPool::connect(app.config.database_url.as_ref().unwrap())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
}

/// Runs SQL straight against the test's database, as someone with database
/// access (not the server) would; `{t}` is the audit table's qualified name.
async fn raw_sql(app: &crate::harness::TestApp, sql: &str) -> Result<(), sqlx::Error> {
    match &app.config.database_schema {
        None => {
            let db = app.config.data_dir.join("rebloom.db");
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await?;
            let sql = sql.replace("{t}", "audit_log");
            let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .map(|_| ());
            pool.close().await;
            r
        }
        Some(schema) => {
            let pool = sqlx::PgPool::connect(app.config.database_url.as_ref().unwrap()).await?;
            let sql = sql.replace("{t}", &format!("{schema}.audit_log"));
            let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .map(|_| ());
            pool.close().await;
            r
        }
    }
}

async fn audit_log_chain(ctx: Ctx) {
    use rebloom_store::AuditVerdict;
    let app = ctx.spawn_app().await;
    let admin = app.register("audit-admin@example.org", PASSWORD).await;
    app.set_role(admin.id(), rebloom_store::Role::Admin).await;
    let admin = app.login("audit-admin@example.org", PASSWORD).await;
    let s = app.register("audited@example.org", PASSWORD).await;
    app.request(Method::PATCH, &format!("/api/admin/users/{}", s.id()))
        .token(&admin.access)
        .json(&json!({ "disabled": false }))
        .send()
        .await
        .success(StatusCode::OK);
    app.request(Method::PUT, "/api/me/trusted-contact")
        .token(&s.access)
        .json(&json!({ "name": "Sam", "email": "sam@example.org", "consent": true }))
        .send()
        .await
        .success(StatusCode::OK);

    // The person sees who did what with their account, newest first, no content.
    let mine = app
        .get("/api/me/audit")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let entries = mine["entries"].as_array().unwrap();
    let actions: Vec<(&str, &str, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actorRole"].as_str().unwrap(),
                e["byYou"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("trusted_contact.consented", "user", true),
            ("admin.user_updated", "admin", false)
        ]
    );
    assert!(
        !mine.to_string().contains("sam@example.org"),
        "no contact details in the log"
    );
    // Someone else's entries are not theirs to see.
    let admins = app
        .get("/api/me/audit")
        .token(&admin.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(admins["entries"], json!([]));

    // Concurrent appends stay one unbroken chain.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = app.state.store.clone();
        let subject = uuid::Uuid::parse_str(s.id()).unwrap();
        tasks.push(tokio::spawn(async move {
            store
                .append_audit(&rebloom_store::NewAudit {
                    actor_id: None,
                    actor_role: "system".into(),
                    subject_id: Some(subject),
                    action: "test.append".into(),
                    detail: json!({ "i": i }),
                    at: time::OffsetDateTime::now_utc(),
                })
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        app.state.store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { entries: 18 }
    );

    // Append-only: the database itself refuses changes.
    assert!(
        raw_sql(&app, "UPDATE {t} SET action = 'nothing' WHERE seq = 1")
            .await
            .is_err()
    );
    assert!(
        raw_sql(&app, "DELETE FROM {t} WHERE seq = 1")
            .await
            .is_err()
    );

    // Someone who gets round that (dropping the trigger) is still caught.
    let drop_trigger = if app.config.database_schema.is_some() {
        "ALTER TABLE {t} DISABLE TRIGGER audit_log_no_update"
    } else {
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
    };
    raw_sql(&app, drop_trigger).await.unwrap();
    raw_sql(&app, "UPDATE {t} SET action = 'nothing' WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(
        app.state.store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 2,
            reason: "altered".into()
        }
    );
    raw_sql(
        &app,
        "UPDATE {t} SET action = 'trusted_contact.consented' WHERE seq = 2",
    )
    .await
    .unwrap();
    assert_eq!(
        app.state.store.verify_audit().await.unwrap(),
        AuditVerdict::Intact { entries: 18 }
    );
    raw_sql(&app, "DELETE FROM {t} WHERE seq = 18")
        .await
        .unwrap();
    assert_eq!(
        app.state.store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 18,
            reason: "entries removed from the end".into()
        }
    );
    raw_sql(&app, "DELETE FROM {t} WHERE seq = 5")
        .await
        .unwrap();
    assert_eq!(
        app.state.store.verify_audit().await.unwrap(),
        AuditVerdict::Broken {
            seq: 5,
            reason: "entry missing".into()
        }
    );
}

async fn export_downloaded_once(ctx: Ctx) {
    // Jobs run when the test says so.
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let s = app.register("export-me@example.org", PASSWORD).await;
    let other = app.register("someone-else@example.org", PASSWORD).await;
    app.post("/api/conversations")
        .token(&s.access)
        .json(&json!({ "message": "the garden helped today" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.request(Method::PUT, "/api/me/safety-plan")
        .token(&s.access)
        .json(&json!({ "reasonsForLiving": ["the garden"] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&json!({ "enabled": true, "neverRemember": ["my ex"] }))
        .send()
        .await
        .success(StatusCode::OK);
    app.post("/api/me/memories")
        .token(&s.access)
        .json(&json!({ "content": "Gardening helps me", "kind": "coping" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post("/api/me/moods")
        .token(&s.access)
        .json(&json!({ "moodScore": 7, "notes": "after the garden", "triggers": ["outdoors"] }))
        .send()
        .await
        .success(StatusCode::CREATED);
    let goal = app
        .post("/api/me/goals")
        .token(&s.access)
        .json(&json!({ "title": "Garden twice a week", "category": "activity" }))
        .send()
        .await
        .success(StatusCode::CREATED);
    app.post(&format!(
        "/api/me/goals/{}/progress",
        goal["id"].as_str().unwrap()
    ))
    .token(&s.access)
    .json(&json!({ "progressPercentage": 50, "note": "once so far" }))
    .send()
    .await
    .success(StatusCode::OK);
    app.post("/api/me/questionnaires")
        .token(&s.access)
        .json(&json!({ "instrument": "gad7", "answers": [1, 1, 0, 2, 0, 1, 0] }))
        .send()
        .await
        .success(StatusCode::CREATED);

    app.post("/api/me/insights/weekly")
        .token(&s.access)
        .json(&json!({}))
        .send()
        .await
        .success(StatusCode::OK);
    let started = app
        .post("/api/me/export")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::ACCEPTED);
    assert_eq!(started["status"], "pending");
    assert!(started["downloadUrl"].is_null());
    let id = started["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/me/export/{id}/download"))
        .token(&s.access)
        .send()
        .await
        .problem(409, "export_not_ready");
    app.get(&format!("/api/me/export/{id}"))
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");

    app.run_jobs().await;
    let ready = app
        .get(&format!("/api/me/export/{id}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    let url = ready["downloadUrl"].as_str().unwrap().to_owned();
    // At rest it is sealed with the person's key.
    let file = app
        .config
        .data_dir
        .join("exports")
        .join(s.id())
        .join(format!("{id}.zip.sealed"));
    let sealed = std::fs::read(&file).unwrap();
    assert!(sealed.starts_with(b"RBENC1") && !contains(&sealed, "garden"));
    app.get(&url)
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");

    let zip = app.get(&url).token(&s.access).send().await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(
        zip.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body.clone())).unwrap();
    let mut data = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("data.json").unwrap(), &mut data).unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["account"]["email"], "export-me@example.org");
    assert_eq!(
        data["sessions"][0]["messages"][0]["content"],
        "the garden helped today"
    );
    assert_eq!(data["sessions"][0]["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        data["safetyPlan"]["plan"]["reasonsForLiving"],
        json!(["the garden"])
    );
    assert!(data["audit"].to_string().contains("export.requested"));
    assert_eq!(data["memories"][0]["content"], "Gardening helps me");
    assert_eq!(data["memorySettings"]["neverRemember"], json!(["my ex"]));
    assert_eq!(data["moods"][0]["notes"], "after the garden");
    assert_eq!(data["moods"][0]["triggers"], json!(["outdoors"]));
    assert_eq!(data["goals"][0]["title"], "Garden twice a week");
    assert_eq!(data["goals"][0]["history"][0]["note"], "once so far");
    assert_eq!(data["questionnaires"][0]["totalScore"], 5);
    assert_eq!(data["questionnaires"][0]["severity"], "mild");
    assert_eq!(data["insights"][0]["type"], "weekly");
    // Writing the insight put a notice in the inbox.
    assert_eq!(data["notifications"][0]["kind"], "insight");
    assert!(data["insights"][0]["content"]["mood"].is_object());
    let fhir = &data["questionnairesFhir"];
    assert_eq!(fhir["resourceType"], "Bundle");
    assert_eq!(
        fhir["entry"][0]["resource"]["resourceType"],
        "QuestionnaireResponse"
    );
    let mut md = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("conversations.md").unwrap(), &mut md)
        .unwrap();
    assert!(
        md.contains("**You**")
            && md.contains("the garden helped today")
            && md.contains("**Rebloom**"),
        "{md}"
    );

    // Once only: the link is spent and the file gone.
    app.get(&url)
        .token(&s.access)
        .send()
        .await
        .problem(410, "export_gone");
    assert!(!file.exists());

    // A ready export not fetched within 24 hours expires.
    let second = app
        .post("/api/me/export")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::ACCEPTED);
    let id2 = second["id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    app.advance(time::Duration::hours(25));
    let s = app.login("export-me@example.org", PASSWORD).await;
    let late = app
        .get(&format!("/api/me/export/{id2}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(late["status"], "expired");
    // The background task deletes what expired.
    let file2 = app
        .config
        .data_dir
        .join("exports")
        .join(s.id())
        .join(format!("{id2}.zip.sealed"));
    assert!(file2.exists());
    app.state.privacy.purge_expired().await;
    assert!(!file2.exists());
    assert!(late["downloadUrl"].is_null());
    app.get(&format!("/api/me/export/{id2}/download"))
        .token(&s.access)
        .send()
        .await
        .problem(410, "export_gone");
}
