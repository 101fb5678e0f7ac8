//! Rebloom's storage: the [`Store`] trait, its data types, and one implementation
//! per backend (SQLite for the embedded default, PostgreSQL when scaled out).
//! SQL lives only in this crate; each backend keeps its own migrations.
//!
//! [`Store`] is the union of one trait per aggregate (users and profiles, auth
//! tokens and the login throttle, conversations, idempotency, safety, memory,
//! vectors, moods, goals, insights, questionnaires, inbox, reminders, jobs,
//! audit, exports, grants; and keys, which live in a store of their own). Each
//! aggregate has one file in `model/` (its types and trait), in `sql/` (its SQL,
//! stamped for both backends) and in `encrypted/` (what the encryption layer
//! seals and what it forwards).

pub mod crypto;
mod encrypted;
mod error;
pub mod keydb;
mod model;
mod postgres;
mod sql;
mod sqlite;
mod ts;

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

pub use encrypted::EncryptedStore;
pub use error::{StoreError, StoreResult};
pub use model::*;
use postgres::PostgresStore;
use sqlite::SqliteStore;
pub(crate) use ts::utc;

/// The backends without the encryption layer, for what must see rows as they
/// are at rest: this crate's conformance suite, benchmarks that compare the
/// backends, and tests that read a backup. Only with the `unsealed` feature,
/// which nothing but dev-dependencies turns on: a build of Rebloom itself
/// reaches its data through [`open`] alone, so nothing can bypass sealing.
#[cfg(feature = "unsealed")]
pub mod unsealed {
    use std::sync::Arc;

    pub use crate::postgres::PostgresStore;
    pub use crate::sqlite::SqliteStore;
    use crate::{ConnectOptions, Store, StoreResult};

    /// Opens the backend the URL names and runs its migrations, unsealed.
    pub async fn connect(opts: &ConnectOptions) -> StoreResult<Arc<dyn Store>> {
        crate::connect_backend(opts).await
    }
}

/// Everything Rebloom keeps, behind one interface; the rest of the code does not
/// know which backend it has. The union of one trait per aggregate (a trait
/// object exposes all their methods); only what concerns the whole store is
/// declared here.
#[async_trait]
pub trait Store:
    UserStore
    + AuthStore
    + ConversationStore
    + IdempotencyStore
    + SafetyStore
    + MemoryStore
    + VectorStore
    + MoodStore
    + GoalStore
    + InsightStore
    + QuestionnaireStore
    + InboxStore
    + ReminderStore
    + JobStore
    + AuditStore
    + ExportStore
    + GrantStore
    + Send
    + Sync
    + 'static
{
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
    /// Cheap round trip used by readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    /// Erasure: deletes the account and, through the schema's cascades, every
    /// row that belongs to it (profile, sessions, messages, goals, moods,
    /// insights, tokens, idempotency records, crisis events, safety plan,
    /// trusted contact, jobs). False when there was no such account.
    async fn delete_user(&self, id: Uuid) -> StoreResult<bool>;
}

/// Where the data is ([`open`]).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub database_url: String,
    /// PostgreSQL only: a read replica that serves read-only queries.
    pub read_replica_url: Option<String>,
    pub max_connections: Option<u32>,
    /// PostgreSQL only: run in this schema (created when missing). Tests use it for isolation.
    pub schema: Option<String>,
}

/// Where the key store is: its own SQLite file, or its own PostgreSQL
/// schema or database ([`keydb::connect`]).
#[derive(Debug, Clone, Default)]
pub struct KeyStoreOptions {
    pub url: String,
    /// PostgreSQL only: its schema (created when missing).
    pub schema: Option<String>,
}

/// Opens the store: the backend `data` names and the key store `keys` names
/// (migrations run on both), behind the encryption layer with the master
/// keys of `ring`. Health content is sealed with each person's data key
/// before it reaches the backend, and opened on the way back.
pub async fn open(
    data: &ConnectOptions,
    keys: &KeyStoreOptions,
    ring: Arc<crypto::KeyRing>,
) -> StoreResult<Arc<EncryptedStore>> {
    let inner = connect_backend(data).await?;
    let keys = keydb::connect(&keys.url, keys.schema.as_deref()).await?;
    Ok(Arc::new(EncryptedStore::new(inner, keys, ring)))
}

/// Opens the backend the URL names and runs its migrations: unsealed, so
/// only [`open`] and, with the `unsealed` feature, tests call it.
async fn connect_backend(opts: &ConnectOptions) -> StoreResult<Arc<dyn Store>> {
    let url = opts.database_url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(opts).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(opts).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
