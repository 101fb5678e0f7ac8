//! A person's conversations read back: a page at a time, newest first (as
//! clients list them), or whole, oldest first (exports, clinicians' views).

use rebloom_store::{ConversationStore, Message, Session, StoreResult};
use uuid::Uuid;

use crate::conversation::Conversations;
use crate::{CoreError, CoreResult};

const PAGE: u32 = 200;

/// Every session of the person, oldest first.
pub async fn all_sessions(
    store: &dyn ConversationStore,
    user_id: Uuid,
) -> StoreResult<Vec<Session>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store.list_sessions(user_id, before, PAGE).await?;
        let done = page.len() < PAGE as usize;
        before = page.last().map(|s| s.id);
        out.extend(page);
        if done {
            out.reverse();
            return Ok(out);
        }
    }
}

/// Every message of the person (or of one of their sessions), oldest first.
pub async fn all_messages(
    store: &dyn ConversationStore,
    user_id: Uuid,
    session_id: Option<Uuid>,
) -> StoreResult<Vec<Message>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_messages(user_id, session_id, before, PAGE)
            .await?;
        let done = page.len() < PAGE as usize;
        before = page.last().map(|m| m.id);
        out.extend(page);
        if done {
            out.reverse();
            return Ok(out);
        }
    }
}

impl Conversations {
    /// One of the person's sessions, open or ended (404 for anyone else's).
    pub async fn session(&self, user_id: Uuid, id: Uuid) -> CoreResult<Session> {
        self.sessions
            .find_session(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The person's sessions, newest first: up to `limit` before the session `before`.
    pub async fn sessions(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> CoreResult<Vec<Session>> {
        Ok(self.sessions.list_sessions(user_id, before, limit).await?)
    }

    /// The person's messages (or one session's), newest first: up to `limit`
    /// before the message `before`.
    pub async fn messages(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
        before: Option<Uuid>,
        limit: u32,
    ) -> CoreResult<Vec<Message>> {
        Ok(self
            .sessions
            .list_messages(user_id, session_id, before, limit)
            .await?)
    }

    /// Every session of the person, oldest first.
    pub async fn all_sessions(&self, user_id: Uuid) -> CoreResult<Vec<Session>> {
        Ok(all_sessions(self.sessions.as_ref(), user_id).await?)
    }

    /// Every message of the person (or of one of their sessions), oldest first.
    pub async fn all_messages(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
    ) -> CoreResult<Vec<Message>> {
        Ok(all_messages(self.sessions.as_ref(), user_id, session_id).await?)
    }
}
