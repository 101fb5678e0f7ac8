//! The scaled-out backend: PostgreSQL, with an optional read replica for read-only queries.

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};

use crate::sql::store_impl;
use crate::{ConnectOptions, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
    /// The read replica when configured, else the primary.
    read: PgPool,
}

fn options(url: &str, schema: Option<&str>) -> StoreResult<PgConnectOptions> {
    let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(match schema {
        Some(s) => opts.options([("search_path", s)]),
        None => opts,
    })
}

async fn pool(opts: PgConnectOptions, max: u32) -> StoreResult<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts)
        .await?)
}

impl PostgresStore {
    pub async fn connect(opts: &ConnectOptions) -> StoreResult<PostgresStore> {
        let schema = opts.schema.as_deref();
        if let Some(s) = schema {
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Backend("schema names are [A-Za-z0-9_]".into()));
            }
            // The schema must exist before a connection can use it as its search path.
            let admin = pool(options(&opts.database_url, None)?, 1).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {s}"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
        }
        let max = opts.max_connections.unwrap_or(16);
        let primary = pool(options(&opts.database_url, schema)?, max).await?;
        MIGRATOR
            .run(&primary)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        // The replica may come up after the primary: connect to it lazily.
        let read = match &opts.read_replica_url {
            Some(url) => PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(5))
                .connect_lazy_with(options(url, schema)?),
            None => primary.clone(),
        };
        Ok(PostgresStore {
            pool: primary,
            read,
        })
    }

    /// The primary pool, for tests and tools in this workspace.
    #[cfg(feature = "unsealed")]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

store_impl!(
    store: PostgresStore,
    row: PgRow,
    backend: "postgres",
    skip_locked: " FOR UPDATE SKIP LOCKED",
);
