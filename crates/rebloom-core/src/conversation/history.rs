//! A person's whole history, read page by page, oldest first (exports,
//! clinicians' views).

use rebloom_store::{ConversationStore, Message, Session, StoreResult};
use uuid::Uuid;

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
