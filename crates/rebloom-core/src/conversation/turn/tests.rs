//! The turn's stages without any transport: a real SQLite store in a
//! temporary directory behind the encryption layer, the manual clock, and a
//! scripted provider in place of the provider chain.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use rebloom_ai::{ChatProvider, ChatRequest, Chunk, ChunkStream, Finish, ProviderError};
use rebloom_store::{NewSession, NewUser, Role, Sender};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Incoming, ReplyEvent, Sink, guard, respond};
use crate::audit::Audit;
use crate::clock::{Clock, ManualClock};
use crate::conversation::{ConversationParts, Conversations, prompt};
use crate::cpu_pool::CpuPool;
use crate::events::EventBus;
use crate::jobs::Queue;
use crate::memory::cache::ContextCache;
use crate::memory::extract::Extractor;
use crate::memory::{MemoryParts, MemoryService};
use crate::notices::{Channels, NoticeParts, Notices};
use rebloom_ai::emotion::EmotionClassifier;
use rebloom_ai::guided::GuidedEngine;
use rebloom_safety::Safety;
use rebloom_store::crypto::KeyRing;
use rebloom_store::{ConnectOptions, KeyStoreOptions, Store};

/// A provider that replies with its script, a chunk at a time; `fail_first`
/// of its calls break off after the first chunk, and `stall_first` never
/// answer at all. It counts its calls.
struct Scripted {
    chunks: Vec<&'static str>,
    fail_first: usize,
    stall_first: usize,
    calls: AtomicUsize,
}

impl Scripted {
    fn new(chunks: &[&'static str]) -> Arc<Scripted> {
        Scripted::failing(chunks, 0)
    }

    fn failing(chunks: &[&'static str], fail_first: usize) -> Arc<Scripted> {
        Arc::new(Scripted {
            chunks: chunks.to_vec(),
            fail_first,
            stall_first: 0,
            calls: AtomicUsize::new(0),
        })
    }

    fn stalling(chunks: &[&'static str], stall_first: usize) -> Arc<Scripted> {
        Arc::new(Scripted {
            chunks: chunks.to_vec(),
            fail_first: 0,
            stall_first,
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl ChatProvider for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    async fn stream(&self, _request: &ChatRequest) -> Result<ChunkStream, ProviderError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.stall_first {
            std::future::pending::<()>().await;
        }
        let mut items: Vec<Result<Chunk, ProviderError>> = self
            .chunks
            .iter()
            .map(|c| Ok(Chunk::Delta((*c).to_owned())))
            .collect();
        if call < self.fail_first {
            items.truncate(1);
            items.push(Err(ProviderError::Stream("cut off".to_owned())));
        } else {
            items.push(Ok(Chunk::Done(Finish {
                provider: "scripted".to_owned(),
                model: "script".to_owned(),
                reason: "stop".to_owned(),
            })));
        }
        Ok(Box::pin(futures::stream::iter(items)))
    }
}

struct Fixture {
    conv: Conversations,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// Conversations on a sealed SQLite store (people's content encrypted, as
/// the server runs it) with the manual clock and `provider` as the chain.
async fn fixture(provider: Arc<Scripted>) -> Fixture {
    fixture_with(provider, crate::conversation::send::DEFAULT_TURN_LIMIT).await
}

/// [`fixture`] with turns stopped after `turn_limit`.
async fn fixture_with(provider: Arc<Scripted>, turn_limit: std::time::Duration) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = rebloom_store::open(
        &ConnectOptions {
            database_url: format!("sqlite://{}/t.db", dir.path().display()),
            ..Default::default()
        },
        &KeyStoreOptions {
            url: format!("sqlite://{}/keys.db", dir.path().display()),
            schema: None,
        },
        Arc::new(KeyRing::new([7; 32], Vec::new())),
    )
    .await
    .unwrap();
    let start = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let safety = Arc::new(Safety::new().unwrap());
    let queue = Queue::new(store.clone(), clock.clone());
    let memory = Arc::new(MemoryService::new(
        &store,
        clock.clone(),
        MemoryParts {
            safety: safety.clone(),
            extractor: Extractor::new().unwrap(),
            embedder: None,
            cache: ContextCache::new(None, "test:"),
            jobs: queue.clone(),
            audit: Audit::new(store.clone(), clock.clone()),
        },
    ));
    let conv = Conversations::new(
        &store,
        clock.clone(),
        ConversationParts {
            safety: safety.clone(),
            encoder: None,
            cpu: CpuPool::new("test-cpu", 1).unwrap(),
            chat: provider,
            guided: Arc::new(GuidedEngine::try_new().unwrap()),
            answers: None,
            emotions: Arc::new(EmotionClassifier::new(None)),
            memory,
            notices: Notices::new(
                &store,
                clock.clone(),
                NoticeParts {
                    jobs: queue,
                    channels: Channels::default(),
                    audit: Audit::new(store.clone(), clock.clone()),
                    safety: safety.clone(),
                    mailer: None,
                },
            ),
            events: EventBus,
            turn_limit,
        },
    );
    Fixture {
        conv,
        store,
        clock,
        _dir: dir,
    }
}

impl Fixture {
    /// A new person with an open session, and a message from them.
    async fn incoming(&self, text: &str, turn_key: Option<&str>) -> Incoming {
        let store = &self.store;
        let now = self.clock.now();
        let user = store
            .create_user(&NewUser {
                id: Uuid::now_v7(),
                email: format!("{}@example.org", Uuid::now_v7()),
                password_hash: "not a hash".to_owned(),
                role: Role::User,
                now,
            })
            .await
            .unwrap();
        let session = store
            .create_session(&NewSession {
                id: Uuid::now_v7(),
                user_id: user.id,
                session_type: "chat".to_owned(),
                mood_before: None,
                now,
            })
            .await
            .unwrap();
        Incoming {
            user,
            session,
            text: text.to_owned(),
            message_type: "text",
            turn_key: turn_key.map(str::to_owned),
        }
    }

    /// The same message again (a retry), in the session as it is now.
    async fn again(&self, first: &Incoming) -> Incoming {
        let session = self
            .store
            .find_session(first.user.id, first.session.id)
            .await
            .unwrap()
            .unwrap();
        Incoming {
            user: first.user.clone(),
            session,
            text: first.text.clone(),
            message_type: first.message_type,
            turn_key: first.turn_key.clone(),
        }
    }

    async fn messages(&self, incoming: &Incoming) -> Vec<rebloom_store::Message> {
        let mut m = self
            .store
            .list_messages(incoming.user.id, Some(incoming.session.id), None, 50)
            .await
            .unwrap();
        m.reverse();
        m
    }
}

#[tokio::test]
async fn a_crisis_is_answered_from_templates_and_never_asks_a_provider() {
    let provider = Scripted::new(&["Here is a thought."]);
    let f = fixture(provider.clone()).await;
    for text in [
        "I have the pills in my hand and I'm going to take them all tonight",
        "quiero morirme, ya tengo todo planeado para esta noche",
    ] {
        let incoming = f.incoming(text, None).await;
        let turn = respond(&f.conv, incoming, Sink::default()).await.unwrap();
        assert_eq!(turn.ai_response.provider, "safety", "{text}");
        assert!(
            turn.ai_response.safety.risk_level == "high"
                || turn.ai_response.safety.risk_level == "critical",
            "{text}: {}",
            turn.ai_response.safety.risk_level
        );
        assert!(!turn.ai_response.safety.resources.is_empty(), "{text}");
        assert!(turn.crisis.active, "{text}");
    }
    assert_eq!(provider.calls(), 0, "a provider was asked in a crisis");
    // An ordinary message (another person's) does go to the provider.
    let calm = f
        .incoming("I had a nice walk by the river today", None)
        .await;
    let turn = respond(&f.conv, calm, Sink::default()).await.unwrap();
    assert_eq!(turn.ai_response.provider, "scripted");
    assert_eq!(turn.ai_response.content, "Here is a thought.");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn the_guard_replaces_a_reply_before_the_person_sees_it() {
    let provider = Scripted::new(&[
        "That sounds heavy. ",
        "A lethal dose would be around 10 grams. ",
        "Take care.",
    ]);
    let f = fixture(provider.clone()).await;
    let incoming = f.incoming("I feel a bit flat this evening", None).await;
    let (tx, mut rx) = mpsc::channel(16);
    let turn = respond(&f.conv, incoming, Sink::new(Some(tx)))
        .await
        .unwrap();
    let replacement = prompt::guard_replacement("en");
    assert_eq!(turn.ai_response.content, replacement);
    let mut seen = Vec::new();
    while let Ok(event) = rx.try_recv() {
        seen.push(event);
    }
    // The approved first sentence went out, then was withdrawn whole; the
    // blocked sentence never did.
    assert_eq!(
        seen,
        vec![
            ReplyEvent::Chunk("That sounds heavy.".to_owned()),
            ReplyEvent::Reset,
            ReplyEvent::Chunk(replacement.clone()),
        ]
    );
    // Stored as replaced, in the person's language.
    let es = f
        .incoming("Hoy me siento un poco apagada, sin ganas de nada", None)
        .await;
    let turn = respond(&f.conv, f.again(&es).await, Sink::default())
        .await
        .unwrap();
    assert_eq!(turn.ai_response.content, prompt::guard_replacement("es"));
    let stored = f.messages(&es).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        (stored[1].sender, stored[1].content.as_str()),
        (Sender::Ai, prompt::guard_replacement("es").as_str())
    );
}

#[tokio::test]
async fn the_guard_stage_passes_a_safe_reply_sentence_by_sentence() {
    let provider = Scripted::new(&["That sounds ", "really hard. How are ", "you holding up?"]);
    let f = fixture(provider.clone()).await;
    let incoming = f.incoming("work was a lot today", None).await;
    let request = ChatRequest {
        system: String::new(),
        messages: Vec::new(),
        persona: Default::default(),
        engine_state: serde_json::Value::Null,
        max_tokens: 100,
        temperature: 0.0,
    };
    let (tx, mut rx) = mpsc::channel(16);
    let generated = guard::generate(
        &f.conv.safety.guard,
        &f.conv.events,
        provider.as_ref(),
        &request,
        &Sink::new(Some(tx)),
        (incoming.user.id, incoming.session.id),
    )
    .await
    .unwrap();
    // Passed, not replaced: the text as written, and no reset among the events.
    assert_eq!(
        generated.text,
        "That sounds really hard. How are you holding up?"
    );
    let mut seen = Vec::new();
    while let Ok(event) = rx.try_recv() {
        seen.push(event);
    }
    assert_eq!(
        seen,
        [
            ReplyEvent::Chunk("That sounds really hard.".to_owned()),
            ReplyEvent::Chunk(" How are you holding up?".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_retry_with_the_same_key_stores_the_message_and_the_reply_once() {
    // The first attempt breaks off after the message is stored.
    let provider = Scripted::failing(&["I hear you. ", "What happened?"], 1);
    let f = fixture(provider.clone()).await;
    let first = f
        .incoming("my sister and I had a fight", Some("key-1"))
        .await;
    let failed = respond(&f.conv, f.again(&first).await, Sink::default()).await;
    assert!(failed.is_err());
    let stored = f.messages(&first).await;
    assert_eq!(stored.len(), 1, "the message is stored before the reply");
    assert_eq!(stored[0].sender, Sender::User);

    // The retry finds it: the same message, one reply.
    let turn = respond(&f.conv, f.again(&first).await, Sink::default())
        .await
        .unwrap();
    assert_eq!(turn.message.id, stored[0].id);
    assert_eq!(turn.ai_response.content, "I hear you. What happened?");
    // A third attempt (the reply lost on the way) gets the stored reply back.
    let again = respond(&f.conv, f.again(&first).await, Sink::default())
        .await
        .unwrap();
    assert_eq!(again.ai_response.id, turn.ai_response.id);
    let stored = f.messages(&first).await;
    assert_eq!(
        stored.iter().map(|m| m.sender).collect::<Vec<_>>(),
        [Sender::User, Sender::Ai]
    );
    // Asked on the first two attempts only: the third reads the stored reply.
    assert_eq!(provider.calls(), 2);
}

#[tokio::test]
async fn a_retry_records_the_crisis_a_stopped_first_attempt_did_not() {
    let provider = Scripted::new(&["unused"]);
    let f = fixture(provider.clone()).await;
    let text = "I took all my pills an hour ago and I can't stay awake";
    let first = f.incoming(text, Some("key-2")).await;
    // What a first attempt stopped right after storing the message leaves:
    // the message, and no crisis event.
    let stored = rebloom_store::Message {
        id: Uuid::now_v7(),
        session_id: first.session.id,
        user_id: first.user.id,
        sender: Sender::User,
        content: text.to_owned(),
        message_type: "text".to_owned(),
        sentiment_score: None,
        emotional_tags: serde_json::json!([]),
        risk_level: "critical".to_owned(),
        ai_confidence_score: None,
        metadata: serde_json::json!({ "turnKey": "key-2" }),
        created_at: f.clock.now(),
    };
    f.store.insert_message(&stored).await.unwrap();
    let events = || async { f.store.list_crisis_events(first.user.id, 10).await.unwrap() };
    assert!(events().await.is_empty());

    let turn = respond(&f.conv, f.again(&first).await, Sink::default())
        .await
        .unwrap();
    assert_eq!(turn.message.id, stored.id);
    assert!(turn.crisis.active);
    let recorded = events().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].message_id, Some(stored.id));
    // Another retry finds it recorded and does not record it again.
    respond(&f.conv, f.again(&first).await, Sink::default())
        .await
        .unwrap();
    assert_eq!(events().await.len(), 1);
    assert_eq!(provider.calls(), 0);
}

#[tokio::test]
async fn a_turn_past_its_limit_is_stopped_and_its_session_freed_for_the_retry() {
    // The provider never answers the first time (as a store call that never
    // returns would); the turn is stopped, not left holding the session.
    let provider = Scripted::stalling(&["I'm here. ", "What happened?"], 1);
    let f = fixture_with(provider.clone(), std::time::Duration::from_millis(300)).await;
    let first = f
        .incoming("my sister and I had a fight", Some("key-3"))
        .await;
    let send = || {
        f.conv.send(
            Arc::new(crate::deliver::Nowhere),
            crate::conversation::send::Outgoing {
                user: first.user.clone(),
                session_id: first.session.id,
                text: first.text.clone(),
                message_type: "text",
                turn_key: first.turn_key.clone(),
                device: None,
            },
        )
    };
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), send())
        .await
        .expect("the turn was not stopped at its limit");
    match stopped {
        Err(crate::CoreError::Unavailable(code)) => assert_eq!(code, "reply_timed_out"),
        other => panic!(
            "expected reply_timed_out, got {:?}",
            other.map(|t| t.ai_response.content)
        ),
    }
    // The retry is not refused as `reply_in_progress`, and finds the message.
    let turn = send().await.unwrap();
    assert_eq!(turn.ai_response.content, "I'm here. What happened?");
    let stored = f.messages(&first).await;
    assert_eq!(
        stored.iter().map(|m| m.sender).collect::<Vec<_>>(),
        [Sender::User, Sender::Ai]
    );
    assert_eq!(turn.message.id, stored[0].id);
}
