//! Weekly insight generation at scale: seeds N people (time zones spread
//! over the world, six weeks of three check-ins a week with triggers, a
//! goal with progress), then the scheduler queues everyone's last finished
//! week and the jobs write them. Prints per-person generation time (p50,
//! p95) and the whole run.
//!
//! `cargo run --release -p rebloom-server --example insights_bench -- [sqlite|postgres] [people]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use rebloom_server::{App, Config};
use rebloom_store::{MoodEntry, NewUser, Role};
use time::OffsetDateTime;
use uuid::Uuid;

const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
    "UTC",
];

#[path = "common/mod.rs"]
mod common;

use common::{Target, percentile};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let target = Target::from_args("insights");
    let backend = target.backend.clone();
    let people: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::TempDir::new().unwrap();
    let mut config = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        job_worker: false,
        embeddings: "off".into(),
        ..Config::default()
    };
    if target.postgres() {
        config.database_url = Some(target.pg_url.clone());
        config.database_schema = Some(target.schema.clone());
    }
    let app = App::build(config).await.unwrap();
    let state = app.state();
    let now = OffsetDateTime::now_utc();
    let seeding = Instant::now();
    for n in 0..people {
        let user = state
            .store
            .create_user(&NewUser {
                id: Uuid::now_v7(),
                email: format!("bench-{n}-{}@example.org", Uuid::new_v4().simple()),
                password_hash: "x".into(),
                role: Role::User,
                now,
            })
            .await
            .unwrap();
        let mut profile = state.store.get_profile(user.id).await.unwrap().unwrap();
        profile.timezone = Some(ZONES[n % ZONES.len()].to_owned());
        state.store.save_profile(&profile).await.unwrap();
        for k in 0..18i64 {
            let at = now - time::Duration::hours(k * 56 + 20);
            state
                .store
                .insert_mood(&MoodEntry {
                    id: Uuid::now_v7(),
                    user_id: user.id,
                    session_id: None,
                    mood_score: 3 + ((k * 7 + n as i64) % 7) as i32,
                    anxiety_level: Some(1 + (k % 9) as i32),
                    stress_level: None,
                    energy_level: Some(5),
                    notes: Some("a note".into()),
                    triggers: if k % 3 == 0 {
                        vec!["work".into()]
                    } else {
                        vec!["walk".into()]
                    },
                    recorded_at: at,
                    updated_at: None,
                })
                .await
                .unwrap();
        }
    }
    println!(
        "{backend}: seeded {people} people x 18 sealed check-ins in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let run = Instant::now();
    let queued = state.insights.schedule_due(now).await.unwrap();
    let scheduled = run.elapsed().as_secs_f64();
    let mut per = Vec::with_capacity(queued);
    while {
        let t = Instant::now();
        let ran = state.jobs.run_one(&state).await.unwrap();
        if ran {
            per.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ran
    } {}
    let total = run.elapsed().as_secs_f64();
    per.sort_by(f64::total_cmp);
    println!("scheduler: {queued} weekly insights queued in {scheduled:.2} s");
    println!(
        "per person (job: read 5 weeks, compute, seal, store): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&per, 0.5),
        percentile(&per, 0.95),
        per.last().copied().unwrap_or(0.0)
    );
    println!(
        "all {people}: {total:.1} s one job at a time ({:.0} people/s)",
        per.len() as f64 / total
    );
    target.clean_up().await;
}
