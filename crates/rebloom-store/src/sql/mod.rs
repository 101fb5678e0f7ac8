//! The store implementation shared by both backends. The SQL is written once,
//! in the dialect both SQLite and PostgreSQL accept (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`), and stamped out for each backend's pool and row types, so the
//! two backends cannot drift apart. Backend-specific code (connecting, pool
//! options, migrations) stays in `sqlite.rs` and `postgres.rs`.
//!
//! One file per aggregate, each a macro that implements that aggregate's trait
//! in a module of its own; `store_impl!` stamps them all, and the union
//! [`crate::Store`], for one backend, except `keys.rs`, which `keydb.rs`
//! stamps for the key store (kept apart from the data).

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod conversations;
pub(crate) mod exports;
pub(crate) mod goals;
pub(crate) mod grants;
pub(crate) mod idempotency;
pub(crate) mod inbox;
pub(crate) mod insights;
pub(crate) mod jobs;
pub(crate) mod keys;
pub(crate) mod memory;
pub(crate) mod moods;
pub(crate) mod questionnaires;
pub(crate) mod reminders;
pub(crate) mod safety;
pub(crate) mod users;
pub(crate) mod vectors;

/// Implements [`crate::Store`] and every aggregate's trait for `store`, which
/// must have `pool` (primary) and `read` (read-only queries) fields of the
/// backend's pool type; `row` is its row type, `backend` what
/// [`crate::Store::backend`] answers, and `skip_locked` what the job queue's
/// claim appends to its inner select (see `jobs.rs`).
macro_rules! store_impl {
    (
        store: $store:ident,
        row: $row:ident,
        backend: $name:literal,
        skip_locked: $skip_locked:literal $(,)?
    ) => {
        mod store {
            use async_trait::async_trait;
            use uuid::Uuid;

            use super::$store;
            use crate::{Store, StoreResult};

            #[async_trait]
            impl Store for $store {
                fn backend(&self) -> &'static str {
                    $name
                }

                #[tracing::instrument(skip_all)]
                async fn ping(&self) -> StoreResult<()> {
                    sqlx::query("SELECT 1").execute(&self.pool).await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all, fields(user_id = %id))]
                async fn delete_user(&self, id: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM users WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }

        crate::sql::users::users_impl!($store, $row);
        crate::sql::auth::auth_impl!($store, $row);
        crate::sql::conversations::conversations_impl!($store, $row);
        crate::sql::idempotency::idempotency_impl!($store, $row);
        crate::sql::safety::safety_impl!($store, $row);
        crate::sql::memory::memory_impl!($store, $row);
        crate::sql::vectors::vectors_impl!($store, $row);
        crate::sql::moods::moods_impl!($store, $row);
        crate::sql::goals::goals_impl!($store, $row);
        crate::sql::insights::insights_impl!($store, $row);
        crate::sql::questionnaires::questionnaires_impl!($store, $row);
        crate::sql::inbox::inbox_impl!($store, $row);
        crate::sql::reminders::reminders_impl!($store, $row);
        crate::sql::jobs::jobs_impl!($store, $row, $skip_locked);
        crate::sql::audit::audit_impl!($store, $row);
        crate::sql::exports::exports_impl!($store, $row);
        crate::sql::grants::grants_impl!($store, $row);
    };
}

pub(crate) use store_impl;
