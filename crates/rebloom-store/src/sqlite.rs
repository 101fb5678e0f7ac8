//! The embedded default: one SQLite file in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};

use crate::sql::store_impl;
use crate::{ConnectOptions, StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite has no replicas: reads use the same pool.
    read: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(opts: &ConnectOptions) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(&opts.database_url)
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.unwrap_or(8))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(SqliteStore {
            read: pool.clone(),
            pool,
        })
    }

    /// The underlying pool, for tests and tools in this workspace.
    #[cfg(feature = "unsealed")]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

store_impl!(
    store: SqliteStore,
    row: SqliteRow,
    backend: "sqlite",
    skip_locked: "",
);
