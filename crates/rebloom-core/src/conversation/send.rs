//! Sending a message, whatever the transport (REST, Server-Sent Events,
//! Socket.IO, voice, `rebloom eval`): the text is checked, the session must be
//! the person's and open, one reply per session runs at a time on its own task
//! (a client that goes away does not leave a message without its reply), and
//! the finished turn is delivered to the person's other devices. Opening a
//! session (with a first message, or with the greeting it starts with) and
//! ending one are here too.

use std::sync::Arc;
use std::time::Duration;

use crate::deliver::{self, Deliver, Update};
use crate::events::{self, Event};
use crate::message::validate_message;
use crate::{CoreError, CoreResult};
use rebloom_store::{NewSession, Session, SessionEnd, User};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::conversation::Conversations;
use crate::conversation::turn::{self, Incoming, ReplyEvent, Sink};
use crate::conversation::views::{AiResponse, TurnResult};

/// The longest a turn may run unless configured (`REBLOOM_TURN_TIMEOUT_SECS`).
/// A turn that has not finished by then (a store call that never returns,
/// above all) is stopped, so its session is not held `reply_in_progress` for
/// ever: the client's retry under the same `Idempotency-Key` picks up what
/// the first attempt stored. Set it above the longest reply a configured
/// provider can take (the provider chain bounds each silence, not the whole).
pub const DEFAULT_TURN_LIMIT: Duration = Duration::from_secs(300);

/// A message from a person, as a transport received it.
pub struct Outgoing {
    pub user: User,
    pub session_id: Uuid,
    /// As sent; trimmed and checked here.
    pub text: String,
    /// `text` or `voice`.
    pub message_type: &'static str,
    /// The mark of the request's `Idempotency-Key` (see `rebloom-server`'s `http::idempotency::turn_key`).
    pub turn_key: Option<String>,
    /// The transport's name for the device the message came from: it has the
    /// turn already and is not sent it again.
    pub device: Option<String>,
}

/// A session to open for `user`: its type and mood (checked by the
/// transport), and either a first message or the crisis answer it checks in on.
pub struct Opening {
    pub user: User,
    pub session_type: String,
    pub mood_before: Option<i32>,
    /// Checked already (`crate::message::validate_message`).
    pub message: Option<String>,
    /// A questionnaire answer that called for a check-in (see
    /// `crisis::check_in_allowed`); never with a message.
    pub check_in: Option<Uuid>,
    pub turn_key: Option<String>,
}

/// A session opened: the first message's turn, or the greeting it starts with.
pub struct Opened {
    pub session: Session,
    pub turn: Option<TurnResult>,
    pub greeting: Option<AiResponse>,
}

impl Conversations {
    /// The person's session, open (404 for anyone else's, 409 `session_ended`).
    pub async fn open_session(&self, user_id: Uuid, id: Uuid) -> CoreResult<Session> {
        let session = self.session(user_id, id).await?;
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
        &self,
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
        let session = self.open_session(user.id, session_id).await?;
        let guard = self
            .in_flight
            .claim(session.id)
            .ok_or(CoreError::Conflict("reply_in_progress"))?;
        let conv = self.clone();
        Ok(tokio::spawn(async move {
            let user_id = user.id;
            let incoming = Incoming {
                user,
                session,
                text,
                message_type,
                turn_key,
            };
            let session_id = incoming.session.id;
            let result = tokio::time::timeout(
                conv.turn_limit,
                turn::respond(&conv, incoming, Sink::new(sink)),
            )
            .await
            .unwrap_or_else(|_| {
                metrics::counter!("turns_timed_out_total").increment(1);
                tracing::error!(%session_id, "a turn ran past its limit and was stopped");
                Err(CoreError::Unavailable("reply_timed_out"))
            });
            drop(guard);
            if let Ok(turn) = &result {
                deliver::deliver(&*port, user_id, Update::Turn, turn, device.as_deref()).await;
            }
            result
        }))
    }

    /// [`Conversations::start`] without a sink, waited for.
    pub async fn send(&self, port: Arc<dyn Deliver>, message: Outgoing) -> CoreResult<TurnResult> {
        self.start(port, message, None)
            .await?
            .await
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("reply task failed: {e}")))?
    }

    /// Opens a session. With a message, its turn runs as [`Conversations::send`] runs it;
    /// without one, the session starts with the check-in it was opened for, or
    /// with what the person shared before.
    pub async fn open(&self, port: Arc<dyn Deliver>, opening: Opening) -> CoreResult<Opened> {
        let Opening {
            user,
            session_type,
            mood_before,
            message,
            check_in,
            turn_key,
        } = opening;
        let session = self
            .sessions
            .create_session(&NewSession {
                id: Uuid::now_v7(),
                user_id: user.id,
                session_type,
                mood_before,
                now: self.clock.now(),
            })
            .await?;
        self.events.publish(Event {
            name: events::CONVERSATION_STARTED,
            user_id: user.id,
            session_id: Some(session.id),
            message_id: None,
            detail: serde_json::json!({ "sessionType": session.session_type }),
        });
        let user_id = user.id;
        let turn = match message {
            Some(text) => Some(
                self.send(
                    port,
                    Outgoing {
                        user,
                        session_id: session.id,
                        text,
                        message_type: "text",
                        turn_key,
                        device: None,
                    },
                )
                .await?,
            ),
            None => None,
        };
        let greeting = match (&turn, check_in) {
            (Some(_), _) => None,
            (None, Some(response)) => {
                Some(crate::conversation::crisis::open_check_in(self, &session, response).await?)
            }
            (None, None) => crate::conversation::greeting::open_session(self, &session).await?,
        };
        // Read again: the turn may have changed it (its risk, its summary).
        let session = self
            .sessions
            .find_session(user_id, session.id)
            .await?
            .unwrap_or(session);
        Ok(Opened {
            session,
            turn,
            greeting,
        })
    }

    /// Ends the person's open session: its duration, the mood after, and a summary.
    pub async fn end(
        &self,
        user_id: Uuid,
        id: Uuid,
        mood_after: Option<i32>,
    ) -> CoreResult<Session> {
        let session = self.open_session(user_id, id).await?;
        let messages =
            crate::conversation::history::all_messages(self.sessions.as_ref(), user_id, Some(id))
                .await?;
        let now = self.clock.now();
        let duration = (now - session.started_at).max(time::Duration::ZERO);
        let ended = self
            .sessions
            .end_session(
                user_id,
                id,
                &SessionEnd {
                    ended_at: now,
                    duration_minutes: i32::try_from(duration.whole_minutes()).unwrap_or(i32::MAX),
                    mood_after,
                    summary: Some(crate::conversation::summary::summarize(
                        &session, &messages, mood_after,
                    )),
                },
            )
            .await?
            .ok_or(CoreError::Conflict("session_ended"))?;
        metrics::histogram!("conversation_duration_seconds").record(duration.as_seconds_f64());
        self.events.publish(Event {
            name: events::CONVERSATION_ENDED,
            user_id,
            session_id: Some(id),
            message_id: None,
            detail: serde_json::json!({ "messageCount": ended.message_count }),
        });
        Ok(ended)
    }
}
