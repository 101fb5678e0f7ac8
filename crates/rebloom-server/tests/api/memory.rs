//! What the companion remembers: opt-in, learnt from messages by a background
//! job (run here by `run_jobs`), shown with the words it came from, editable,
//! deletable everywhere, pausable, fenced off by a "never remember" list, and
//! used to greet the person in their next session.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Ctx, Session, TestApp};

cases! {
    second_session_greets_with_the_first: [sqlite, postgres];
    opt_in_pause_and_never_remember: [sqlite, postgres];
    deleting_a_memory_reaches_every_replica: [sqlite, postgres_redis];
    memories_edited_added_and_validated: [sqlite, postgres];
    nothing_learnt_from_a_crisis: [sqlite, postgres];
    recall_by_vectors_with_the_local_model: [sqlite, postgres];
}

const PASSWORD: &str = "a long unusual passphrase";

async fn settings(app: &TestApp, s: &Session, body: Value) -> Value {
    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&body)
        .send()
        .await
        .success(StatusCode::OK)
}

async fn memories(app: &TestApp, s: &Session) -> Vec<Value> {
    app.get("/api/me/memories")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK)["memories"]
        .as_array()
        .unwrap()
        .clone()
}

fn contents(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect()
}

async fn second_session_greets_with_the_first(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let s = app.register("remember-me@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "displayName": "Sam" })).await;
    let set = settings(&app, &s, json!({ "enabled": true })).await;
    assert_eq!(set["enabled"], true);
    let first = app.start(&s, json!({ "message": "My sister Anna is visiting and I'm really stressed about my exams." }))
    .await;
    app.say(
        &s,
        &first["sessionId"],
        "Going for a walk helps me calm down.",
    )
    .await;
    app.run_jobs().await;

    let kept = memories(&app, &s).await;
    let names = contents(&kept);
    for expected in [
        "Your sister Anna",
        "Pressure from exams and studies",
        "Going for a walk helps you",
    ] {
        assert!(names.contains(&expected.to_owned()), "{names:?}");
    }
    // Why each is kept: the person's own words, in the session they were said.
    let anna = kept
        .iter()
        .find(|m| m["content"] == "Your sister Anna")
        .unwrap();
    assert_eq!(anna["kind"], "person");
    assert_eq!(anna["origin"], "conversation");
    assert_eq!(anna["sources"][0]["sessionId"], first["sessionId"]);
    assert!(
        anna["sources"][0]["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("My sister Anna is visiting")
    );

    // The next session opens with what they shared.
    let second = app.start(&s, json!({})).await;
    let greeting = second["greeting"]["content"].as_str().unwrap();
    assert!(greeting.starts_with("Welcome back, Sam."), "{greeting}");
    assert!(greeting.contains("your sister Anna"), "{greeting}");
    assert!(greeting.contains("exams"), "{greeting}");
    assert!(greeting.ends_with('?'), "{greeting}");
    assert_eq!(second["greeting"]["provider"], "memory");
    // It is part of the session, so the companion's next reply has it as context.
    let history = app
        .get(&format!(
            "/api/conversations/sessions/{}",
            second["sessionId"].as_str().unwrap()
        ))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(history.to_string().contains("your sister Anna"));

    // Saying it again counts, and does not duplicate.
    app.say(&s, &second["sessionId"], "My sister Anna called me today.")
        .await;
    app.run_jobs().await;
    let kept = memories(&app, &s).await;
    let annas: Vec<&Value> = kept
        .iter()
        .filter(|m| m["content"] == "Your sister Anna")
        .collect();
    assert_eq!(annas.len(), 1);
    assert_eq!(annas[0]["mentionCount"], 2);
    assert_eq!(annas[0]["sources"].as_array().unwrap().len(), 2);
}

async fn opt_in_pause_and_never_remember(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let s = app.register("opt-in@example.org", PASSWORD).await;
    // Off until they turn it on.
    let off = app
        .get("/api/me/memories/settings")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(off["enabled"], false);
    let first = app
        .start(
            &s,
            json!({ "message": "My brother Tom and I argued about money, I'm so stressed." }),
        )
        .await;
    app.run_jobs().await;
    assert!(memories(&app, &s).await.is_empty());
    assert!(app.start(&s, json!({})).await["greeting"].is_null());

    // On but paused: still nothing new.
    settings(&app, &s, json!({ "enabled": true, "paused": true })).await;
    app.say(
        &s,
        &first["sessionId"],
        "My brother Tom and I argued again.",
    )
    .await;
    app.run_jobs().await;
    assert!(memories(&app, &s).await.is_empty());

    // Resumed, with a topic never to remember.
    let set = settings(
        &app,
        &s,
        json!({ "paused": false, "neverRemember": ["Tom", " tom "] }),
    )
    .await;
    assert_eq!(
        set["neverRemember"],
        json!(["Tom"]),
        "trimmed and de-duplicated"
    );
    // A message touching the topic teaches nothing at all; others still do.
    app.say(
        &s,
        &first["sessionId"],
        "My brother Tom is stressing me out and my exams are so hard.",
    )
    .await;
    app.run_jobs().await;
    assert!(memories(&app, &s).await.is_empty());
    app.say(
        &s,
        &first["sessionId"],
        "My exams are so hard, I'm worried.",
    )
    .await;
    app.run_jobs().await;
    let names = contents(&memories(&app, &s).await);
    assert_eq!(names, vec!["Pressure from exams and studies".to_owned()]);

    // Adding a topic forgets what is already kept about it.
    settings(&app, &s, json!({ "neverRemember": ["Tom", "exams"] })).await;
    let names = contents(&memories(&app, &s).await);
    assert!(names.iter().all(|n| !n.contains("exams")), "{names:?}");

    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&json!({ "neverRemember": [""] }))
        .send()
        .await
        .problem(422, "validation_failed");
    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&json!({ "neverRemember": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>() }))
        .send()
        .await
        .problem(422, "validation_failed");
    app.request(Method::PUT, "/api/me/memories/settings")
        .token(&s.access)
        .json(&json!({ "paused": "yes" }))
        .send()
        .await
        .any_problem();
}

async fn deleting_a_memory_reaches_every_replica(ctx: Ctx) {
    // Replicas share PostgreSQL and Redis; the embedded default is one process.
    let one = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let second = if ctx.backend().has_redis() {
        Some(ctx.spawn_app_with(|c| c.job_worker = false).await)
    } else {
        None
    };
    let two = second.as_ref().unwrap_or(&one);
    let s = one.register("forget-me@example.org", PASSWORD).await;
    settings(&one, &s, json!({ "enabled": true })).await;
    one.start(
        &s,
        json!({ "message": "My friend Priya helped me move, and I'm worried about rent money." }),
    )
    .await;
    one.run_jobs().await;
    // Each replica has them cached from a greeting.
    for app in [&one, two] {
        let g = app.start(&s, json!({})).await;
        assert!(g["greeting"]["content"].as_str().unwrap().contains("Priya"));
    }
    let priya = memories(&one, &s)
        .await
        .into_iter()
        .find(|m| m["content"] == "Your friend Priya")
        .unwrap();
    let path = format!("/api/me/memories/{}", priya["id"].as_str().unwrap());
    two.request(Method::DELETE, &path)
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    two.request(Method::DELETE, &path)
        .token(&s.access)
        .send()
        .await
        .problem(404, "not_found");
    // Gone from the store and from both replicas' next greeting.
    for app in [&one, two] {
        assert!(!contents(&memories(app, &s).await).contains(&"Your friend Priya".to_owned()));
        let g = app.start(&s, json!({})).await;
        let text = g["greeting"]["content"].as_str().unwrap_or("").to_owned();
        assert!(!text.contains("Priya"), "{text}");
    }
    let user_id = uuid::Uuid::parse_str(s.id()).unwrap();
    assert!(
        one.state
            .store
            .find_memory(
                user_id,
                uuid::Uuid::parse_str(priya["id"].as_str().unwrap()).unwrap()
            )
            .await
            .unwrap()
            .is_none()
    );
    // Forgetting everything.
    let all = one
        .request(Method::DELETE, "/api/me/memories")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert!(all["deleted"].as_u64().unwrap() >= 1);
    assert!(memories(two, &s).await.is_empty());
    assert!(two.start(&s, json!({})).await["greeting"].is_null());
}

async fn memories_edited_added_and_validated(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("edit-memories@example.org", PASSWORD).await;
    let other = app.register("someone-else@example.org", PASSWORD).await;
    let add = |s: &Session, body: Value| app.post("/api/me/memories").token(&s.access).json(&body);
    add(&s, json!({ "content": "Walking the dog helps me" }))
        .send()
        .await
        .problem(409, "memory_disabled");
    settings(&app, &s, json!({ "enabled": true })).await;
    add(&s, json!({ "content": "  " }))
        .send()
        .await
        .problem(422, "validation_failed");
    add(&s, json!({ "content": "x".repeat(501) }))
        .send()
        .await
        .problem(422, "validation_failed");
    add(&s, json!({ "content": "ok", "kind": "secret" }))
        .send()
        .await
        .problem(422, "validation_failed");
    add(&s, json!({ "content": "ok", "extra": 1 }))
        .send()
        .await
        .any_problem();
    let made = add(
        &s,
        json!({ "content": "Walking the dog helps me", "kind": "coping" }),
    )
    .send()
    .await
    .success(StatusCode::CREATED);
    assert_eq!(made["origin"], "person");
    assert_eq!(made["sources"], json!([]));
    let path = format!("/api/me/memories/{}", made["id"].as_str().unwrap());
    let edited = app
        .patch(&path)
        .token(&s.access)
        .json(&json!({ "content": "Walking Biscuit in the morning helps me" }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(edited["content"], "Walking Biscuit in the morning helps me");
    assert_eq!(edited["kind"], "coping");
    // Not someone else's.
    app.patch(&path)
        .token(&other.access)
        .json(&json!({ "content": "mine now" }))
        .send()
        .await
        .problem(404, "not_found");
    app.request(Method::DELETE, &path)
        .token(&other.access)
        .send()
        .await
        .problem(404, "not_found");
    assert!(memories(&app, &other).await.is_empty());
    app.patch("/api/me/memories/not-a-uuid")
        .token(&s.access)
        .json(&json!({ "content": "x" }))
        .send()
        .await
        .any_problem();
    assert_eq!(
        contents(&memories(&app, &s).await),
        vec!["Walking Biscuit in the morning helps me".to_owned()]
    );
    app.get("/api/me/memories")
        .send()
        .await
        .problem(401, "token_missing");
}

async fn nothing_learnt_from_a_crisis(ctx: Ctx) {
    let app = ctx.spawn_app_with(|c| c.job_worker = false).await;
    let s = app.register("crisis-memory@example.org", PASSWORD).await;
    settings(&app, &s, json!({ "enabled": true })).await;
    let first = app.start(&s, json!({ "message": "My sister Anna doesn't know I have been thinking about killing myself." }))
    .await;
    assert_ne!(first["aiResponse"]["safety"]["riskLevel"], "none");
    app.say(
        &s,
        &first["sessionId"],
        "I took a knife to my arm and it helped me cope.",
    )
    .await;
    app.run_jobs().await;
    assert!(memories(&app, &s).await.is_empty());
}

/// The on-device embedder (fetched by scripts/models.sh; the test fails without it).
fn models_dir() -> std::path::PathBuf {
    crate::harness::models_with("all-MiniLM-L6-v2/model.safetensors")
}

async fn recall_by_vectors_with_the_local_model(ctx: Ctx) {
    let models = models_dir();
    let app = ctx
        .spawn_app_with(|c| {
            c.job_worker = false;
            c.embeddings = "local".into();
            c.models_dir = models;
        })
        .await;
    let s = app.register("vectors@example.org", PASSWORD).await;
    settings(&app, &s, json!({ "enabled": true })).await;
    let first = app
        .start(
            &s,
            json!({ "message": "I can't sleep because I'm worried about my exams." }),
        )
        .await;
    app.say(&s, &first["sessionId"], "My friend Priya makes me laugh.")
        .await;
    app.run_jobs().await;
    let user_id = uuid::Uuid::parse_str(s.id()).unwrap();
    let kept = memories(&app, &s).await;
    let vectors = app
        .state
        .store
        .user_vectors(user_id, "all-MiniLM-L6-v2")
        .await
        .unwrap();
    // One per memory and one per message (two messages).
    assert_eq!(vectors.len(), kept.len() + 2, "{kept:?}");
    assert!(vectors.iter().all(|v| v.values().len() == 384));

    // A paraphrase in a new session finds the earlier moment and the memory.
    let second = app.start(&s, json!({})).await;
    let second_id = uuid::Uuid::parse_str(second["sessionId"].as_str().unwrap()).unwrap();
    let profile = app.state.store.get_profile(user_id).await.unwrap().unwrap();
    let recall = app
        .state
        .memory
        .recall(&profile, second_id, "Exam stress keeps me awake at night")
        .await
        .unwrap();
    assert_eq!(
        recall.similar.first().map(|m| m.content.as_str()),
        Some("I can't sleep because I'm worried about my exams.")
    );
    let lines = recall.prompt_lines();
    assert!(
        lines.contains("Pressure from exams and studies") || lines.contains("Sleep problems"),
        "{lines}"
    );

    // Deleting a memory deletes its vector.
    let priya = kept
        .iter()
        .find(|m| m["content"] == "Your friend Priya")
        .unwrap();
    let priya_id = uuid::Uuid::parse_str(priya["id"].as_str().unwrap()).unwrap();
    app.request(Method::DELETE, &format!("/api/me/memories/{priya_id}"))
        .token(&s.access)
        .send()
        .await
        .expect_no_content();
    let after = app
        .state
        .store
        .user_vectors(user_id, "all-MiniLM-L6-v2")
        .await
        .unwrap();
    assert_eq!(after.len(), vectors.len() - 1);
    assert!(
        after
            .iter()
            .all(|v| v.of != rebloom_store::VectorOf::Memory(priya_id))
    );
    // Emotions came from the embedder too.
    let history = app
        .get(&format!(
            "/api/conversations/sessions/{}",
            first["sessionId"].as_str().unwrap()
        ))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    let tags = history["messages"].to_string();
    assert!(tags.contains("anxiety") || tags.contains("fear"), "{tags}");
}
