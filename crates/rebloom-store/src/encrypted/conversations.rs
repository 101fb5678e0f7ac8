//! The encryption layer for conversations: message text, session summaries
//! and the guided engine's state are sealed; ids, counts, moods, risk levels
//! and times are not.

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{ConversationStore, Message, NewSession, Session, SessionEnd, StoreResult};

impl EncryptedStore {
    /// Opens a message read from the bare store, e.g. from a restored backup.
    pub async fn open_backup_message(&self, m: Message) -> StoreResult<Message> {
        self.open_message(m).await
    }

    async fn seal_message(&self, message: &Message) -> StoreResult<Message> {
        let mut m = message.clone();
        let aad = row_aad("messages", "content", m.id, m.user_id);
        m.content = self.seal_text(m.user_id, &aad, &message.content).await?;
        Ok(m)
    }

    async fn open_message(&self, mut m: Message) -> StoreResult<Message> {
        let aad = row_aad("messages", "content", m.id, m.user_id);
        m.content = self.open_text(m.user_id, &aad, m.content).await?;
        Ok(m)
    }

    async fn open_session(&self, mut s: Session) -> StoreResult<Session> {
        if let Some(summary) = s.summary.take() {
            let aad = row_aad("conversation_sessions", "session_summary", s.id, s.user_id);
            s.summary = Some(self.open_text(s.user_id, &aad, summary).await?);
        }
        let aad = row_aad("conversation_sessions", "engine_state", s.id, s.user_id);
        s.engine_state = self
            .open_json(s.user_id, &aad, std::mem::take(&mut s.engine_state))
            .await?;
        Ok(s)
    }
}

#[async_trait]
impl ConversationStore for EncryptedStore {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session> {
        let s = self.inner.create_session(session).await?;
        self.open_session(s).await
    }

    async fn find_session(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Session>> {
        match self.inner.find_session(user_id, id).await? {
            Some(s) => Ok(Some(self.open_session(s).await?)),
            None => Ok(None),
        }
    }

    async fn list_sessions(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Session>> {
        let mut out = Vec::new();
        for s in self.inner.list_sessions(user_id, before, limit).await? {
            out.push(self.open_session(s).await?);
        }
        Ok(out)
    }

    async fn end_session(
        &self,
        user_id: Uuid,
        id: Uuid,
        end: &SessionEnd,
    ) -> StoreResult<Option<Session>> {
        let mut end = end.clone();
        if let Some(summary) = &end.summary {
            let aad = row_aad("conversation_sessions", "session_summary", id, user_id);
            end.summary = Some(self.seal_text(user_id, &aad, summary).await?);
        }
        match self.inner.end_session(user_id, id, &end).await? {
            Some(s) => Ok(Some(self.open_session(s).await?)),
            None => Ok(None),
        }
    }

    async fn set_engine_state(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        state: &Value,
    ) -> StoreResult<()> {
        let aad = row_aad("conversation_sessions", "engine_state", session_id, user_id);
        let sealed = self.seal_json(user_id, &aad, state).await?;
        self.inner
            .set_engine_state(user_id, session_id, &sealed)
            .await
    }

    async fn insert_message(&self, message: &Message) -> StoreResult<()> {
        let m = self.seal_message(message).await?;
        self.inner.insert_message(&m).await
    }

    async fn insert_messages(&self, messages: &[Message]) -> StoreResult<()> {
        let mut sealed = Vec::with_capacity(messages.len());
        for m in messages {
            sealed.push(self.seal_message(m).await?);
        }
        self.inner.insert_messages(&sealed).await
    }

    async fn list_messages(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let mut out = Vec::new();
        for m in self
            .inner
            .list_messages(user_id, session_id, before, limit)
            .await?
        {
            out.push(self.open_message(m).await?);
        }
        Ok(out)
    }

    async fn messages_by_id(&self, user_id: Uuid, ids: &[Uuid]) -> StoreResult<Vec<Message>> {
        let stored = self.inner.messages_by_id(user_id, ids).await?;
        let mut out = Vec::with_capacity(stored.len());
        for m in stored {
            out.push(self.open_message(m).await?);
        }
        Ok(out)
    }
}
