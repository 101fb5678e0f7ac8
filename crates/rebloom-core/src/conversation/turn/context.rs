//! Stage 1: what the turn reads before anything else. The profile and the
//! session's last messages; a retry finds what its first attempt stored.
//! A store error here is logged and the turn goes on without the context:
//! the crisis assessment then runs on the message alone.

use rebloom_store::{Message, Profile, Sender};
use serde_json::Value;

use rebloom_safety::Safety;

use super::Incoming;
use crate::conversation::Conversations;
use crate::{CoreError, CoreResult};

/// Turns of the session given to the model as context.
pub const CONTEXT_MESSAGES: u32 = 20;

/// What the turn knows before the message is assessed.
pub struct Context {
    /// The person's profile; after the assessment its `language` is the
    /// language this turn is answered in.
    pub profile: Profile,
    /// The session so far, oldest first, without this message.
    pub recent: Vec<Message>,
    /// This message, stored by an earlier attempt of the same request.
    pub earlier_message: Option<Message>,
    /// The reply to it, stored by an earlier attempt of the same request.
    pub earlier_reply: Option<Message>,
}

impl Context {
    /// The companion's replies, newest first.
    pub fn replies_newest_first(&self) -> impl Iterator<Item = &Message> {
        self.recent.iter().rev().filter(|m| m.sender == Sender::Ai)
    }
}

/// Reads the context of `incoming`. Only a person without a profile (an
/// account erased meanwhile) stops the turn.
pub async fn read(conv: &Conversations, incoming: &Incoming) -> CoreResult<Context> {
    let user_id = incoming.user.id;
    let profile = match conv.users.get_profile(user_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(CoreError::NotFound),
        Err(e) => {
            tracing::error!(error = %e, "reading the profile failed; answering without it");
            Profile::empty(user_id, conv.clock.now())
        }
    };
    let mut recent = match conv
        .sessions
        .list_messages(user_id, Some(incoming.session.id), None, CONTEXT_MESSAGES)
        .await
    {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "reading the conversation failed; answering without it");
            Vec::new()
        }
    };
    recent.reverse();
    let key = incoming.turn_key.as_deref();
    let earlier_message = earlier_attempt(&recent, key, Sender::User);
    let earlier_reply = earlier_attempt(&recent, key, Sender::Ai);
    if let Some(m) = &earlier_message {
        // The context is what came before this message, as on the first attempt.
        recent.retain(|r| r.created_at < m.created_at);
    }
    Ok(Context {
        profile,
        recent,
        earlier_message,
        earlier_reply,
    })
}

/// A message of the session stored by an earlier attempt of the same request.
fn earlier_attempt(recent: &[Message], key: Option<&str>, sender: Sender) -> Option<Message> {
    let key = key?;
    recent
        .iter()
        .rev()
        .find(|m| {
            m.sender == sender && m.metadata.get("turnKey").and_then(Value::as_str) == Some(key)
        })
        .cloned()
}

/// The language to answer in (`rebloom_safety::language`): `text`'s when it
/// is clear, else that of the person's last three messages in `newest_first`,
/// else `profile`'s.
pub fn reply_language<'a>(
    safety: &Safety,
    profile: &str,
    text: &str,
    newest_first: impl Iterator<Item = &'a Message>,
) -> String {
    let earlier: Vec<&str> = newest_first
        .filter(|m| m.sender == Sender::User)
        .take(3)
        .map(|m| m.content.as_str())
        .collect();
    safety.language.reply_language(profile, text, &earlier)
}
