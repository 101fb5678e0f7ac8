//! The HTTP API end to end: a real server per test on 127.0.0.1:0, spoken to
//! over HTTP. Every case is written once and runs on SQLite and on PostgreSQL;
//! the Redis cases run on the scaled-out setup (PostgreSQL + Redis).
//!
//! PostgreSQL: `REBLOOM_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), one schema per test.
//! Redis: `REBLOOM_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`), one key
//! prefix per test. Either missing fails the tests.
//!
//! Time-dependent behaviour (token expiry, lock-outs) is driven by the
//! server's `ManualClock`; nothing here sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// One module per case with one test per backend: `cases! { name: [sqlite, postgres]; … }`
/// runs `super::name(ctx)` in `name::sqlite` and `name::postgres`.
macro_rules! cases {
    ($($case:ident: [$($backend:ident),+ $(,)?]);+ $(;)?) => {
        $(
            mod $case {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $backend() {
                        crate::harness::run(
                            crate::harness::Backend::named(stringify!($backend)),
                            super::$case,
                        )
                        .await;
                    }
                )+
            }
        )+
    };
}

mod harness;

mod accounts;
mod admin;
mod clinician;
mod conversations;
mod memory;
mod notifications;
mod ops;
mod privacy;
mod profile;
mod provider;
mod rate_limits;
mod robustness;
mod safety;
mod sessions;
mod wellbeing;
