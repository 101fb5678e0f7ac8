//! What the server's benchmarks share: which backend, a PostgreSQL schema
//! of their own (dropped at the end), and percentiles.

#![allow(dead_code)]

use uuid::Uuid;

/// The database a benchmark runs on: `sqlite` (the default) or `postgres`
/// (the first argument), with PostgreSQL at `REBLOOM_TEST_DATABASE_URL`.
pub struct Target {
    pub backend: String,
    pub pg_url: String,
    /// A fresh schema for a PostgreSQL run (`REBLOOM_BENCH_SCHEMA` names it,
    /// so that a script can drop it after an interrupted run).
    pub schema: String,
}

impl Target {
    pub fn from_args(name: &str) -> Target {
        Target {
            backend: std::env::args()
                .nth(1)
                .unwrap_or_else(|| "sqlite".to_owned()),
            pg_url: std::env::var("REBLOOM_TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
            schema: std::env::var("REBLOOM_BENCH_SCHEMA")
                .unwrap_or_else(|_| format!("bench_{name}_{}", Uuid::new_v4().simple())),
        }
    }

    pub fn postgres(&self) -> bool {
        self.backend == "postgres"
    }

    /// Drops the run's schemas (data and keys) after a PostgreSQL run.
    pub async fn clean_up(&self) {
        if !self.postgres() {
            return;
        }
        let pool = sqlx::PgPool::connect(&self.pg_url).await.unwrap();
        for s in [self.schema.clone(), format!("{}_keys", self.schema)] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {s} CASCADE"
            )))
            .execute(&pool)
            .await
            .unwrap();
        }
    }
}

/// The `p` quantile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
