//! The key store: people's wrapped data keys, kept apart from the data they
//! protect (its own SQLite file, or its own PostgreSQL schema or database), so
//! that a person's key can be destroyed while backups of the data remain, and
//! those backups then hold nothing of theirs that can be read.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::{KeyStore, StoreError, StoreResult};

mod sqlite_keys {
    use sqlx::SqlitePool;
    use sqlx::sqlite::SqliteRow;

    pub struct SqliteKeys {
        pub(crate) pool: SqlitePool,
    }

    crate::sql::keys::keys_impl!(SqliteKeys, SqliteRow);
}

mod postgres_keys {
    use sqlx::PgPool;
    use sqlx::postgres::PgRow;

    pub struct PostgresKeys {
        pub(crate) pool: PgPool,
    }

    crate::sql::keys::keys_impl!(PostgresKeys, PgRow);
}

use postgres_keys::PostgresKeys;
use sqlite_keys::SqliteKeys;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/keys-sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/keys-postgres");

/// Opens the key store the URL names (`sqlite://…` or `postgres://…`, with an
/// optional schema for PostgreSQL) and runs its migrations.
pub async fn connect(url: &str, schema: Option<&str>) -> StoreResult<Arc<dyn KeyStore>> {
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Arc::new(SqliteKeys { pool }))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut options = sqlx::postgres::PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        if let Some(s) = schema {
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Backend("schema names are [A-Za-z0-9_]".into()));
            }
            let admin = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {s}"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
            options = options.options([("search_path", s)]);
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        POSTGRES_MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(Arc::new(PostgresKeys { pool }))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
