//! Conversations end to end: sessions, the guided engine, crisis replies,
//! isolation between users, idempotent sends, SSE streaming, and an
//! OpenAI-compatible provider (a local server speaking its streaming wire
//! format) with fallback and the output guard.

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Ctx, Session, TestApp};

cases! {
    guided_conversation: [sqlite, postgres];
    crisis_replies: [sqlite, postgres];
    isolation: [sqlite, postgres];
    idempotent_sends: [sqlite, postgres];
    retry_after_a_half_written_turn: [sqlite, postgres];
    sse_stream: [sqlite, postgres];
    validation: [sqlite];
    openai_provider_fallback_and_guard: [sqlite];
    voice_messages: [sqlite, postgres];
    voice_with_local_whisper: [sqlite, postgres];
    questions_are_answered_by_meaning_with_the_encoder: [sqlite, postgres];
    one_reply_at_a_time: [sqlite];
    exercise_to_the_end: [sqlite, postgres];
}

/// A guided exercise runs across requests (its progress lives with the session) to its summary.
async fn exercise_to_the_end(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("breathe@example.org", PASSWORD).await;
    app.patch("/api/me/preferences")
        .token(&s.access)
        .json(&json!({ "therapeuticPreferences": { "approach": "mindfulness" } }))
        .send()
        .await
        .success(StatusCode::OK);
    let started = app
        .start(&s, json!({ "message": "can we do a breathing exercise" }))
        .await;
    let intro = started["aiResponse"]["content"].as_str().unwrap();
    assert!(intro.contains("0 to 10"), "{intro}");
    let session_id = started["sessionId"].as_str().unwrap().to_owned();
    let mut last = String::new();
    for answer in ["7", "done", "ok", "I feel calmer, maybe a 4"] {
        last = app.say(&s, &session_id, answer).await["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    assert!(last.contains("from 7 to 4"), "{last}");
    // Counted once in engagement.
    let engaged = app
        .get("/api/me/engagement?range=7d")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(engaged["exercisesCompleted"], 1, "{engaged}");
}

#[cfg(feature = "local-llm")]
cases! {
    local_model_replies: [sqlite, postgres];
}

/// With a GGUF model configured, replies come from it in-process (SmolLM2-135M
/// here: a mechanics test, not one of quality); a crisis never waits on it.
#[cfg(feature = "local-llm")]
async fn local_model_replies(ctx: Ctx) {
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(model.is_file(), "no local model: run scripts/models.sh");
    let app = ctx
        .spawn_app_with(|c| {
            c.local_llm_model = Some(model);
            c.local_llm_context = 1024;
            // Short replies: this checks the wiring, and a busy CI machine writes a few tokens a second.
            c.local_llm_max_tokens = 24;
        })
        .await;
    let s = app.register("local-llm@example.org", PASSWORD).await;
    let started = app
        .start(
            &s,
            json!({ "message": "Work was long today and I feel a bit flat." }),
        )
        .await;
    let reply = &started["aiResponse"];
    assert_eq!(reply["provider"], "local", "{reply}");
    assert!(!reply["content"].as_str().unwrap().trim().is_empty());
    let session = started["sessionId"].as_str().unwrap();
    let next = app
        .say(&s, &session, "Thanks. What could I try tonight?")
        .await;
    assert_eq!(next["aiResponse"]["provider"], "local");
    let crisis = app.say(&s, &session, "I want to kill myself tonight").await;
    let level = crisis["aiResponse"]["safety"]["riskLevel"]
        .as_str()
        .unwrap();
    assert!(matches!(level, "high" | "critical"), "{level}");
    assert_ne!(crisis["aiResponse"]["provider"], "local");
}

const PASSWORD: &str = "a long unusual passphrase";

async fn guided_conversation(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("talker@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "displayName": "Robin", "country": "GB" }))
        .await;
    let first = app
        .start(
            &s,
            json!({ "message": "Hi, I'm new here", "moodBefore": 4 }),
        )
        .await;
    let session_id = first["sessionId"].as_str().unwrap().to_owned();
    assert_eq!(first["session"]["moodBefore"], 4);
    assert_eq!(first["session"]["messageCount"], 2);
    assert_eq!(first["aiResponse"]["provider"], "guided");
    assert_eq!(first["aiResponse"]["safety"]["riskLevel"], "none");
    assert!(!first["aiResponse"]["content"].as_str().unwrap().is_empty());

    let mut replies = vec![first["aiResponse"]["content"].as_str().unwrap().to_owned()];
    for text in [
        "Work has been really stressful, my boss keeps piling deadlines on me",
        "I feel anxious every Sunday night before the week starts",
        "I haven't been sleeping well either",
        "Maybe I could try something to calm down",
    ] {
        let turn = app.say(&s, &session_id, text).await;
        assert_eq!(turn["sessionId"], session_id.as_str());
        assert_eq!(turn["message"]["content"], text);
        assert_eq!(turn["message"]["sender"], "user");
        let reply = turn["aiResponse"]["content"].as_str().unwrap().to_owned();
        assert!(!reply.is_empty());
        assert_ne!(
            replies.last().unwrap(),
            &reply,
            "the companion repeated itself"
        );
        replies.push(reply);
    }
    // Emotional tags are stored with the person's messages.
    let detail = app
        .get(&format!("/api/conversations/sessions/{session_id}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(detail["session"]["messageCount"], 10);
    let messages = detail["messages"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 10);
    // Newest first: the last reply, then the message it answered.
    assert_eq!(messages[0]["sender"], "ai");
    assert_eq!(
        messages[1]["content"],
        "Maybe I could try something to calm down"
    );
    let anxious = messages
        .iter()
        .find(|m| m["content"] == "I feel anxious every Sunday night before the week starts")
        .unwrap();
    assert!(
        anxious["emotionalTags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "anxiety"),
        "{anxious}"
    );
    // Pagination with a cursor walks every message exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/conversations/sessions/{session_id}?limit=3&before={c}"),
            None => format!("/api/conversations/sessions/{session_id}?limit=3"),
        };
        let page = app
            .get(&path)
            .token(&s.access)
            .send()
            .await
            .success(StatusCode::OK);
        for m in page["messages"]["messages"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_owned());
        }
        match page["messages"]["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (10, 10));

    let sessions = app
        .get("/api/conversations")
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(sessions["sessions"][0]["id"], session_id.as_str());

    app.advance(time::Duration::minutes(12));
    let ended = app
        .post(&format!("/api/conversations/sessions/{session_id}/end"))
        .token(&s.access)
        .json(&json!({ "moodAfter": 6 }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(ended["durationMinutes"], 12);
    assert_eq!(ended["moodAfter"], 6);
    let summary = ended["summary"].as_str().unwrap();
    assert!(summary.contains("5 messages from you"), "{summary}");
    assert!(
        summary.contains("Mood 4/10 before, 6/10 after"),
        "{summary}"
    );
    // An ended session takes no more messages and cannot end twice.
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "hello?", "sessionId": session_id }))
        .send()
        .await
        .problem(409, "session_ended");
    app.post(&format!("/api/conversations/sessions/{session_id}/end"))
        .token(&s.access)
        .send()
        .await
        .problem(409, "session_ended");
}

async fn crisis_replies(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("crisis@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "country": "GB" })).await;
    let first = app
        .start(&s, json!({ "message": "I had a long day" }))
        .await;
    let session_id = first["sessionId"].as_str().unwrap().to_owned();
    let turn = app
        .say(&s, &session_id, "I don't want to be alive anymore")
        .await;
    let reply = &turn["aiResponse"];
    assert_eq!(reply["provider"], "safety");
    assert_eq!(reply["safety"]["riskLevel"], "high");
    assert_eq!(turn["message"]["riskLevel"], "high");
    assert!(
        reply["safety"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "suicidal_ideation")
    );
    assert!(
        reply["safety"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["contact"].as_str().unwrap().contains("116 123"))
    );
    assert_eq!(reply["safety"]["offerSafetyPlan"], true);
    let text = reply["content"].as_str().unwrap();
    // Asked directly, in one of the two wordings that alternate turn by turn.
    let lower = text.to_lowercase();
    assert!(
        text.contains("116 123")
            && (lower.contains("ending your life") || lower.contains("killing yourself")),
        "{text}"
    );
    // The conversation goes on; resources are not listed again word for word.
    let next = app
        .say(&s, &session_id, "I don't know, everything just feels heavy")
        .await;
    assert!(
        next["aiResponse"]["safety"]["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !next["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .contains("116 123")
    );
    // A plan is critical: emergency services now.
    let critical = app
        .say(
            &s,
            &session_id,
            "I have the pills saved up and I'm going to do it tonight",
        )
        .await;
    assert_eq!(critical["aiResponse"]["safety"]["riskLevel"], "critical");
    assert_eq!(
        critical["aiResponse"]["safety"]["urgeEmergencyServices"],
        true
    );
    assert!(
        critical["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .contains("999")
    );
    let metrics = app.get("/metrics").send().await.text();
    assert!(metrics.contains("crisis_events_total{"), "{metrics}");
    // Message content never reaches the metrics.
    assert!(!metrics.contains("pills"));
}

async fn isolation(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let a = app.register("a-conv@example.org", PASSWORD).await;
    let b = app.register("b-conv@example.org", PASSWORD).await;
    let started = app.start(&a, json!({ "message": "hello" })).await;
    let session_id = started["sessionId"].as_str().unwrap();
    app.get(&format!("/api/conversations/sessions/{session_id}"))
        .token(&b.access)
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("/api/conversations/{}/messages", b.id()))
        .token(&b.access)
        .json(&json!({ "message": "let me in", "sessionId": session_id }))
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("/api/conversations/{}/messages", a.id()))
        .token(&b.access)
        .json(&json!({ "message": "let me in", "sessionId": session_id }))
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("/api/conversations/sessions/{session_id}/end"))
        .token(&b.access)
        .send()
        .await
        .problem(404, "not_found");
    let b_messages = app.session_messages(&b, &session_id).await;
    assert!(b_messages["messages"].as_array().unwrap().is_empty());
    app.get("/api/conversations")
        .send()
        .await
        .problem(401, "token_missing");
}

async fn idempotent_sends(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("retry@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    assert!(started["aiResponse"].is_null());
    let session_id = started["sessionId"].as_str().unwrap().to_owned();
    let body = json!({ "message": "sending this once, hopefully", "sessionId": session_id });
    let path = format!("/api/conversations/{}/messages", s.id());
    let first = app
        .post(&path)
        .token(&s.access)
        .header("idempotency-key", "send-1")
        .json(&body)
        .send()
        .await;
    let first_body = first.success(StatusCode::OK);
    let again = app
        .post(&path)
        .token(&s.access)
        .header("idempotency-key", "send-1")
        .json(&body)
        .send()
        .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.success(StatusCode::OK), first_body);
    let page = app
        .get(&format!("/api/conversations/sessions/{session_id}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        page["session"]["messageCount"], 2,
        "a retry created a second message"
    );
    // The same key for a different request is refused.
    app.post(&path)
        .token(&s.access)
        .header("idempotency-key", "send-1")
        .json(&json!({ "message": "something else", "sessionId": session_id }))
        .send()
        .await
        .problem(409, "idempotency_key_reused");
    // Keys are per user: another user may use the same one.
    let other = app.register("retry2@example.org", PASSWORD).await;
    let other_started = app.start(&other, json!({})).await;
    app.post(&format!("/api/conversations/{}/messages", other.id()))
        .token(&other.access)
        .header("idempotency-key", "send-1")
        .json(&json!({ "message": "mine", "sessionId": other_started["sessionId"] }))
        .send()
        .await
        .success(StatusCode::OK);
}

/// The first attempt stored the person's message and then failed (the database
/// went away before the reply, and the key was released): the retry under the
/// same key answers that message instead of storing it a second time.
async fn retry_after_a_half_written_turn(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("half@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let session_id: uuid::Uuid = started["sessionId"].as_str().unwrap().parse().unwrap();
    let user_id: uuid::Uuid = s.id().parse().unwrap();
    let text = "my exams start next week and I keep panicking";
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("idempotency-key", "attempt-key".parse().unwrap());
    let mark = rebloom_server::http::idempotency::turn_key(&headers)
        .unwrap()
        .unwrap();
    // What the first attempt left behind: the message with its request's mark, no reply.
    let earlier = rebloom_store::Message {
        id: uuid::Uuid::now_v7(),
        session_id,
        user_id,
        sender: rebloom_store::Sender::User,
        content: text.to_owned(),
        message_type: "text".to_owned(),
        sentiment_score: None,
        emotional_tags: json!([]),
        risk_level: "none".to_owned(),
        ai_confidence_score: None,
        metadata: json!({ "turnKey": mark }),
        created_at: app.state.clock.now(),
    };
    app.state.store.insert_message(&earlier).await.unwrap();

    let turn = app
        .post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .header("idempotency-key", "attempt-key")
        .json(&json!({ "message": text, "sessionId": session_id }))
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(turn["message"]["id"], earlier.id.to_string());
    let page = app.session_messages(&s, &session_id).await;
    let messages = page["messages"].as_array().unwrap();
    let senders: Vec<&str> = messages
        .iter()
        .map(|m| m["sender"].as_str().unwrap())
        .collect();
    assert_eq!(senders, ["ai", "user"], "one message, one reply: {page}");
    assert_eq!(messages[1]["id"], earlier.id.to_string());

    // Another key is another message, even with the same words.
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .header("idempotency-key", "another-key")
        .json(&json!({ "message": text, "sessionId": session_id }))
        .send()
        .await
        .success(StatusCode::OK);
    let page = app.session_messages(&s, &session_id).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 4);
}

/// Splits an SSE body into (event, data) pairs.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            Some((event?, serde_json::from_str(&data).unwrap_or(Value::Null)))
        })
        .collect()
}

async fn sse_stream(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("stream@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let resp = app
        .post(&format!("/api/conversations/{}/messages/stream", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "I feel lonely since I moved to a new city", "sessionId": started["sessionId"] }))
        .send()
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.content_type().starts_with("text/event-stream"));
    let events = sse_events(&resp.text());
    let chunks: String = events
        .iter()
        .filter(|(e, _)| e == "chunk")
        .map(|(_, d)| d["text"].as_str().unwrap().to_owned())
        .collect();
    let (last, fin) = events.last().unwrap();
    assert_eq!(last, "final");
    assert!(
        events.iter().filter(|(e, _)| e == "chunk").count() >= 2,
        "not streamed in pieces"
    );
    assert_eq!(
        chunks.trim(),
        fin["aiResponse"]["content"].as_str().unwrap()
    );
    assert_eq!(
        fin["message"]["content"],
        "I feel lonely since I moved to a new city"
    );
}

async fn validation(ctx: Ctx) {
    let app = ctx.spawn_app().await;
    let s = app.register("valid@example.org", PASSWORD).await;
    for (body, field) in [
        (json!({ "message": "   " }), "message"),
        (json!({ "message": "x".repeat(4001) }), "message"),
        (json!({ "sessionType": "party" }), "sessionType"),
        (json!({ "moodBefore": 11 }), "moodBefore"),
    ] {
        let p = app
            .post("/api/conversations")
            .token(&s.access)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "hi", "sessionId": "not-a-uuid" }))
        .send()
        .await
        .problem(422, "validation_failed");
    app.post(&format!("/api/conversations/{}/messages", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "hi", "sessionId": uuid::Uuid::now_v7() }))
        .send()
        .await
        .problem(404, "not_found");
}

/// A Chat Completions stream of `pieces`, as OpenAI sends it; `complete`
/// decides whether it finishes with `[DONE]` or breaks off.
pub fn completion_stream(pieces: &[&str], complete: bool) -> axum::response::Response {
    let chunk = |delta: Value, finish: Value| {
        Ok::<_, std::io::Error>(format!(
            "data: {}\n\n",
            json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"stub","choices":[{"index":0,"delta":delta,"finish_reason":finish}]})
        ))
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    for p in pieces {
        events.push(chunk(json!({ "content": p }), Value::Null));
    }
    if complete {
        events.push(chunk(json!({}), json!("stop")));
        events.push(Ok("data: [DONE]\n\n".to_owned()));
    }
    axum::response::Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(futures::stream::iter(events)))
        .unwrap()
}

/// Serves `app` on 127.0.0.1 and returns its base URL.
pub async fn serve_stub(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A local OpenAI-compatible server that streams `pieces` as Chat Completions
/// chunks; `complete` decides whether it finishes with `[DONE]` or breaks off.
pub async fn openai_stub(pieces: &'static [&'static str], complete: bool) -> String {
    serve_stub(Router::new().route(
        "/chat/completions",
        post(move || async move { completion_stream(pieces, complete) }),
    ))
    .await
}

async fn openai_provider_fallback_and_guard(ctx: Ctx) {
    // A healthy provider: the reply is its text, streamed through the guard.
    let good = openai_stub(
        &[
            "That sounds ",
            "really hard. ",
            "What has helped ",
            "you before?",
        ],
        true,
    )
    .await;
    let app = ctx.spawn_app_with(|c| c.openai_base_url = Some(good)).await;
    let s = app.register("llm@example.org", PASSWORD).await;
    let turn = app
        .start(&s, json!({ "message": "I had a rough week" }))
        .await;
    assert_eq!(turn["aiResponse"]["provider"], "openai");
    assert_eq!(
        turn["aiResponse"]["content"],
        "That sounds really hard. What has helped you before?"
    );

    // A provider that breaks off mid-reply: the stream resets and the guided engine answers whole.
    let broken = openai_stub(&["I hear you. ", "It sounds like"], false).await;
    let app = ctx
        .spawn_app_with(|c| c.openai_base_url = Some(broken))
        .await;
    let s = app.register("llm2@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let resp = app
        .post(&format!("/api/conversations/{}/messages/stream", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "I feel stuck at work", "sessionId": started["sessionId"] }))
        .send()
        .await;
    let events = sse_events(&resp.text());
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    let reset_at = names
        .iter()
        .position(|e| *e == "reset")
        .expect("no reset event");
    assert!(names[..reset_at].contains(&"chunk"), "{names:?}");
    let fin = &events.last().unwrap().1;
    assert_eq!(fin["aiResponse"]["provider"], "guided");
    let after: String = events[reset_at..]
        .iter()
        .filter(|(e, _)| e == "chunk")
        .map(|(_, d)| d["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(after.trim(), fin["aiResponse"]["content"].as_str().unwrap());
    // The broken-off partial reply is not what was stored.
    let stored = fin["aiResponse"]["content"].as_str().unwrap();
    assert!(!stored.trim_end().ends_with("It sounds like"), "{stored}");
    assert_ne!(stored, "I hear you. It sounds like");

    // A provider that gives means detail: the guard replaces the reply before anyone sees it.
    let unsafe_stub = openai_stub(
        &[
            "Sure. ",
            "The tallest bridges in the city are over 60 meters high. ",
        ],
        true,
    )
    .await;
    let app = ctx
        .spawn_app_with(|c| c.openai_base_url = Some(unsafe_stub))
        .await;
    let s = app.register("llm3@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let resp = app
        .post(&format!("/api/conversations/{}/messages/stream", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "tell me about the city's architecture", "sessionId": started["sessionId"] }))
        .send()
        .await;
    let body = resp.text();
    assert!(
        !body.contains("60 meters"),
        "unsafe text reached the client: {body}"
    );
    let events = sse_events(&body);
    let fin = &events.last().unwrap().1;
    assert!(
        fin["aiResponse"]["content"]
            .as_str()
            .unwrap()
            .contains("respond to you with care")
    );
    let metrics = app.get("/metrics").send().await.text();
    assert!(
        metrics.contains("output_guard_blocks_total{reason=\"method_or_means\"}"),
        "{metrics}"
    );

    // Means split across two sentences, each harmless alone, is caught too.
    let split = openai_stub(
        &["You could take 40 pills. ", "That would be fatal. "],
        true,
    )
    .await;
    let app = ctx
        .spawn_app_with(|c| c.openai_base_url = Some(split))
        .await;
    let s = app.register("llm4@example.org", PASSWORD).await;
    let turn = app
        .start(&s, json!({ "message": "what should I do tonight" }))
        .await;
    let content = turn["aiResponse"]["content"].as_str().unwrap();
    assert!(
        !content.contains("fatal") && content.contains("respond to you with care"),
        "{content}"
    );
}

/// While a reply is being written, a second message to the same session is
/// refused (409), so replies never interleave; other sessions are unaffected.
async fn one_reply_at_a_time(ctx: Ctx) {
    use std::sync::Arc;
    use tokio::sync::Notify;
    let arrived = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (a, r) = (arrived.clone(), release.clone());
    let stub = Router::new().route(
        "/chat/completions",
        post(move || {
            let (a, r) = (a.clone(), r.clone());
            async move {
                a.notify_one();
                r.notified().await;
                completion_stream(&["Take your time."], true)
            }
        }),
    );
    let url = serve_stub(stub).await;
    let app = ctx.spawn_app_with(|c| c.openai_base_url = Some(url)).await;
    let s = app.register("one@example.org", PASSWORD).await;
    let first = app.start(&s, json!({})).await;
    let second = app.start(&s, json!({})).await;
    let session_id = first["sessionId"].as_str().unwrap().to_owned();
    let path = format!("/api/conversations/{}/messages", s.id());
    let body = json!({ "message": "I need a moment", "sessionId": session_id });
    let pending = {
        let req = app.post(&path).token(&s.access).json(&body);
        tokio::spawn(async move { req.send().await })
    };
    arrived.notified().await;
    app.post(&path)
        .token(&s.access)
        .json(&json!({ "message": "hello again", "sessionId": session_id }))
        .send()
        .await
        .problem(409, "reply_in_progress");
    // Another session of the same person is free.
    let other = app
        .post(&format!("/api/conversations/{}/messages/stream", s.id()))
        .token(&s.access)
        .json(&json!({ "message": "meanwhile", "sessionId": second["sessionId"] }));
    let other = tokio::spawn(async move { other.send().await });
    arrived.notified().await;
    release.notify_one();
    release.notify_one();
    let turn = pending.await.unwrap().success(StatusCode::OK);
    assert_eq!(turn["aiResponse"]["content"], "Take your time.");
    assert_eq!(other.await.unwrap().status, StatusCode::OK);
    // Free again once the reply is stored.
    let p = app.post(&path).token(&s.access).json(&body);
    let again = tokio::spawn(async move { p.send().await });
    arrived.notified().await;
    release.notify_one();
    again.await.unwrap().success(StatusCode::OK);
}

/// A local OpenAI-compatible transcription endpoint that checks the upload.
async fn transcription_stub(text: &'static str) -> String {
    let app = Router::new().route(
        "/audio/transcriptions",
        post(move |mut form: axum::extract::Multipart| async move {
            let mut file = None;
            let mut model = None;
            while let Some(field) = form.next_field().await.unwrap() {
                match field.name() {
                    Some("file") => file = Some(field.bytes().await.unwrap()),
                    Some("model") => model = Some(field.text().await.unwrap()),
                    _ => {}
                }
            }
            let file = file.expect("no file part");
            assert!(file.starts_with(b"RIFF"), "not the uploaded WAV");
            assert_eq!(model.as_deref(), Some("whisper-1"));
            axum::Json(json!({ "text": text }))
        }),
    );
    serve_stub(app).await
}

/// A mono 16 kHz 16-bit WAV of `samples` samples of a quiet tone.
fn wav(samples: u32) -> Vec<u8> {
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&16_000u32.to_le_bytes());
    out.extend_from_slice(&32_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let v = ((i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin() * 2000.0) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

async fn upload(
    app: &TestApp,
    s: &Session,
    session_id: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> crate::harness::Resp {
    let form = reqwest::multipart::Form::new()
        .part(
            "audio",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("note")
                .mime_str(mime)
                .unwrap(),
        )
        .text("sessionId", session_id.to_owned());
    let resp = app
        .client
        .post(app.url(&format!("/api/conversations/{}/voice", s.id())))
        .bearer_auth(&s.access)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::harness::Resp {
        status: resp.status(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

async fn voice_messages(ctx: Ctx) {
    // Without speech-to-text configured, a clear 409: how the server is set up,
    // not an outage that a retry would get past.
    let plain = ctx.spawn_app().await;
    let s = plain.register("voice0@example.org", PASSWORD).await;
    let started = plain.start(&s, json!({})).await;
    upload(
        &plain,
        &s,
        started["sessionId"].as_str().unwrap(),
        wav(1600),
        "audio/wav",
    )
    .await
    .problem(409, "speech_to_text_unavailable");

    let stt = transcription_stub("I have been feeling anxious about work").await;
    let app = ctx
        .spawn_app_with(|c| {
            c.stt_base_url = Some(stt);
            c.voice_limit_bytes = 64 * 1024;
        })
        .await;
    let s = app.register("voice@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let session_id = started["sessionId"].as_str().unwrap().to_owned();
    let turn = upload(&app, &s, &session_id, wav(16_000), "audio/wav")
        .await
        .success(StatusCode::OK);
    assert_eq!(turn["message"]["messageType"], "voice");
    assert_eq!(
        turn["message"]["content"],
        "I have been feeling anxious about work"
    );
    assert!(!turn["aiResponse"]["content"].as_str().unwrap().is_empty());
    assert_eq!(turn["audioStored"], false);
    let audio_dir = app.config.data_dir.join("audio").join(s.id());
    assert!(!audio_dir.exists(), "audio kept without consent");

    // With consent, the recording is kept, owner-readable only.
    app.patch("/api/me/preferences")
        .token(&s.access)
        .json(&json!({ "privacySettings": { "storeVoiceRecordings": true } }))
        .send()
        .await
        .success(StatusCode::OK);
    let turn = upload(&app, &s, &session_id, wav(8_000), "audio/wav")
        .await
        .success(StatusCode::OK);
    assert_eq!(turn["audioStored"], true);
    let file = audio_dir.join(format!("{}.wav", turn["message"]["id"].as_str().unwrap()));
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
    // Stored sealed with the person's data key, and opens to the recording.
    let sealed = std::fs::read(&file).unwrap();
    assert!(sealed.starts_with(b"RBENC1"));
    assert!(
        !sealed.windows(4).any(|w| w == b"RIFF"),
        "no plain audio on disk"
    );
    let key = app
        .state
        .vault
        .data_key(uuid::Uuid::parse_str(s.id()).unwrap())
        .await
        .unwrap();
    let aad = rebloom_store::crypto::aad(
        "files",
        "audio",
        file.file_name().unwrap().to_str().unwrap(),
        uuid::Uuid::parse_str(s.id()).unwrap(),
    );
    assert_eq!(
        rebloom_store::crypto::open_file(&key, &aad, &sealed)
            .unwrap()
            .as_slice(),
        wav(8_000).as_slice()
    );

    // Not audio, mislabelled, too large, not multipart.
    upload(
        &app,
        &s,
        &session_id,
        b"ID3\x04\0\0\0\0\0\0not really".to_vec(),
        "audio/mpeg",
    )
    .await
    .problem(415, "unsupported_audio");
    upload(&app, &s, &session_id, wav(1600), "audio/ogg")
        .await
        .problem(415, "unsupported_audio");
    upload(&app, &s, &session_id, wav(64 * 1024), "audio/wav")
        .await
        .problem(413, "payload_too_large");
    app.post(&format!("/api/conversations/{}/voice", s.id()))
        .token(&s.access)
        .json(&json!({ "audio": "nope" }))
        .send()
        .await
        .problem(400, "invalid_upload");
    let session = app
        .get(&format!("/api/conversations/sessions/{session_id}"))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK);
    assert_eq!(
        session["session"]["messageCount"], 4,
        "a refused upload stored something"
    );
}

/// With the multilingual encoder (fetched by scripts/models.sh; the test
/// fails without it) the guided engine answers a question from its library by
/// meaning when its words find nothing (the server embeds the message and the
/// library with the model the crisis assessment reads it with); a question
/// the library cannot answer still gets an honest "I don't know".
async fn questions_are_answered_by_meaning_with_the_encoder(ctx: Ctx) {
    let models = crate::harness::models_with("multilingual-e5-small/e5-small-q4.bin");
    let app = ctx.spawn_app_with(|c| c.models_dir = models).await;
    let s = app.register("significado@example.org", PASSWORD).await;
    app.set_profile(&s, json!({ "language": "es" })).await;
    let started = app.start(&s, json!({ "message": "hola" })).await;
    let session = started["sessionId"].as_str().unwrap().to_owned();
    // No word of it is in the sleep answer's phrasings ("acostarse",
    // "descansar"); its meaning is.
    let reply = app
        .say(
            &s,
            &session,
            "¿qué rutina antes de acostarse ayuda a descansar mejor?",
        )
        .await;
    let text = reply["aiResponse"]["content"].as_str().unwrap();
    assert!(
        text.starts_with("Algunas bases ayudan a mucha gente"),
        "{reply}"
    );

    let en = app.register("meaning@example.org", PASSWORD).await;
    let started = app.start(&en, json!({ "message": "hi" })).await;
    let session = started["sessionId"].as_str().unwrap().to_owned();
    let reply = app.say(&en, &session, "what's the capital of Peru?").await;
    let text = reply["aiResponse"]["content"].as_str().unwrap();
    let honest = [
        "rather say so than guess",
        "not sure about that one",
        "I don't know that",
    ];
    assert!(honest.iter().any(|h| text.contains(h)), "{reply}");
}

/// Speech-to-text with the on-device Whisper model (fetched by
/// scripts/models.sh; the test fails without it): a real recording in, the
/// person's words answered like a typed message.
async fn voice_with_local_whisper(ctx: Ctx) {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let clip = models.join("test-audio/beckett.wav");
    assert!(
        models.join("whisper-tiny.en/model.bin").exists() && clip.exists(),
        "no local Whisper model or test clip: run scripts/models.sh"
    );
    let app = ctx.spawn_app_with(|c| c.models_dir = models).await;
    let s = app.register("voice-local@example.org", PASSWORD).await;
    let started = app.start(&s, json!({})).await;
    let session = started["sessionId"].as_str().unwrap();
    let done = upload(
        &app,
        &s,
        session,
        std::fs::read(&clip).unwrap(),
        "audio/wav",
    )
    .await
    .success(StatusCode::OK);
    let heard = done["message"]["content"].as_str().unwrap().to_lowercase();
    assert!(
        heard.contains("ever tried") && heard.contains("fail better"),
        "{heard}"
    );
    assert_eq!(done["message"]["messageType"], "voice");
    assert!(!done["aiResponse"]["content"].as_str().unwrap().is_empty());
    // What the local model cannot read is a clear 415, not a failure.
    let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3];
    webm.extend_from_slice(&[0u8; 64]);
    upload(&app, &s, session, webm, "audio/webm")
        .await
        .problem(415, "unsupported_audio");
}
