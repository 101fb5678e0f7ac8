//! The database at scale: seeds N people and M messages (sessions over
//! months, user and companion turns, check-ins, weekly insights, memories
//! and their vectors) through the store's own write paths, so every row is
//! sealed and indexed as in production, then times the hot queries as the
//! server runs them (p50/p95/p99 over random people, cold and warm) and, on
//! PostgreSQL, shows their plans (`EXPLAIN (ANALYZE, BUFFERS)` of the store's
//! own prepared statements), table sizes and which indexes were used.
//!
//! `cargo run --release -p rebloom-server --example db_scale -- postgres [users=10000] [messages=1000000]
//!  [--json PATH] [--samples 300] [--tasks 12] [--per-row]`
//!
//! `--per-row` writes messages one `insert_message` at a time instead of
//! `insert_messages` batches (to compare seeding throughput).
//!
//! `sqlite` works too (a file in a temporary directory). PostgreSQL is
//! `REBLOOM_TEST_DATABASE_URL` (default the local trust-auth server), in a
//! schema of its own (and `<schema>_keys` for the data keys), dropped at the
//! end, even when the run fails. At most 12 + 4 + 1 connections.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use rebloom_store::unsealed::{PostgresStore, SqliteStore};
use rebloom_store::{ConnectOptions, EncryptedStore, Store};
use sqlx::Row;
use time::OffsetDateTime;

#[path = "common/mod.rs"]
mod common;
#[path = "db_scale/explain.rs"]
mod explain;
#[path = "db_scale/hot.rs"]
mod hot;
#[path = "db_scale/plan.rs"]
mod plan;
#[path = "db_scale/report.rs"]
mod report;
#[path = "db_scale/seed.rs"]
mod seed;
#[path = "db_scale/words.rs"]
mod words;

use common::Target;
use hot::{ALL, Case, Hot};
use plan::{Population, Rng};
use report::{Explained, IndexUse, Measured, Pct, Run, TableSize};

/// The tables the run fills (and vacuums, sizes and counts).
const TABLES: [&str; 9] = [
    "users",
    "user_profiles",
    "conversation_sessions",
    "messages",
    "crisis_events",
    "memories",
    "memory_vectors",
    "mood_entries",
    "user_insights",
];
/// The store's pool on PostgreSQL (the key store adds 4, plans 1).
const POOL: u32 = 12;

struct Args {
    backend: String,
    pg_url: String,
    schema: String,
    users: usize,
    messages: u64,
    json: Option<std::path::PathBuf>,
    samples: usize,
    tasks: usize,
    per_row: bool,
}

impl Args {
    fn parse(target: &Target) -> Args {
        let mut positional = Vec::new();
        let mut json = None;
        let mut samples = 300;
        let mut tasks = POOL as usize;
        let mut per_row = false;
        let mut it = std::env::args().skip(2);
        while let Some(a) = it.next() {
            match a.as_str() {
                "--json" => json = it.next().map(Into::into),
                "--samples" => {
                    samples = it.next().and_then(|v| v.parse().ok()).expect("--samples N")
                }
                "--tasks" => tasks = it.next().and_then(|v| v.parse().ok()).expect("--tasks N"),
                "--per-row" => per_row = true,
                _ => positional.push(a),
            }
        }
        let users = positional
            .first()
            .map_or(10_000, |v| v.parse().expect("users"));
        let messages = positional
            .get(1)
            .map_or(1_000_000, |v| v.parse().expect("messages"));
        assert!(
            users > 0 && messages >= 2 * users as u64,
            "at least two messages per person"
        );
        Args {
            backend: target.backend.clone(),
            pg_url: target.pg_url.clone(),
            schema: target.schema.clone(),
            users,
            messages,
            json,
            samples,
            tasks: tasks.clamp(1, POOL as usize),
            per_row,
        }
    }

    fn postgres(&self) -> bool {
        self.backend == "postgres"
    }
}

/// The backend's own pool, for maintenance and sizes.
enum Pool {
    Pg(sqlx::PgPool),
    Lite(sqlx::SqlitePool, std::path::PathBuf),
}

async fn open(a: &Args, dir: &std::path::Path) -> (Arc<dyn Store>, Arc<EncryptedStore>, Pool) {
    let (inner, pool): (Arc<dyn Store>, Pool) = if a.postgres() {
        let pg = PostgresStore::connect(&ConnectOptions {
            database_url: a.pg_url.clone(),
            schema: Some(a.schema.clone()),
            max_connections: Some(POOL),
            ..Default::default()
        })
        .await
        .unwrap();
        let pool = pg.pool().clone();
        (Arc::new(pg), Pool::Pg(pool))
    } else {
        let file = dir.join("bench.db");
        let lite = SqliteStore::connect(&ConnectOptions {
            database_url: format!("sqlite://{}", file.display()),
            ..Default::default()
        })
        .await
        .unwrap();
        let pool = lite.pool().clone();
        (Arc::new(lite), Pool::Lite(pool, file))
    };
    // The key store as the server has it: beside the data on PostgreSQL, a file with SQLite.
    let keys = if a.postgres() {
        rebloom_store::keydb::connect(&a.pg_url, Some(&format!("{}_keys", a.schema))).await
    } else {
        rebloom_store::keydb::connect(&format!("sqlite://{}/keys.db", dir.display()), None).await
    }
    .unwrap();
    let mut master = [0u8; 32];
    getrandom::fill(&mut master).unwrap();
    let ring = Arc::new(rebloom_store::crypto::KeyRing::new(master, vec![]));
    let vault = Arc::new(EncryptedStore::new(inner, keys, ring));
    (vault.clone(), vault, pool)
}

/// Index scans so far, per (table, index).
type Scans = std::collections::HashMap<(String, String), i64>;

async fn index_scans(pool: &sqlx::PgPool, schema: &str) -> Vec<(String, String, i64, i64)> {
    sqlx::query(
        "SELECT relname::text AS t, indexrelname::text AS i, idx_scan, pg_relation_size(indexrelid) AS bytes \
         FROM pg_stat_user_indexes WHERE schemaname = $1 AND relname::text = ANY($2) \
         ORDER BY relname, indexrelname",
    )
    .bind(schema)
    .bind(TABLES.map(str::to_owned).to_vec())
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("t"), r.get("i"), r.get("idx_scan"), r.get("bytes")))
    .collect()
}

/// VACUUM (ANALYZE), as autovacuum leaves a table in steady state; then,
/// once every connection has reported its counters (PostgreSQL does so
/// within 10 s of going idle), the index scans so far, so that the
/// measurements' own can be told apart.
async fn settle(a: &Args, pool: &Pool) -> (f64, Scans) {
    let Pool::Pg(pool) = pool else {
        return (0.0, Scans::new());
    };
    let t = Instant::now();
    for table in TABLES {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {table}")))
            .execute(pool)
            .await
            .unwrap();
    }
    let seconds = t.elapsed().as_secs_f64();
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let scans = index_scans(pool, &a.schema)
        .await
        .into_iter()
        .map(|(t, i, n, _)| ((t, i), n))
        .collect();
    (seconds, scans)
}

async fn measure(store: &dyn Store, pop: &Population, hot: Hot, cases: &[Case]) -> Measured {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut rows = 0usize;
    for c in cases.iter().filter(|c| hot.applies(c)) {
        let t = Instant::now();
        rows += hot.run(store, pop, c).await;
        cold.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        hot.run(store, pop, c).await;
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let n = cold.len();
    Measured {
        name: hot.name(),
        what: hot.what(),
        samples: n,
        rows_per_call: rows as f64 / n.max(1) as f64,
        cold: Pct::of(cold),
        warm: Pct::of(warm),
        explained: Vec::new(),
        hot: Some(hot),
    }
}

/// The sample's median and heaviest person for a query (by their messages,
/// or their long session's for deep pages).
fn typical_and_heaviest<'a>(
    pop: &Population,
    hot: Hot,
    cases: &'a [Case],
) -> Vec<(&'static str, u32, &'a Case)> {
    let weight = |c: &Case| match hot {
        Hot::HistoryDeep => pop.users[c.user]
            .sessions
            .iter()
            .map(|k| &pop.sessions[*k])
            .find(|s| s.long)
            .map_or(0, |s| s.messages),
        _ => pop.users[c.user].messages,
    };
    let mut sorted: Vec<&Case> = cases.iter().filter(|c| hot.applies(c)).collect();
    sorted.sort_by_key(|c| weight(c));
    match (sorted.get(sorted.len() / 2), sorted.last()) {
        (Some(m), Some(h)) => vec![("typical", weight(m), *m), ("heaviest", weight(h), *h)],
        _ => Vec::new(),
    }
}

async fn explain_all(a: &Args, pop: &Population, m: &mut Measured, cases: &[Case]) {
    let Some(hot) = m.hot else { return };
    for (person, messages, case) in typical_and_heaviest(pop, hot, cases) {
        let (calls, main) = hot.calls(pop, case);
        let mut plans = Vec::new();
        for call in &calls {
            if matches!(call, hot::Call::MessagesById(_, ids) if ids.is_empty()) {
                continue;
            }
            plans.push(explain::explain(&a.pg_url, &a.schema, call).await);
        }
        let main_call = calls[main].name();
        let index = plans
            .iter()
            .find(|p| p.call == main_call)
            .map(|p| p.steady.indexes.join(","))
            .unwrap_or_default();
        m.explained.push(Explained {
            person,
            messages,
            main_call,
            index,
            plans,
        });
    }
}

/// Rows, sizes and (PostgreSQL) the measurements' index scans, after the
/// pools are closed so that every connection has reported its counters.
async fn sizes(a: &Args, pool: Pool, before: &Scans) -> (Vec<TableSize>, Vec<IndexUse>) {
    let mut tables = Vec::new();
    let mut indexes = Vec::new();
    match pool {
        Pool::Lite(pool, file) => {
            for table in TABLES {
                let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT count(*) FROM {table}"
                )))
                .fetch_one(&pool)
                .await
                .unwrap();
                tables.push(TableSize {
                    table: table.to_owned(),
                    rows,
                    heap_bytes: 0,
                    index_bytes: 0,
                });
            }
            pool.close().await;
            let bytes = std::fs::metadata(&file).map_or(0, |m| m.len() as i64);
            tables.push(TableSize {
                table: "(database file)".to_owned(),
                rows: 0,
                heap_bytes: bytes,
                index_bytes: 0,
            });
        }
        Pool::Pg(pool) => {
            pool.close().await;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let admin = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&a.pg_url)
                .await
                .unwrap();
            for table in TABLES {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT (SELECT count(*) FROM {s}.{table}) AS n, pg_relation_size('{s}.{table}') AS heap, \
                     pg_indexes_size('{s}.{table}') AS idx",
                    s = a.schema
                )))
                .fetch_one(&admin)
                .await
                .unwrap();
                tables.push(TableSize {
                    table: table.to_owned(),
                    rows: row.get("n"),
                    heap_bytes: row.get("heap"),
                    index_bytes: row.get("idx"),
                });
            }
            indexes = index_scans(&admin, &a.schema)
                .await
                .into_iter()
                .map(|(table, index, n, bytes)| IndexUse {
                    scans: n - before
                        .get(&(table.clone(), index.clone()))
                        .copied()
                        .unwrap_or(0),
                    table,
                    index,
                    bytes,
                })
                .collect();
            admin.close().await;
        }
    }
    (tables, indexes)
}

async fn run(a: Args) {
    let now = OffsetDateTime::now_utc();
    let t = Instant::now();
    let pop = Arc::new(Population::new(a.users, a.messages, now));
    let long_users: Vec<usize> = (0..pop.users.len())
        .filter(|u| pop.users[*u].sessions.iter().any(|k| pop.sessions[*k].long))
        .collect();
    let mut per_user: Vec<u32> = pop.users.iter().map(|u| u.messages).collect();
    per_user.sort_unstable();
    eprintln!(
        "{}: planned {} people, {} sessions ({} long-running), {} messages (per person: median {}, p99 {}, max {}) in {:.1} s",
        a.backend,
        a.users,
        pop.sessions.len(),
        long_users.len(),
        a.messages,
        per_user[per_user.len() / 2],
        per_user[per_user.len() * 99 / 100],
        per_user[per_user.len() - 1],
        t.elapsed().as_secs_f64()
    );

    let dir = tempfile::TempDir::new().unwrap();
    let (store, vault, pool) = open(&a, dir.path()).await;
    let started = Instant::now();
    let phases = seed::seed(store.clone(), pop.clone(), a.tasks, a.per_row).await;
    let seed_seconds = started.elapsed().as_secs_f64();
    eprintln!("seeded in {seed_seconds:.0} s");
    let (vacuum_seconds, scans_before) = settle(&a, &pool).await;

    let mut rng = Rng::new(7);
    let cases: Vec<Case> = (0..a.samples)
        .map(|_| {
            let u = rng.below(pop.users.len());
            Case::new(&pop, u, &mut rng)
        })
        .collect();
    let long_cases: Vec<Case> = if long_users.is_empty() {
        Vec::new()
    } else {
        (0..a.samples)
            .map(|_| {
                let u = long_users[rng.below(long_users.len())];
                Case::new(&pop, u, &mut rng)
            })
            .collect()
    };
    // A serving replica has its active people's data keys in memory.
    for c in cases.iter().chain(&long_cases) {
        vault.existing_key(c.user_id).await.unwrap();
    }
    let mut queries = Vec::new();
    for hot in ALL {
        let set = if hot == Hot::HistoryDeep {
            &long_cases
        } else {
            &cases
        };
        let mut m = measure(&*store, &pop, hot, set).await;
        eprintln!(
            "  {:<26} cold p95 {:>7.2} ms, warm p95 {:>7.2} ms",
            m.name, m.cold.p95, m.warm.p95
        );
        if a.postgres() {
            explain_all(&a, &pop, &mut m, set).await;
        }
        queries.push(m);
    }
    drop(store);
    drop(vault);
    let (tables, indexes) = sizes(&a, pool, &scans_before).await;
    let report = Run {
        backend: a.backend.clone(),
        users: a.users,
        messages: a.messages,
        sessions: pop.sessions.len(),
        long_sessions: long_users.len(),
        seed_seconds,
        phases,
        vacuum_seconds,
        queries,
        tables,
        indexes,
    };
    report.print();
    if let Some(path) = &a.json {
        std::fs::write(path, serde_json::to_string_pretty(&report.json()).unwrap()).unwrap();
        eprintln!("figures written to {}", path.display());
    }
}

#[tokio::main]
async fn main() {
    let target = Target::from_args("dbscale");
    let args = Args::parse(&target);
    // On its own task, so that the schema is dropped even when the run fails.
    let outcome = tokio::spawn(run(args)).await;
    target.clean_up().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the run failed: {e}"),
        }
    }
}
