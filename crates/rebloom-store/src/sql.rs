//! The store implementation shared by both backends. The SQL is written once,
//! in the dialect both SQLite and PostgreSQL accept (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`), and stamped out for each backend's pool and row types, so the
//! two backends cannot drift apart. Backend-specific code (connecting, pool
//! options, migrations) stays in `sqlite.rs` and `postgres.rs`.

/// Implements [`crate::Store`] for `$store`, which must have `pool` (primary) and
/// `read` (read-only queries) fields of the backend's pool type.
pub(crate) const USER_COLUMNS: &str = "id, email, password_hash, role, token_version, created_at, \
     updated_at, last_active, subscription_tier, onboarding_completed, disabled_at";

pub(crate) const SESSION_COLUMNS: &str = "id, user_id, session_type, started_at, ended_at, \
     duration_minutes, message_count, mood_before, mood_after, session_summary, engine_state, \
     last_message_at";

pub(crate) const MESSAGE_COLUMNS: &str = "id, session_id, user_id, sender_type, content, message_type, \
     sentiment_score, emotional_tags, risk_level, ai_confidence_score, metadata, created_at";

/// Rows per statement of a batch insert of messages: 12 parameters each, so a
/// statement stays under SQLite's oldest limit of 999 parameters.
pub(crate) const MESSAGE_BATCH_ROWS: usize = 80;

pub(crate) const PROFILE_COLUMNS: &str = "user_id, display_name, age_range, timezone, language, \
     country, goals, mental_health_history, therapeutic_preferences, communication_preferences, \
     privacy_settings, onboarding, created_at, updated_at";

macro_rules! store_impl {
    ($store:ty, $row:ty, $name:literal) => {
        use async_trait::async_trait;
        use sqlx::Row;
        use sqlx::types::Json;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use crate::sql::{MESSAGE_BATCH_ROWS, MESSAGE_COLUMNS, PROFILE_COLUMNS, SESSION_COLUMNS, USER_COLUMNS};
        use crate::{
            ConversationStore, CrisisEvent, Idempotency, SafetyStore, LoginThrottle, Message, NewSession, NewUser, Profile,
            RefreshToken, Replacement, Role, Rotation, Sender, Session, SessionEnd, Store, TrustedContact, User, utc,
        };

        type Db = <$row as sqlx::Row>::Database;
        type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

        /// Binds a message's columns in `MESSAGE_COLUMNS` order (one insert and the batch share it).
        fn bind_message<'q>(query: Query<'q>, m: &'q Message) -> Query<'q> {
            query
                .bind(m.id)
                .bind(m.session_id)
                .bind(m.user_id)
                .bind(m.sender.as_str())
                .bind(&m.content)
                .bind(&m.message_type)
                .bind(m.sentiment_score)
                .bind(Json(&m.emotional_tags))
                .bind(&m.risk_level)
                .bind(m.ai_confidence_score)
                .bind(Json(&m.metadata))
                .bind(utc(m.created_at))
        }

        pub(crate) fn session_from_row(row: &$row) -> StoreResult<Session> {
            Ok(Session {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                session_type: row.try_get("session_type")?,
                started_at: row.try_get("started_at")?,
                ended_at: row.try_get("ended_at")?,
                duration_minutes: row.try_get("duration_minutes")?,
                message_count: row.try_get("message_count")?,
                mood_before: row.try_get("mood_before")?,
                mood_after: row.try_get("mood_after")?,
                summary: row.try_get("session_summary")?,
                engine_state: row.try_get::<Json<serde_json::Value>, _>("engine_state")?.0,
                last_message_at: row.try_get("last_message_at")?,
            })
        }

        pub(crate) fn message_from_row(row: &$row) -> StoreResult<Message> {
            let sender: String = row.try_get("sender_type")?;
            Ok(Message {
                id: row.try_get("id")?,
                session_id: row.try_get("session_id")?,
                user_id: row.try_get("user_id")?,
                sender: Sender::parse(&sender)
                    .ok_or_else(|| StoreError::Backend(format!("bad sender {sender}")))?,
                content: row.try_get("content")?,
                message_type: row.try_get("message_type")?,
                sentiment_score: row.try_get("sentiment_score")?,
                emotional_tags: row.try_get::<Json<serde_json::Value>, _>("emotional_tags")?.0,
                risk_level: row.try_get("risk_level")?,
                ai_confidence_score: row.try_get("ai_confidence_score")?,
                metadata: row.try_get::<Json<serde_json::Value>, _>("metadata")?.0,
                created_at: row.try_get("created_at")?,
            })
        }

        #[async_trait]
        impl SafetyStore for $store {
            #[tracing::instrument(skip_all, fields(user_id = %e.user_id))]
            async fn record_crisis_event(&self, e: &CrisisEvent) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO crisis_events (id, user_id, session_id, message_id, risk_level, categories, \
                     intervention_type, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(e.id)
                .bind(e.user_id)
                .bind(e.session_id)
                .bind(e.message_id)
                .bind(&e.risk_level)
                .bind(Json(&e.categories))
                .bind(&e.intervention_type)
                .bind(utc(e.created_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>> {
                let rows = sqlx::query(
                    "SELECT id, user_id, session_id, message_id, risk_level, categories, intervention_type, created_at \
                     FROM crisis_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(user_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(CrisisEvent {
                            id: r.try_get("id")?,
                            user_id: r.try_get("user_id")?,
                            session_id: r.try_get("session_id")?,
                            message_id: r.try_get("message_id")?,
                            risk_level: r.try_get("risk_level")?,
                            categories: r.try_get::<Json<serde_json::Value>, _>("categories")?.0,
                            intervention_type: r.try_get("intervention_type")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn get_safety_plan(&self, user_id: Uuid) -> StoreResult<Option<(serde_json::Value, OffsetDateTime)>> {
                let row = sqlx::query("SELECT plan, updated_at FROM safety_plans WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok((r.try_get::<Json<serde_json::Value>, _>("plan")?.0, r.try_get("updated_at")?)))
                    .transpose()
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn save_safety_plan(&self, user_id: Uuid, plan: &serde_json::Value, now: OffsetDateTime) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO safety_plans (user_id, plan, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id) DO UPDATE SET plan = $2, updated_at = $3",
                )
                .bind(user_id)
                .bind(Json(plan))
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>> {
                let row = sqlx::query(
                    "SELECT user_id, name, email, consented_at, updated_at, last_notified_at \
                     FROM trusted_contacts WHERE user_id = $1",
                )
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(TrustedContact {
                        user_id: r.try_get("user_id")?,
                        name: r.try_get("name")?,
                        email: r.try_get("email")?,
                        consented_at: r.try_get("consented_at")?,
                        updated_at: r.try_get("updated_at")?,
                        last_notified_at: r.try_get("last_notified_at")?,
                    })
                })
                .transpose()
            }

            #[tracing::instrument(skip_all, fields(user_id = %c.user_id))]
            async fn save_trusted_contact(&self, c: &TrustedContact) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO trusted_contacts (user_id, name, email, consented_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE \
                     SET name = $2, email = $3, consented_at = $4, updated_at = $5",
                )
                .bind(c.user_id)
                .bind(&c.name)
                .bind(&c.email)
                .bind(utc(c.consented_at))
                .bind(utc(c.updated_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM trusted_contacts WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn mark_contact_notified(&self, user_id: Uuid, now: OffsetDateTime, not_since: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE trusted_contacts SET last_notified_at = $2 \
                     WHERE user_id = $1 AND (last_notified_at IS NULL OR last_notified_at <= $3)",
                )
                .bind(user_id)
                .bind(utc(now))
                .bind(utc(not_since))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl ConversationStore for $store {
            #[tracing::instrument(skip_all, fields(user_id = %s.user_id))]
            async fn create_session(&self, s: &NewSession) -> StoreResult<Session> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO conversation_sessions (id, user_id, session_type, started_at, mood_before, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $4) RETURNING {SESSION_COLUMNS}"
                )))
                .bind(s.id)
                .bind(s.user_id)
                .bind(&s.session_type)
                .bind(utc(s.now))
                .bind(s.mood_before)
                .fetch_one(&self.pool)
                .await?;
                session_from_row(&row)
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn find_session(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Session>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {SESSION_COLUMNS} FROM conversation_sessions WHERE id = $1 AND user_id = $2"
                )))
                .bind(id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(session_from_row).transpose()
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn list_sessions(&self, user_id: Uuid, before: Option<Uuid>, limit: u32) -> StoreResult<Vec<Session>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {SESSION_COLUMNS} FROM conversation_sessions \
                     WHERE user_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
                )))
                .bind(user_id)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(session_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn end_session(&self, user_id: Uuid, id: Uuid, end: &SessionEnd) -> StoreResult<Option<Session>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE conversation_sessions SET ended_at = $3, duration_minutes = $4, mood_after = $5, \
                     session_summary = $6 WHERE id = $1 AND user_id = $2 AND ended_at IS NULL \
                     RETURNING {SESSION_COLUMNS}"
                )))
                .bind(id)
                .bind(user_id)
                .bind(utc(end.ended_at))
                .bind(end.duration_minutes)
                .bind(end.mood_after)
                .bind(&end.summary)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(session_from_row).transpose()
            }

            #[tracing::instrument(skip_all, fields(session_id = %session_id))]
            async fn set_engine_state(&self, user_id: Uuid, session_id: Uuid, state: &serde_json::Value) -> StoreResult<()> {
                sqlx::query("UPDATE conversation_sessions SET engine_state = $2 WHERE id = $1 AND user_id = $3")
                    .bind(session_id)
                    .bind(Json(state))
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(session_id = %m.session_id))]
            async fn insert_message(&self, m: &Message) -> StoreResult<()> {
                let at = utc(m.created_at);
                let mut tx = self.pool.begin().await?;
                bind_message(
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ))),
                    m,
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE conversation_sessions SET message_count = message_count + 1, last_message_at = $2 \
                     WHERE id = $1",
                )
                .bind(m.session_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(count = messages.len()))]
            async fn insert_messages(&self, messages: &[Message]) -> StoreResult<()> {
                if messages.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                for chunk in messages.chunks(MESSAGE_BATCH_ROWS) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|r| {
                            let p: Vec<String> = (1..=12).map(|c| format!("${}", r * 12 + c)).collect();
                            format!("({})", p.join(", "))
                        })
                        .collect();
                    // Chunks vary in size: not worth a cached prepared statement each.
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES {}",
                        rows.join(", ")
                    )))
                    .persistent(false);
                    for m in chunk {
                        query = bind_message(query, m);
                    }
                    query.execute(&mut *tx).await?;
                }
                let mut sessions: std::collections::BTreeMap<Uuid, (i32, OffsetDateTime)> =
                    std::collections::BTreeMap::new();
                for m in messages {
                    let e = sessions.entry(m.session_id).or_insert((0, m.created_at));
                    e.0 += 1;
                    e.1 = e.1.max(m.created_at);
                }
                for (id, (count, last)) in sessions {
                    sqlx::query(
                        "UPDATE conversation_sessions SET message_count = message_count + $2, \
                         last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at < $3 \
                         THEN $3 ELSE last_message_at END WHERE id = $1",
                    )
                    .bind(id)
                    .bind(count)
                    .bind(utc(last))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn list_messages(
                &self,
                user_id: Uuid,
                session_id: Option<Uuid>,
                before: Option<Uuid>,
                limit: u32,
            ) -> StoreResult<Vec<Message>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE user_id = $1 \
                     AND ($2 IS NULL OR session_id = $2) AND ($3 IS NULL OR id < $3) \
                     ORDER BY id DESC LIMIT $4"
                )))
                .bind(user_id)
                .bind(session_id)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(message_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn begin_idempotent(
                &self,
                user_id: Uuid,
                key: &str,
                request_hash: &[u8],
                now: OffsetDateTime,
                stale_before: OffsetDateTime,
            ) -> StoreResult<Idempotency> {
                let claimed = sqlx::query(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id, key) DO NOTHING",
                )
                .bind(user_id)
                .bind(key)
                .bind(request_hash)
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                if claimed.rows_affected() == 1 {
                    return Ok(Idempotency::Started);
                }
                let row = sqlx::query("SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2")
                    .bind(user_id)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else {
                    // Released between our insert and select: try once more.
                    return Ok(Idempotency::InProgress);
                };
                let hash: Vec<u8> = row.try_get("request_hash")?;
                if hash != request_hash {
                    return Ok(Idempotency::Mismatch);
                }
                if let Some(Json(response)) = row.try_get::<Option<Json<serde_json::Value>>, _>("response")? {
                    return Ok(Idempotency::Replay(response));
                }
                let taken = sqlx::query(
                    "UPDATE idempotency_keys SET created_at = $3 \
                     WHERE user_id = $1 AND key = $2 AND response IS NULL AND created_at < $4",
                )
                .bind(user_id)
                .bind(key)
                .bind(utc(now))
                .bind(utc(stale_before))
                .execute(&self.pool)
                .await?;
                Ok(if taken.rows_affected() == 1 {
                    Idempotency::Started
                } else {
                    Idempotency::InProgress
                })
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn finish_idempotent(&self, user_id: Uuid, key: &str, response: &serde_json::Value) -> StoreResult<()> {
                sqlx::query("UPDATE idempotency_keys SET response = $3 WHERE user_id = $1 AND key = $2")
                    .bind(user_id)
                    .bind(key)
                    .bind(Json(response))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(utc(before))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response IS NULL")
                    .bind(user_id)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }

        pub(crate) fn user_from_row(row: &$row) -> StoreResult<User> {
            let role: String = row.try_get("role")?;
            Ok(User {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                role: Role::parse(&role).ok_or_else(|| StoreError::Backend(format!("bad role {role}")))?,
                token_version: row.try_get("token_version")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                last_active: row.try_get("last_active")?,
                subscription_tier: row.try_get("subscription_tier")?,
                onboarding_completed: row.try_get("onboarding_completed")?,
                disabled_at: row.try_get("disabled_at")?,
            })
        }

        pub(crate) fn profile_from_row(row: &$row) -> StoreResult<Profile> {
            let history: Option<Json<serde_json::Value>> = row.try_get("mental_health_history")?;
            Ok(Profile {
                user_id: row.try_get("user_id")?,
                display_name: row.try_get("display_name")?,
                age_range: row.try_get("age_range")?,
                timezone: row.try_get("timezone")?,
                language: row.try_get("language")?,
                country: row.try_get("country")?,
                goals: row.try_get::<Json<serde_json::Value>, _>("goals")?.0,
                mental_health_history: history.map(|j| j.0),
                therapeutic_preferences: row.try_get::<Json<serde_json::Value>, _>("therapeutic_preferences")?.0,
                communication_preferences: row
                    .try_get::<Json<serde_json::Value>, _>("communication_preferences")?
                    .0,
                privacy_settings: row.try_get::<Json<serde_json::Value>, _>("privacy_settings")?.0,
                onboarding: row.try_get::<Json<serde_json::Value>, _>("onboarding")?.0,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

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

            #[tracing::instrument(skip_all, fields(user_id = %user.id))]
            async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
                let now = utc(user.now);
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO users (id, email, password_hash, role, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING {USER_COLUMNS}"
                )))
                .bind(user.id)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO user_profiles (user_id, created_at, updated_at) VALUES ($1, $2, $2)")
                    .bind(user.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                user_from_row(&row)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL"
                )))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) \
                     ORDER BY id LIMIT $2"
                )))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
                rows.iter().map(user_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL")
                    .bind(id)
                    .bind(role.as_str())
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_user_disabled(
                &self,
                id: Uuid,
                disabled_at: Option<OffsetDateTime>,
                now: OffsetDateTime,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(disabled_at.map(utc))
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn set_onboarding_completed(
                &self,
                id: Uuid,
                completed: bool,
                now: OffsetDateTime,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET onboarding_completed = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .bind(completed)
                .bind(utc(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE users SET last_active = $2 WHERE id = $1")
                    .bind(id)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE last_active >= $1 AND deleted_at IS NULL")
                    .bind(utc(since))
                    .fetch_one(&self.read)
                    .await?;
                Ok(n)
            }

            #[tracing::instrument(skip_all, fields(user_id = %id))]
            async fn delete_user(&self, id: Uuid) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROFILE_COLUMNS} FROM user_profiles WHERE user_id = $1")))
                    .bind(user_id)
                    .fetch_optional(&self.read)
                    .await?;
                row.as_ref().map(profile_from_row).transpose()
            }

            #[tracing::instrument(skip_all, fields(user_id = %profile.user_id))]
            async fn save_profile(&self, profile: &Profile) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE user_profiles SET display_name = $2, age_range = $3, timezone = $4, language = $5, \
                     country = $6, goals = $7, mental_health_history = $8, therapeutic_preferences = $9, \
                     communication_preferences = $10, privacy_settings = $11, onboarding = $12, updated_at = $13 \
                     WHERE user_id = $1",
                )
                .bind(profile.user_id)
                .bind(&profile.display_name)
                .bind(&profile.age_range)
                .bind(&profile.timezone)
                .bind(&profile.language)
                .bind(&profile.country)
                .bind(Json(&profile.goals))
                .bind(profile.mental_health_history.as_ref().map(Json))
                .bind(Json(&profile.therapeutic_preferences))
                .bind(Json(&profile.communication_preferences))
                .bind(Json(&profile.privacy_settings))
                .bind(Json(&profile.onboarding))
                .bind(utc(profile.updated_at))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            #[tracing::instrument(skip_all, fields(user_id = %token.user_id))]
            async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token.id)
                .bind(token.family_id)
                .bind(token.user_id)
                .bind(&token.token_hash)
                .bind(utc(token.issued_at))
                .bind(utc(token.expires_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn rotate_refresh_token(
                &self,
                presented_hash: &[u8],
                replacement: &Replacement,
                now: OffsetDateTime,
            ) -> StoreResult<Rotation> {
                let now = utc(now);
                let mut tx = self.pool.begin().await?;
                let current = sqlx::query(
                    "UPDATE refresh_tokens SET used_at = $2 \
                     WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
                     RETURNING user_id, family_id",
                )
                .bind(presented_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = current {
                    let user_id: Uuid = row.try_get("user_id")?;
                    let family_id: Uuid = row.try_get("family_id")?;
                    sqlx::query(
                        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(replacement.id)
                    .bind(family_id)
                    .bind(user_id)
                    .bind(&replacement.token_hash)
                    .bind(now)
                    .bind(utc(replacement.expires_at))
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(Rotation::Rotated { user_id, family_id });
                }
                let used = sqlx::query("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL")
                    .bind(presented_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = used else {
                    tx.rollback().await?;
                    return Ok(Rotation::Invalid);
                };
                let user_id: Uuid = row.try_get("user_id")?;
                let family_id: Uuid = row.try_get("family_id")?;
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                    .bind(family_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Rotation::Reused { user_id, family_id })
            }

            #[tracing::instrument(skip_all)]
            async fn refresh_token_family(&self, presented_hash: &[u8]) -> StoreResult<Option<(Uuid, Uuid)>> {
                let row = sqlx::query("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1")
                    .bind(presented_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok((r.try_get("user_id")?, r.try_get("family_id")?))).transpose()
            }

            #[tracing::instrument(skip_all, fields(family_id = %family_id))]
            async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                    .bind(family_id)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user_id = %user_id))]
            async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                let now = utc(now);
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE users SET token_version = token_version + 1, updated_at = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(family_id = %family_id))]
            async fn refresh_family_active(&self, user_id: Uuid, family_id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
                let row = sqlx::query(
                    "SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 LIMIT 1",
                )
                .bind(family_id)
                .bind(user_id)
                .bind(utc(now))
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.is_some())
            }

            #[tracing::instrument(skip_all)]
            async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>> {
                let row = sqlx::query("SELECT failures, last_failure_at, locked_until FROM login_attempts WHERE key_hash = $1")
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(LoginThrottle {
                        failures: r.try_get("failures")?,
                        last_failure_at: r.try_get("last_failure_at")?,
                        locked_until: r.try_get("locked_until")?,
                    })
                })
                .transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64> {
                let n: i64 = sqlx::query_scalar(
                    "INSERT INTO login_attempts (key_hash, failures, last_failure_at) VALUES ($1, 1, $2) \
                     ON CONFLICT (key_hash) DO UPDATE SET failures = login_attempts.failures + 1, last_failure_at = $2 \
                     RETURNING failures",
                )
                .bind(key_hash)
                .bind(utc(now))
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            #[tracing::instrument(skip_all)]
            async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()> {
                sqlx::query("UPDATE login_attempts SET locked_until = $2 WHERE key_hash = $1")
                    .bind(key_hash)
                    .bind(utc(until))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM login_attempts WHERE key_hash = $1")
                    .bind(key_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use store_impl;
