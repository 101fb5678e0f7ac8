//! Sessions' and messages' SQL, shared by both backends (see `mod.rs`).

macro_rules! conversations_impl {
    ($store:ident, $row:ident) => {
        mod conversations {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{ConversationStore, Message, NewSession, Sender, Session, SessionEnd, StoreError, StoreResult, utc};

            const SESSION_COLUMNS: &str = "id, user_id, session_type, started_at, ended_at, \
                 duration_minutes, message_count, mood_before, mood_after, session_summary, engine_state, \
                 last_message_at";

            const MESSAGE_COLUMNS: &str = "id, session_id, user_id, sender_type, content, message_type, \
                 sentiment_score, emotional_tags, risk_level, ai_confidence_score, metadata, created_at";

            /// Rows per statement of a batch insert of messages: 12 parameters each, so a
            /// statement stays under SQLite's oldest limit of 999 parameters.
            const MESSAGE_BATCH_ROWS: usize = 80;

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

            fn session_from_row(row: &$row) -> StoreResult<Session> {
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

            fn message_from_row(row: &$row) -> StoreResult<Message> {
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

                async fn messages_by_id(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Message>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let ids = &ids[..ids.len().min(100)];
                    let params: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
                    let sql = format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE user_id = $1 AND id IN ({})",
                        params.join(", ")
                    );
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_id);
                    for id in ids {
                        query = query.bind(*id);
                    }
                    let rows = query.fetch_all(&self.read).await?;
                    rows.iter().map(message_from_row).collect()
                }
            }
        }
    };
}

pub(crate) use conversations_impl;
