//! The errors a store call can return, and how driver errors map onto them.

/// Errors a store call can return. Constraint violations are named, so the HTTP
/// layer can map them to client errors in one place.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique or foreign-key constraint was violated; the payload names what clashed.
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// The database is unreachable, restarting, busy or timed out: retryable, 503 to clients.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the database's quota) is full: nothing was written; retryable
    /// once space is freed, 503 to clients with its own code.
    #[error("store full: {0}")]
    Full(String),
    /// Anything else from the driver. Never shown to clients.
    #[error("store error: {0}")]
    Backend(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("unsupported database url (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    let what = db.constraint().unwrap_or_default();
                    let msg = db.message();
                    if what.contains("email") || msg.contains("users.email") {
                        return StoreError::Conflict("email");
                    }
                    return StoreError::Conflict("unique");
                }
                if db.is_foreign_key_violation() {
                    return StoreError::Conflict("reference");
                }
                if db.is_check_violation() {
                    return StoreError::Conflict("check");
                }
                match transient(db.as_ref()) {
                    Some(Transient::Full) => StoreError::Full(e.to_string()),
                    Some(Transient::Unavailable) => StoreError::Unavailable(e.to_string()),
                    None => StoreError::Backend(e.to_string()),
                }
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// Database errors that say "not now" rather than "never": the disk is full,
/// or the server is shutting down, restarting, recovering or out of connections.
enum Transient {
    Full,
    Unavailable,
}

fn transient(db: &dyn sqlx::error::DatabaseError) -> Option<Transient> {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let state = pg.code();
        return match state {
            // disk_full, out_of_memory's sibling insufficient_resources.
            "53100" => Some(Transient::Full),
            // too_many_connections, admin/crash shutdown, cannot_connect_now,
            // and every connection_exception (class 08).
            "53300" | "57P01" | "57P02" | "57P03" => Some(Transient::Unavailable),
            s if s.starts_with("08") => Some(Transient::Unavailable),
            _ => None,
        };
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Extended result codes keep the primary code in their low byte.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        return match primary {
            // SQLITE_FULL
            Some(13) => Some(Transient::Full),
            // SQLITE_BUSY, SQLITE_LOCKED (after the busy timeout)
            Some(5 | 6) => Some(Transient::Unavailable),
            _ => None,
        };
    }
    None
}
