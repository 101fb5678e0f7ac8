//! One turn of a conversation: the person's message in, the companion's
//! reply out, in the architecture's order and in five stages, each its own
//! module and each testable alone:
//!
//! 1. [`context`]: the profile and the session so far (and what an earlier
//!    attempt of the same request stored);
//! 2. [`assess`]: the crisis assessment, deterministic and first, and where
//!    the crisis dialogue stands; nothing is generated before it;
//! 3. [`persist::message`]: the message stored with its assessment, learned
//!    from, and a crisis recorded (clinicians told) before any reply;
//! 4. [`reply`]: the crisis dialogue's templates, a check-in, or a reply from
//!    a provider through [`guard`], which approves every sentence before the
//!    person sees it; at `high` and above no language model is asked;
//! 5. [`persist::reply`]: the reply stored and the crisis state after the turn.
//!
//! Context that cannot be read never stops the assessment: it runs on the
//! message alone.

mod assess;
mod context;
mod guard;
mod persist;
mod reply;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rebloom_store::{Session, User};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::CoreResult;
use crate::conversation::Conversations;
use crate::conversation::views::TurnResult;
pub use context::reply_language;

/// What a turn streams while it works.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyEvent {
    /// Guard-approved reply text.
    Chunk(String),
    /// Discard the chunks so far; the reply starts again.
    Reset,
    /// The reply is stored (sent by streaming transports after the turn).
    Finished(Box<TurnResult>),
    /// The turn failed; the person's message is stored, the reply is not.
    Failed,
}

/// Where a turn streams its reply: a streaming client, or nobody.
#[derive(Clone, Default)]
pub struct Sink(Option<mpsc::Sender<ReplyEvent>>);

impl Sink {
    pub fn new(tx: Option<mpsc::Sender<ReplyEvent>>) -> Sink {
        Sink(tx)
    }

    pub(crate) async fn send(&self, event: ReplyEvent) {
        if let Some(tx) = &self.0 {
            // A client that went away does not stop the turn: the reply is still stored.
            let _ = tx.send(event).await;
        }
    }
}

/// One message to handle.
pub struct Incoming {
    pub user: User,
    pub session: Session,
    pub text: String,
    /// `text` or `voice`.
    pub message_type: &'static str,
    /// The mark of the request's `Idempotency-Key` (see `http::idempotency::turn_key`):
    /// a retry whose first attempt stored the message (or the reply) before
    /// failing finds them in the session and does not store them again.
    pub turn_key: Option<String>,
}

/// Records how long a stage took.
fn stage(name: &'static str, since: Instant) {
    metrics::histogram!("pipeline_stage_seconds", "stage" => name)
        .record(since.elapsed().as_secs_f64());
}

/// Runs the turn for one message. `sink` receives the approved reply as it is
/// produced (for streaming clients); the whole result is returned at the end.
pub async fn respond(
    conv: &Conversations,
    incoming: Incoming,
    sink: Sink,
) -> CoreResult<TurnResult> {
    let started = Instant::now();
    let mut context = context::read(conv, &incoming).await?;
    stage("context", started);

    let since = Instant::now();
    let assessed = assess::assess(conv, &incoming, &mut context).await;
    metrics::histogram!("safety_assessment_seconds").record(since.elapsed().as_secs_f64());
    stage("assess", since);

    let stored = persist::message(conv, &incoming, &context, &assessed).await?;
    let reply = reply::reply(conv, &incoming, &context, &assessed, &stored, &sink).await?;

    let since = Instant::now();
    let result = persist::reply(conv, &incoming, context, assessed, stored, reply).await?;
    stage("store", since);
    metrics::histogram!("ai_response_time_seconds", "provider" => result.ai_response.provider.clone())
        .record(started.elapsed().as_secs_f64());
    Ok(result)
}

/// Sessions with a reply in progress on this server: one reply at a time per
/// session, so replies do not interleave and the guided engine's state is not
/// overwritten by a concurrent turn.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<Uuid>>>);

/// Held while a session's reply is in progress; releases the session when dropped.
pub struct InFlightGuard {
    set: InFlight,
    session: Uuid,
}

impl InFlight {
    pub(crate) fn claim(&self, session: Uuid) -> Option<InFlightGuard> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(session).then(|| InFlightGuard {
            set: self.clone(),
            session,
        })
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut set = self.set.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.session);
    }
}
