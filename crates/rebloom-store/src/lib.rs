//! Rebloom's storage: the [`Store`] trait, its data types, and one implementation
//! per backend (SQLite for the embedded default, PostgreSQL when scaled out).
//! SQL lives only in this crate; each backend keeps its own migrations.

pub mod crypto;
mod encrypted;
pub mod keydb;
mod model;
mod postgres;
mod sql;
mod sql_audit;
mod sql_exports;
mod sql_grants;
mod sql_jobs;
mod sql_keys;
mod sql_memory;
mod sql_notifications;
mod sql_wellbeing;
mod sqlite;
mod ts;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

pub use encrypted::EncryptedStore;
pub use model::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub(crate) use ts::utc;
mod encrypted_memory;
mod encrypted_notifications;
mod encrypted_wellbeing;

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

/// What happened when a refresh token was presented for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is now used, and the replacement was stored in its family.
    Rotated { user_id: Uuid, family_id: Uuid },
    /// The token had already been rotated: someone replayed it. The whole family is now revoked.
    Reused { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired or revoked.
    Invalid,
}

/// A replacement refresh token, stored in the family of the one it replaces.
#[derive(Debug, Clone)]
pub struct Replacement {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

/// Everything Rebloom keeps, behind one interface; the rest of the code does not
/// know which backend it has.
#[async_trait]
pub trait Store:
    ConversationStore
    + SafetyStore
    + JobStore
    + AuditStore
    + ExportStore
    + GrantStore
    + MemoryStore
    + VectorStore
    + WellbeingStore
    + NotificationStore
    + Send
    + Sync
    + 'static
{
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
    /// Cheap round trip used by readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    // Users
    /// Creates the user and an empty profile in one transaction.
    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>>;
    /// `email` must already be normalised (trimmed, lower-case).
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Users ordered by id, after `after` when given.
    async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>>;
    async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool>;
    /// Disables (`Some`) or re-enables (`None`) an account.
    async fn set_user_disabled(
        &self,
        id: Uuid,
        disabled_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn set_onboarding_completed(
        &self,
        id: Uuid,
        completed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Users seen at or after `since`.
    async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64>;
    /// Erasure: deletes the account and, through the schema's cascades, every
    /// row that belongs to it (profile, sessions, messages, goals, moods,
    /// insights, tokens, idempotency records, crisis events, safety plan,
    /// trusted contact, jobs). False when there was no such account.
    async fn delete_user(&self, id: Uuid) -> StoreResult<bool>;

    // Profiles
    async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>>;
    /// Overwrites every editable field of the profile; `false` if the user has none.
    async fn save_profile(&self, profile: &Profile) -> StoreResult<bool>;

    // Refresh tokens
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    /// Atomically marks the presented token used and stores `replacement` in its
    /// family; on replay of a used token, revokes the family.
    async fn rotate_refresh_token(
        &self,
        presented_hash: &[u8],
        replacement: &Replacement,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation>;
    /// The family of the presented token, if the token is known (for logout).
    async fn refresh_token_family(
        &self,
        presented_hash: &[u8],
    ) -> StoreResult<Option<(Uuid, Uuid)>>;
    async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Revokes every family of the user and bumps their token version, which ends
    /// every access token already issued.
    async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Whether the family is `user_id`'s and still has an unrevoked, unexpired token.
    async fn refresh_family_active(
        &self,
        user_id: Uuid,
        family_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    // Login throttling
    async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>>;
    /// Counts one more failure and returns the new count.
    async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64>;
    async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()>;
    async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()>;
}

/// Conversations: sessions, messages and idempotent sends.
#[async_trait]
pub trait ConversationStore: Send + Sync + 'static {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session>;
    /// The user's session, or `None` (also when it is someone else's).
    async fn find_session(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Session>>;
    /// Newest first, before the session `before` when given.
    async fn list_sessions(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Session>>;
    /// Ends an open session of the user; `None` if there is no such open session.
    async fn end_session(
        &self,
        user_id: Uuid,
        id: Uuid,
        end: &SessionEnd,
    ) -> StoreResult<Option<Session>>;
    async fn set_engine_state(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        state: &serde_json::Value,
    ) -> StoreResult<()>;
    /// Stores the message and counts it on its session, in one transaction.
    async fn insert_message(&self, message: &Message) -> StoreResult<()>;
    /// Stores many messages (of one or more sessions: an import, a seed) and
    /// counts them on their sessions, in one transaction: all or none. Each
    /// session's last message time becomes the latest of the batch's when later.
    async fn insert_messages(&self, messages: &[Message]) -> StoreResult<()>;
    /// Newest first, before the message `before` when given; one session or all of the user's.
    async fn list_messages(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    /// Claims `key` for a request with this hash. A claim older than `stale_before`
    /// without a response (its request died) may be taken over.
    async fn begin_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StoreResult<Idempotency>;
    async fn finish_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        response: &serde_json::Value,
    ) -> StoreResult<()>;
    /// Forgets idempotency records older than `before` (they hold replies).
    async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// Releases a claim whose request failed, so that a retry can run.
    async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()>;
}

/// Safety records: crisis events and safety plans.
#[async_trait]
pub trait SafetyStore: Send + Sync + 'static {
    async fn record_crisis_event(&self, event: &CrisisEvent) -> StoreResult<()>;
    /// Newest first.
    async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>>;
    async fn get_safety_plan(
        &self,
        user_id: Uuid,
    ) -> StoreResult<Option<(serde_json::Value, OffsetDateTime)>>;
    async fn save_safety_plan(
        &self,
        user_id: Uuid,
        plan: &serde_json::Value,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>>;
    /// Creates or replaces the contact; `last_notified_at` is kept.
    async fn save_trusted_contact(&self, contact: &TrustedContact) -> StoreResult<()>;
    async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool>;
    /// Marks the contact notified at `now` unless they were already notified
    /// after `not_since`; false when there is no contact or it is too soon.
    async fn mark_contact_notified(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
        not_since: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// A durable job queue shared by every replica: claims are leases, so a job
/// whose worker died runs again once its lock runs out.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn enqueue_job(&self, job: &NewJob, now: OffsetDateTime) -> StoreResult<()>;
    /// Claims the oldest due job (pending and due, or running with an expired
    /// lock), counting the attempt; `None` when nothing is due.
    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: Uuid,
        locked_until: OffsetDateTime,
    ) -> StoreResult<Option<Job>>;
    /// Done: the job is removed. False when the lease is no longer held.
    async fn complete_job(&self, id: Uuid, lease: Uuid) -> StoreResult<bool>;
    /// Failed this time: run again at `run_at`.
    async fn retry_job(
        &self,
        id: Uuid,
        lease: Uuid,
        run_at: OffsetDateTime,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Failed for good: kept as `failed` for operators to see.
    async fn fail_job(
        &self,
        id: Uuid,
        lease: Uuid,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn job_counts(&self) -> StoreResult<Vec<JobCount>>;
    /// Jobs that failed for good, latest failure first, before `before` (by id).
    async fn failed_jobs(&self, before: Option<Uuid>, limit: i64) -> StoreResult<Vec<FailedJob>>;
    /// One job that failed for good.
    async fn find_failed_job(&self, id: Uuid) -> StoreResult<Option<FailedJob>>;
    /// Puts a failed job back in the queue, due at `now`, with fresh attempts;
    /// false when there is no such failed job.
    async fn requeue_job(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool>;
}

/// Data exports: created pending, finished by a job, downloaded once.
#[async_trait]
pub trait ExportStore: Send + Sync + 'static {
    async fn create_export(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Export>;
    async fn get_export(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Export>>;
    /// Ready with its file and size, or failed (`None`); only from pending.
    async fn finish_export(
        &self,
        id: Uuid,
        result: Option<(&str, i64)>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Marks ready exports past their time expired and returns them (their
    /// files are then deleted).
    async fn expire_exports(&self, now: OffsetDateTime) -> StoreResult<Vec<Export>>;
    /// Marks a ready, unexpired export downloaded and returns it: once only.
    async fn claim_download(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Export>>;
}

/// Clinician grants (consented, scoped, time-limited access).
#[async_trait]
pub trait GrantStore: Send + Sync + 'static {
    async fn create_grant(&self, grant: &Grant) -> StoreResult<()>;
    /// All of a person's grants, newest first.
    async fn grants_of_user(&self, user_id: Uuid) -> StoreResult<Vec<Grant>>;
    /// Grants in force to a clinician, for one person or all.
    async fn active_grants_to(
        &self,
        clinician_id: Uuid,
        user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>>;
    /// A person's grants in force (their linked clinicians).
    async fn active_grants_of(&self, user_id: Uuid, now: OffsetDateTime)
    -> StoreResult<Vec<Grant>>;
    async fn revoke_grant(&self, user_id: Uuid, id: Uuid, now: OffsetDateTime)
    -> StoreResult<bool>;
}

/// What the companion remembers, and the person's memory settings.
#[async_trait]
pub trait MemoryStore: Send + Sync + 'static {
    async fn insert_memory(&self, memory: &Memory) -> StoreResult<()>;
    /// The person's memories, most recently seen first.
    async fn list_memories(&self, user_id: Uuid) -> StoreResult<Vec<Memory>>;
    async fn find_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Memory>>;
    /// Saves kind, content, sources, count, origin and times of an existing memory.
    async fn update_memory(&self, memory: &Memory) -> StoreResult<bool>;
    /// Deletes the memory and its vector.
    async fn delete_memory(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Deletes every memory and every vector of the person; returns the memories deleted.
    async fn delete_memories(&self, user_id: Uuid) -> StoreResult<u64>;
    async fn get_memory_settings(&self, user_id: Uuid) -> StoreResult<Option<MemorySettings>>;
    async fn save_memory_settings(
        &self,
        user_id: Uuid,
        settings: &MemorySettings,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The person's messages with these ids (at most 100), in no particular order.
    async fn messages_by_id(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Message>>;
}

/// Sentence embeddings of memories and messages. Search is exact and per
/// person: a person has at most thousands of items, so scanning their own
/// vectors is faster and more accurate than an index over everyone's.
#[async_trait]
pub trait VectorStore: Send + Sync + 'static {
    /// Stores the vector of a memory or message, replacing an earlier one.
    async fn upsert_vector(&self, vector: &StoredVector) -> StoreResult<()>;
    /// Every vector of the person made with `model`.
    async fn user_vectors(&self, user_id: Uuid, model: &str) -> StoreResult<Vec<StoredVector>>;
}

/// Mood check-ins, goals with their progress history, and questionnaires.
#[async_trait]
pub trait WellbeingStore: Send + Sync + 'static {
    async fn insert_mood(&self, entry: &MoodEntry) -> StoreResult<()>;
    /// The person's entries recorded in `[from, to)`, oldest first, at most `limit`.
    async fn list_moods(
        &self,
        user_id: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<MoodEntry>>;
    async fn find_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<MoodEntry>>;
    /// Saves every field of an existing entry; false when there is none.
    async fn update_mood(&self, entry: &MoodEntry) -> StoreResult<bool>;
    async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;

    async fn insert_goal(&self, goal: &Goal) -> StoreResult<()>;
    /// The person's goals, newest first.
    async fn list_goals(&self, user_id: Uuid) -> StoreResult<Vec<Goal>>;
    async fn find_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Goal>>;
    async fn update_goal(&self, goal: &Goal) -> StoreResult<bool>;
    /// Deletes the goal and its progress history.
    async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Records a progress step and sets the goal's progress (and status and
    /// completion time, as given) in one transaction; false when the goal is gone.
    async fn record_goal_progress(&self, goal: &Goal, step: &GoalProgress) -> StoreResult<bool>;
    /// Progress history, oldest first: of one goal, or (`None`) of all the person's goals.
    async fn goal_progress(
        &self,
        user_id: Uuid,
        goal_id: Option<Uuid>,
    ) -> StoreResult<Vec<GoalProgress>>;

    /// Stores an insight unless one of its type and period exists (then false).
    async fn save_insight(&self, insight: &Insight) -> StoreResult<bool>;
    /// The person's insights, newest period first; only those of one period when given.
    async fn list_insights(
        &self,
        user_id: Uuid,
        period_start: Option<time::Date>,
        limit: i64,
    ) -> StoreResult<Vec<Insight>>;
    async fn acknowledge_insight(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Enabled people (role `user`) after `after` by id, with their time zone
    /// and latest weekly insight period, for the scheduler.
    async fn insights_due(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<InsightDue>>;

    async fn insert_questionnaire(&self, response: &QuestionnaireResponse) -> StoreResult<()>;
    /// The person's responses (of one instrument, or all), newest first.
    async fn list_questionnaires(
        &self,
        user_id: Uuid,
        instrument: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<QuestionnaireResponse>>;
}

/// The in-app inbox and check-in reminder settings.
#[async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    async fn insert_notification(&self, n: &Notification) -> StoreResult<()>;
    /// The person's notifications, newest first, before `before` (by id).
    async fn list_notifications(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Notification>>;
    async fn find_notification(&self, user_id: Uuid, id: Uuid)
    -> StoreResult<Option<Notification>>;
    async fn count_unread(&self, user_id: Uuid) -> StoreResult<i64>;
    /// Marks one (`Some(id)`) or all as read; returns how many changed.
    async fn mark_read(
        &self,
        user_id: Uuid,
        id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<u64>;
    async fn get_reminders(&self, user_id: Uuid) -> StoreResult<Option<ReminderSettings>>;
    async fn save_reminders(&self, settings: &ReminderSettings) -> StoreResult<()>;
    /// Enabled reminders due at `now`, earliest first.
    async fn due_reminders(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<ReminderSettings>>;
    /// Moves a reminder on from `due` to `next` (and records it sent at
    /// `now`), only if it is still due at `due`: of replicas racing for one
    /// reminder, exactly one gets true.
    async fn advance_reminder(
        &self,
        user_id: Uuid,
        due: OffsetDateTime,
        next: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// The append-only, hash-chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends an entry, chained to the one before (appends are serialised).
    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<AuditEntry>;
    /// Entries about one person, newest first, before `before_seq`.
    async fn list_audit(
        &self,
        subject_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// Recomputes the whole chain and compares it with the stored hashes and head.
    async fn verify_audit(&self) -> StoreResult<AuditVerdict>;
}

/// People's data keys, wrapped by a master key (see [`crypto`]), kept in a
/// key store apart from the data ([`keydb`]).
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    async fn get_user_key(&self, user_id: Uuid) -> StoreResult<Option<crypto::WrappedKey>>;
    /// Stores the key unless the person has one already; returns the one stored.
    async fn insert_user_key(
        &self,
        key: &crypto::WrappedKey,
        now: OffsetDateTime,
    ) -> StoreResult<crypto::WrappedKey>;
    /// Keys wrapped by another master key than `master_key_id` (to rotate).
    async fn keys_not_wrapped_by(
        &self,
        master_key_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<crypto::WrappedKey>>;
    /// Destroys the person's data key (erasure): their content can no longer
    /// be read anywhere, backups of the data included.
    async fn delete_user_key(&self, user_id: Uuid) -> StoreResult<bool>;
    /// Replaces a wrap, if it is still the one made by `previous_master_id`.
    async fn rewrap_user_key(
        &self,
        previous_master_id: &str,
        key: &crypto::WrappedKey,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// Options for [`connect`].
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub database_url: String,
    /// PostgreSQL only: a read replica that serves read-only queries.
    pub read_replica_url: Option<String>,
    pub max_connections: Option<u32>,
    /// PostgreSQL only: run in this schema (created when missing). Tests use it for isolation.
    pub schema: Option<String>,
}

/// Opens the backend the URL names and runs its migrations.
pub async fn connect(opts: &ConnectOptions) -> StoreResult<Arc<dyn Store>> {
    let url = opts.database_url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(opts).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(opts).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
