//! The job queue and worker without any transport, on real SQLite and real
//! PostgreSQL with the manual clock: a failed run comes back after its
//! back-off and not before, a panic is a failed run and not a dead worker,
//! and what cannot succeed (a permanent error, an unknown queue) is kept as
//! failed for operators.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use rebloom_core::clock::ManualClock;
use rebloom_core::jobs::{Handler, JobError, Jobs, Queue, backoff};
use rebloom_store::Store;
use serde_json::json;
use support::{on_postgres, on_sqlite};
use time::macros::datetime;

/// What the handlers saw: the queue and attempt of every run.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, i32)>>>);

impl Seen {
    fn runs(&self) -> Vec<(String, i32)> {
        self.0.lock().unwrap().clone()
    }
}

const AREA: &[(&str, Handler<Seen>)] = &[
    ("flaky", |seen, job| {
        Box::pin(async move {
            seen.0
                .lock()
                .unwrap()
                .push((job.queue.clone(), job.attempts));
            if job.attempts < 2 {
                Err(JobError::Retry("try later".into()))
            } else {
                Ok(())
            }
        })
    }),
    ("broken", |seen, job| {
        Box::pin(async move {
            seen.0
                .lock()
                .unwrap()
                .push((job.queue.clone(), job.attempts));
            Err(JobError::Permanent("cannot ever work".into()))
        })
    }),
    ("panics", |seen, job| {
        Box::pin(async move {
            seen.0
                .lock()
                .unwrap()
                .push((job.queue.clone(), job.attempts));
            panic!("a bug in a job");
        })
    }),
];

async fn runs_and_retries(store: Arc<dyn Store>) {
    let clock = ManualClock::new(datetime!(2026-12-07 08:00 UTC));
    let jobs = Jobs::new(Queue::new(store.clone(), Arc::new(clock.clone())), &[AREA]);
    let seen = Seen::default();
    assert!(!jobs.run_one(&seen).await.unwrap(), "nothing queued yet");

    jobs.queue()
        .enqueue("flaky", json!({ "n": 1 }), None)
        .await
        .unwrap();
    assert!(jobs.run_one(&seen).await.unwrap());
    assert_eq!(seen.runs(), [("flaky".to_owned(), 1)]);
    // Not due again until its back-off has passed.
    clock.advance(backoff(1) - time::Duration::seconds(1));
    assert!(!jobs.run_one(&seen).await.unwrap());
    clock.advance(time::Duration::seconds(1));
    assert!(jobs.run_one(&seen).await.unwrap());
    assert_eq!(seen.runs()[1], ("flaky".to_owned(), 2));
    // Done: gone from the queue, nothing failed.
    clock.advance(time::Duration::hours(2));
    assert!(!jobs.run_one(&seen).await.unwrap());
    assert!(store.failed_jobs(None, 10).await.unwrap().is_empty());

    // A panic fails the run; the worker goes on to the next job.
    jobs.queue()
        .enqueue("panics", json!({}), None)
        .await
        .unwrap();
    assert!(jobs.run_one(&seen).await.unwrap());
    jobs.queue()
        .enqueue("broken", json!({}), None)
        .await
        .unwrap();
    jobs.queue()
        .enqueue("no.such.queue", json!({}), None)
        .await
        .unwrap();
    assert!(jobs.run_one(&seen).await.unwrap());
    assert!(jobs.run_one(&seen).await.unwrap());
    assert!(
        !jobs.run_one(&seen).await.unwrap(),
        "the panicked one waits for its back-off"
    );
    assert_eq!(
        seen.runs()[2..],
        [("panics".to_owned(), 1), ("broken".to_owned(), 1)]
    );
    let mut failed: Vec<(String, i32, Option<String>)> = store
        .failed_jobs(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.queue, f.attempts, f.last_error))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            ("broken".to_owned(), 1, Some("cannot ever work".to_owned())),
            (
                "no.such.queue".to_owned(),
                1,
                Some("unknown queue no.such.queue".to_owned())
            ),
        ]
    );
    clock.advance(backoff(1));
    assert!(jobs.run_one(&seen).await.unwrap());
    assert_eq!(seen.runs().last(), Some(&("panics".to_owned(), 2)));
}

#[tokio::test]
async fn runs_and_retries_on_sqlite() {
    on_sqlite(runs_and_retries).await;
}

#[tokio::test]
async fn runs_and_retries_on_postgres() {
    on_postgres(runs_and_retries).await;
}
