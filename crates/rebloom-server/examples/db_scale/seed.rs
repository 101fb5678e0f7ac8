//! Writes the population through the store's own write paths (the
//! encryption layer included), a bounded number of tasks at a time, in time
//! order across people, so that each person's rows are spread over the
//! tables as months of real use leave them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt;
use rebloom_store::{NewSession, NewUser, Role, Store, StoredVector};
use serde_json::json;
use time::OffsetDateTime;

use super::plan::{MODEL, Population, vector};

/// Sessions one task writes at a time (their messages in one batch).
const SESSIONS_PER_TASK: usize = 24;

pub struct Phase {
    pub name: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

impl Phase {
    pub fn rate(&self) -> f64 {
        self.rows as f64 / self.seconds.max(1e-9)
    }
}

#[derive(Default)]
struct Counts {
    vectors: AtomicU64,
    memories: AtomicU64,
    crisis: AtomicU64,
}

/// Progress on stderr about every tenth of the way.
struct Progress {
    name: &'static str,
    total: u64,
    done: AtomicU64,
    started: Instant,
}

impl Progress {
    fn new(name: &'static str, total: u64) -> Progress {
        Progress {
            name,
            total,
            done: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn add(&self, n: u64) {
        let before = self.done.fetch_add(n, Ordering::Relaxed);
        let step = (self.total / 10).max(1);
        if (before + n) / step > before / step {
            let done = before + n;
            eprintln!(
                "  {}: {done}/{} ({:.0}/s)",
                self.name,
                self.total,
                done as f64 / self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Writes everything; `per_row` writes messages one by one instead of in batches.
pub async fn seed(
    store: Arc<dyn Store>,
    pop: Arc<Population>,
    tasks: usize,
    per_row: bool,
) -> Vec<Phase> {
    let mut phases = Vec::new();

    // People, with their time zone and memory switched on.
    let t = Instant::now();
    let progress = Progress::new("people", pop.users.len() as u64);
    futures::stream::iter(0..pop.users.len())
        .map(|u| {
            let (store, pop) = (store.clone(), pop.clone());
            async move {
                let plan = &pop.users[u];
                store
                    .create_user(&NewUser {
                        id: plan.id,
                        email: plan.email.clone(),
                        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$seed$seed".into(),
                        role: Role::User,
                        now: plan.joined,
                    })
                    .await
                    .unwrap();
                let mut profile = store.get_profile(plan.id).await.unwrap().unwrap();
                profile.timezone = Some(plan.timezone.to_owned());
                profile.privacy_settings = json!({ "memoryEnabled": true });
                profile.updated_at = plan.joined;
                store.save_profile(&profile).await.unwrap();
            }
        })
        .buffer_unordered(tasks)
        .for_each(|()| {
            progress.add(1);
            futures::future::ready(())
        })
        .await;
    phases.push(Phase {
        name: "people (+ profile)",
        rows: pop.users.len() as u64,
        seconds: t.elapsed().as_secs_f64(),
    });

    // Sessions in start order, a few per task: each session, then all their
    // messages in one batch (or one by one, to compare).
    let chunks: Vec<std::ops::Range<usize>> = (0..pop.sessions.len())
        .step_by(SESSIONS_PER_TASK)
        .map(|a| a..(a + SESSIONS_PER_TASK).min(pop.sessions.len()))
        .collect();
    let total: u64 = pop.sessions.iter().map(|s| u64::from(s.messages)).sum();
    let t = Instant::now();
    let progress = Progress::new("messages", total);
    futures::stream::iter(chunks.clone())
        .map(|range| {
            let (store, pop) = (store.clone(), pop.clone());
            async move { conversations(&*store, &pop, range, per_row).await }
        })
        .buffer_unordered(tasks)
        .for_each(|n| {
            progress.add(n);
            futures::future::ready(())
        })
        .await;
    phases.push(Phase {
        name: if per_row {
            "messages (one by one, with their sessions)"
        } else {
            "messages (batched, with their sessions)"
        },
        rows: total,
        seconds: t.elapsed().as_secs_f64(),
    });

    // What the memory job and the safety pipeline left: crisis events,
    // memories, and the vectors of memories and low-risk user messages.
    let t = Instant::now();
    let counts = Arc::new(Counts::default());
    let progress = Progress::new("sessions learnt from", pop.sessions.len() as u64);
    futures::stream::iter(chunks.clone())
        .map(|range| {
            let (store, pop, counts) = (store.clone(), pop.clone(), counts.clone());
            async move { learnt(&*store, &pop, range, &counts).await }
        })
        .buffer_unordered(tasks)
        .for_each(|n| {
            progress.add(n);
            futures::future::ready(())
        })
        .await;
    let seconds = t.elapsed().as_secs_f64();
    let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let (vectors, memories, crisis) = (
        count(&counts.vectors),
        count(&counts.memories),
        count(&counts.crisis),
    );
    phases.push(Phase {
        name: "vectors, memories, crisis events",
        rows: vectors + memories + crisis,
        seconds,
    });
    for (name, rows) in [
        ("  of which vectors", vectors),
        ("  of which memories", memories),
        ("  of which crisis events", crisis),
    ] {
        phases.push(Phase {
            name,
            rows,
            seconds,
        });
    }

    // Every session but each person's latest ended, with a sealed summary.
    let t = Instant::now();
    let ended = Arc::new(AtomicU64::new(0));
    let progress = Progress::new("sessions ended", pop.sessions.len() as u64);
    futures::stream::iter(chunks)
        .map(|range| {
            let (store, pop, ended) = (store.clone(), pop.clone(), ended.clone());
            async move { end(&*store, &pop, range, &ended).await }
        })
        .buffer_unordered(tasks)
        .for_each(|n| {
            progress.add(n);
            futures::future::ready(())
        })
        .await;
    phases.push(Phase {
        name: "session ends",
        rows: ended.load(Ordering::Relaxed),
        seconds: t.elapsed().as_secs_f64(),
    });

    // Check-ins, in time order.
    let t = Instant::now();
    let moods = pop.moods();
    let progress = Progress::new("check-ins", moods.len() as u64);
    let n = moods.len() as u64;
    futures::stream::iter(moods)
        .map(|(_, u, day)| {
            let (store, pop) = (store.clone(), pop.clone());
            async move {
                if let Some(m) = pop.mood_on(u as usize, day) {
                    store.insert_mood(&m).await.unwrap();
                }
            }
        })
        .buffer_unordered(tasks)
        .for_each(|()| {
            progress.add(1);
            futures::future::ready(())
        })
        .await;
    phases.push(Phase {
        name: "check-ins",
        rows: n,
        seconds: t.elapsed().as_secs_f64(),
    });

    // Weekly insights, each written by the real report when its week was over.
    let t = Instant::now();
    let insights = pop.insights();
    let progress = Progress::new("insights", insights.len() as u64);
    let n = insights.len() as u64;
    futures::stream::iter(insights)
        .map(|(at, u, back)| {
            let (store, pop) = (store.clone(), pop.clone());
            async move {
                let written = OffsetDateTime::from_unix_timestamp(at).unwrap();
                let insight = pop.insight(u as usize, back, written);
                assert!(store.save_insight(&insight).await.unwrap());
            }
        })
        .buffer_unordered(tasks)
        .for_each(|()| {
            progress.add(1);
            futures::future::ready(())
        })
        .await;
    phases.push(Phase {
        name: "weekly insights",
        rows: n,
        seconds: t.elapsed().as_secs_f64(),
    });
    phases
}

/// Writes the sessions `range` (of `pop.sessions`) and their messages;
/// returns how many messages.
async fn conversations(
    store: &dyn Store,
    pop: &Population,
    range: std::ops::Range<usize>,
    per_row: bool,
) -> u64 {
    let mut all = Vec::new();
    for s in &pop.sessions[range] {
        store
            .create_session(&NewSession {
                id: s.id,
                user_id: pop.users[s.user].id,
                session_type: "general".into(),
                mood_before: pop.mood_before(s),
                now: s.start,
            })
            .await
            .unwrap();
        all.extend(pop.messages(s));
    }
    if per_row {
        for m in &all {
            store.insert_message(m).await.unwrap();
        }
    } else {
        store.insert_messages(&all).await.unwrap();
    }
    all.len() as u64
}

/// Writes what was learnt from the sessions `range`; returns how many sessions.
async fn learnt(
    store: &dyn Store,
    pop: &Population,
    range: std::ops::Range<usize>,
    counts: &Counts,
) -> u64 {
    let n = range.len() as u64;
    for s in &pop.sessions[range] {
        let extras = pop.extras(s, &pop.messages(s));
        for e in &extras.crisis {
            store.record_crisis_event(e).await.unwrap();
        }
        for m in &extras.memories {
            store.insert_memory(m).await.unwrap();
        }
        for (of, seed, at) in &extras.vectors {
            let v = StoredVector::new(pop.users[s.user].id, *of, MODEL, &vector(*seed), *at);
            store.upsert_vector(&v).await.unwrap();
        }
        counts
            .crisis
            .fetch_add(extras.crisis.len() as u64, Ordering::Relaxed);
        counts
            .memories
            .fetch_add(extras.memories.len() as u64, Ordering::Relaxed);
        counts
            .vectors
            .fetch_add(extras.vectors.len() as u64, Ordering::Relaxed);
    }
    n
}

/// Ends the sessions `range` but each person's latest; returns how many sessions.
async fn end(
    store: &dyn Store,
    pop: &Population,
    range: std::ops::Range<usize>,
    ended: &AtomicU64,
) -> u64 {
    let n = range.len() as u64;
    for s in pop.sessions[range].iter().filter(|s| !s.last) {
        let Some(last) = pop.messages(s).last().map(|m| m.created_at) else {
            continue;
        };
        let user = pop.users[s.user].id;
        assert!(
            store
                .end_session(user, s.id, &pop.end(s, last))
                .await
                .unwrap()
                .is_some()
        );
        ended.fetch_add(1, Ordering::Relaxed);
    }
    n
}
