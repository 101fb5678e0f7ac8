//! Conversations: sessions and their messages, behind [`ConversationStore`].

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// One conversation session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_type: String,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub duration_minutes: Option<i32>,
    pub message_count: i32,
    pub mood_before: Option<i32>,
    pub mood_after: Option<i32>,
    pub summary: Option<String>,
    /// The guided engine's state for this session.
    pub engine_state: Value,
    pub last_message_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_type: String,
    pub mood_before: Option<i32>,
    pub now: OffsetDateTime,
}

/// How a session ended.
#[derive(Debug, Clone)]
pub struct SessionEnd {
    pub ended_at: OffsetDateTime,
    pub duration_minutes: i32,
    pub mood_after: Option<i32>,
    pub summary: Option<String>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    User,
    Ai,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::User => "user",
            Sender::Ai => "ai",
        }
    }

    pub fn parse(s: &str) -> Option<Sender> {
        match s {
            "user" => Some(Sender::User),
            "ai" => Some(Sender::Ai),
            _ => None,
        }
    }
}

/// One message with its analysis, as in the architecture's `messages` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub sender: Sender,
    pub content: String,
    /// `text`, `voice` or `image`.
    pub message_type: String,
    /// In [-1, 1].
    pub sentiment_score: Option<f64>,
    pub emotional_tags: Value,
    /// `none`, `low`, `moderate`, `high` or `critical`.
    pub risk_level: String,
    /// In [0, 1].
    pub ai_confidence_score: Option<f64>,
    /// Provider, model, safety categories, exercise; never message text.
    pub metadata: Value,
    pub created_at: OffsetDateTime,
}

impl Message {
    /// A text message of the companion in `session_id`, with no analysis of its own.
    pub fn companion(
        session_id: Uuid,
        user_id: Uuid,
        content: String,
        risk_level: &str,
        metadata: Value,
        created_at: OffsetDateTime,
    ) -> Message {
        Message {
            id: Uuid::now_v7(),
            session_id,
            user_id,
            sender: Sender::Ai,
            content,
            message_type: "text".to_owned(),
            sentiment_score: None,
            emotional_tags: Value::Array(Vec::new()),
            risk_level: risk_level.to_owned(),
            ai_confidence_score: None,
            metadata,
            created_at,
        }
    }
}

/// Conversations: sessions and messages.
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
    /// The person's messages with these ids (at most 100), in no particular order.
    async fn messages_by_id(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Message>>;
}
