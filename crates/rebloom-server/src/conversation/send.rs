//! Sending a message, whatever the transport (REST, Server-Sent Events,
//! Socket.IO, voice, `rebloom eval`): the text is checked, the session must be
//! the person's and open, one reply per session runs at a time on its own task
//! (a client that goes away does not leave a message without its reply), and
//! the finished turn is delivered to the person's other devices.

use std::sync::Arc;

use rebloom_core::deliver::{self, Deliver, Update};
use rebloom_core::{CoreError, CoreResult};
use rebloom_store::{Session, User};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::app::AppState;
use crate::conversation::turn::{self, Incoming, ReplyEvent, Sink, TurnResult};

pub const MAX_MESSAGE_CHARS: usize = 4000;

/// A message from a person, as a transport received it.
pub struct Outgoing {
    pub user: User,
    pub session_id: Uuid,
    /// As sent; trimmed and checked here.
    pub text: String,
    /// `text` or `voice`.
    pub message_type: &'static str,
    /// The mark of the request's `Idempotency-Key` (see `idempotency::turn_key`).
    pub turn_key: Option<String>,
    /// The transport's name for the device the message came from: it has the
    /// turn already and is not sent it again.
    pub device: Option<String>,
}

/// The message's text, trimmed: not empty, at most [`MAX_MESSAGE_CHARS`].
pub fn validate_message(text: &str) -> CoreResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(CoreError::field("message", "empty", "Write a message."));
    }
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        return Err(CoreError::field(
            "message",
            "too_long",
            format!("Keep a message under {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    Ok(trimmed.to_owned())
}

/// The person's session, open (404 for anyone else's, 409 `session_ended`).
pub async fn open_session(state: &AppState, user_id: Uuid, id: Uuid) -> CoreResult<Session> {
    let session = state
        .store
        .find_session(user_id, id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if session.ended_at.is_some() {
        return Err(CoreError::Conflict("session_ended"));
    }
    Ok(session)
}

/// Starts the turn for `message`: `sink` receives the approved reply as it is
/// produced. The handle's result is the stored turn, already delivered. Errors
/// before the turn starts: the text, the session, and a reply already in
/// progress in the session (409 `reply_in_progress`).
pub async fn start(
    state: &AppState,
    port: Arc<dyn Deliver>,
    message: Outgoing,
    sink: Option<mpsc::Sender<ReplyEvent>>,
) -> CoreResult<JoinHandle<CoreResult<TurnResult>>> {
    let Outgoing {
        user,
        session_id,
        text,
        message_type,
        turn_key,
        device,
    } = message;
    let text = validate_message(&text)?;
    let session = open_session(state, user.id, session_id).await?;
    let guard = state
        .in_flight
        .claim(session.id)
        .ok_or(CoreError::Conflict("reply_in_progress"))?;
    let state = state.clone();
    Ok(tokio::spawn(async move {
        let user_id = user.id;
        let incoming = Incoming {
            user,
            session,
            text,
            message_type,
            turn_key,
        };
        let result = turn::respond(&state, incoming, Sink::new(sink)).await;
        drop(guard);
        if let Ok(turn) = &result {
            deliver::deliver(&*port, user_id, Update::Turn, turn, device.as_deref()).await;
        }
        result
    }))
}

/// [`start`] without a sink, waited for.
pub async fn send(
    state: &AppState,
    port: Arc<dyn Deliver>,
    message: Outgoing,
) -> CoreResult<TurnResult> {
    start(state, port, message, None)
        .await?
        .await
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("reply task failed: {e}")))?
}
