//! Memory retrieval for one person with many remembered items: seeds N
//! memories and N vectors (384-d, sealed by the encryption layer, as the
//! server stores them), then times what a reply's recall does.
//!
//! - cold: read and open every memory and vector from the store (a context-cache miss);
//! - warm: the exact scan of the cached vectors for the 8 nearest (a cache hit).
//!
//! `cargo run --release -p rebloom-server --example memory_bench -- [sqlite|postgres] [items] [runs]`
//! PostgreSQL: `REBLOOM_TEST_DATABASE_URL` (default the local trust-auth server), in a
//! schema of its own that is dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use rebloom_ai::embed::cosine;
use rebloom_core::memory::cache::{Known, KnownVector};
use rebloom_store::{
    ConnectOptions, Memory, MemorySource, NewUser, Role, Store, StoredVector, VectorOf,
};
use time::OffsetDateTime;
use uuid::Uuid;

#[path = "common/mod.rs"]
mod common;

use common::{Target, percentile};

/// A deterministic pseudo-random unit vector (xorshift), no extra crate.
fn vector(seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..384)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2000) as f32 / 1000.0 - 1.0
        })
        .collect();
    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
    v.iter_mut().for_each(|a| *a /= n);
    v
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let target = Target::from_args("memory");
    let backend = target.backend.clone();
    let items: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(30);
    let dir = tempfile::TempDir::new().unwrap();
    let opts = match backend.as_str() {
        "postgres" => ConnectOptions {
            database_url: target.pg_url.clone(),
            schema: Some(target.schema.clone()),
            ..Default::default()
        },
        _ => ConnectOptions {
            database_url: format!("sqlite://{}/bench.db", dir.path().display()),
            ..Default::default()
        },
    };
    let keys = rebloom_store::KeyStoreOptions {
        url: format!("sqlite://{}/keys.db", dir.path().display()),
        schema: None,
    };
    let ring = Arc::new(rebloom_store::crypto::KeyRing::new([9; 32], vec![]));
    let store: Arc<dyn Store> = rebloom_store::open(&opts, &keys, ring).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let user = store
        .create_user(&NewUser {
            id: Uuid::now_v7(),
            email: format!("bench-{}@example.org", Uuid::new_v4().simple()),
            password_hash: "x".into(),
            role: Role::User,
            now,
        })
        .await
        .unwrap();
    let seeding = Instant::now();
    for i in 0..items {
        let m = Memory {
            id: Uuid::now_v7(),
            user_id: user.id,
            kind: "note".into(),
            content: format!("Remembered item number {i}: something that mattered to them"),
            sources: vec![MemorySource {
                message_id: Uuid::now_v7(),
                session_id: Uuid::now_v7(),
                at: now,
            }],
            mention_count: 1,
            origin: "conversation".into(),
            created_at: now,
            updated_at: now,
            last_seen_at: now,
        };
        store.insert_memory(&m).await.unwrap();
        store
            .upsert_vector(&StoredVector::new(
                user.id,
                VectorOf::Memory(m.id),
                "bench",
                &vector(i as u64),
                now,
            ))
            .await
            .unwrap();
    }
    println!(
        "{backend}: seeded {items} sealed memories and vectors in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut known = Known::default();
    for run in 0..runs {
        let t = Instant::now();
        let memories = store.list_memories(user.id).await.unwrap();
        let vectors = store
            .user_vectors(user.id, "bench")
            .await
            .unwrap()
            .into_iter()
            .map(|v| KnownVector {
                of: v.of,
                values: v.values(),
            })
            .collect();
        known = Known::new(memories, vectors);
        cold.push(t.elapsed().as_secs_f64() * 1000.0);

        let q = vector(1_000_000 + run as u64);
        let t = Instant::now();
        let mut scored: Vec<(f32, &Memory)> = known
            .memories
            .iter()
            .map(|m| {
                (
                    known
                        .memory_vector(m.id)
                        .map(|v| cosine(&q, v))
                        .unwrap_or(0.0),
                    m,
                )
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(8);
        assert_eq!(scored.len(), 8.min(items));
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    assert_eq!(known.memories.len(), items);
    cold.sort_by(f64::total_cmp);
    warm.sort_by(f64::total_cmp);
    println!(
        "cold (store read + open {items} memories and vectors): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&cold, 0.5),
        percentile(&cold, 0.95)
    );
    println!(
        "warm (exact scan for the 8 nearest of {items}): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&warm, 0.5),
        percentile(&warm, 0.95)
    );
    target.clean_up().await;
}
