//! Conversations over REST: sessions, messages (with `Idempotency-Key`), history,
//! and a Server-Sent Events variant that streams the reply as it is approved.

use std::convert::Infallible;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{
    ApiJson, AuthUser, JsonWithBytes, OptionalJson, next_cursor, page_limit,
};
use crate::http::idempotency::{Replays, idempotent, turn_key};
use crate::realtime::Devices;
use rebloom_core::conversation::Conversations;
use rebloom_core::conversation::send::{Opened, Opening, Outgoing};
use rebloom_core::conversation::turn::ReplyEvent;
use rebloom_core::conversation::views::{AiResponse, MessageView, SessionView, TurnResult};
use rebloom_core::message::validate_message;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_conversation, list_sessions))
        .routes(routes!(send_message))
        .routes(routes!(stream_message))
        .routes(routes!(get_session))
        .routes(routes!(end_session))
        .routes(routes!(list_messages))
}

pub(crate) const SESSION_TYPES: &[&str] = &[
    "general",
    "check-in",
    "exercise",
    "crisis-support",
    "journal",
];

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartConversation {
    /// The first message; optional.
    #[serde(default)]
    #[schema(value_type = Option<rebloom_core::schemas::MessageText>)]
    pub message: Option<String>,
    /// Default `general`.
    #[serde(default)]
    #[schema(value_type = Option<SessionType>)]
    pub session_type: Option<String>,
    /// Mood 1-10 before the session.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10)]
    pub mood_before: Option<i32>,
    /// A questionnaire response of the caller whose answer ran the crisis
    /// protocol (PHQ-9 item 9 above 0, in the last 24 hours): the session opens
    /// with the companion's direct check-in, in `greeting`, and the person's
    /// answer is read as an answer to it. Not with `message`.
    #[serde(default)]
    pub check_in: Option<Uuid>,
}

/// What a session is for.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum SessionType {
    General,
    CheckIn,
    Exercise,
    CrisisSupport,
    Journal,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendMessage {
    #[schema(value_type = rebloom_core::schemas::MessageText)]
    pub message: String,
    pub session_id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndSessionRequest {
    /// Mood 1-10 after the session.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10)]
    pub mood_after: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartedConversation {
    pub session_id: Uuid,
    pub session: SessionView,
    pub message: Option<MessageView>,
    pub ai_response: Option<AiResponse>,
    /// For a session opened without a message, by someone who allows memory
    /// and is remembered: the companion's greeting from what they shared before.
    pub greeting: Option<AiResponse>,
    /// With a first message: the person's crisis state after it.
    pub crisis: Option<rebloom_core::conversation::crisis::CrisisStateView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    pub sessions: Vec<SessionView>,
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    /// Pass as `before` for older messages; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetail {
    pub session: SessionView,
    pub messages: MessagePage,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Cursor: items older than this id.
    pub before: Option<Uuid>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Only this session's messages.
    #[serde(rename = "sessionId")]
    #[param(rename = "sessionId")]
    pub session_id: Option<Uuid>,
}

fn validate_mood(field: &str, mood: Option<i32>) -> Result<(), FieldError> {
    match mood {
        Some(m) if !(1..=10).contains(&m) => {
            Err(FieldError::new(field, "out_of_range", "Use 1 to 10."))
        }
        _ => Ok(()),
    }
}

/// Paths name the user (as the architecture's do); only the caller's own is found.
pub fn ensure_caller(path_user: Uuid, user: &AuthUser) -> ApiResult<()> {
    if path_user == user.id {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Start a session, optionally with a first message.
#[utoipa::path(post, path = "/api/conversations", tag = "conversations", security(("bearer" = [])),
    request_body = StartConversation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first answer; 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = r"^[!-~]([ -~]*[!-~])?$")),
    responses(
        (status = 201, body = StartedConversation),
        (status = 409, description = "`request_in_progress` or `idempotency_key_reused` (the key was used for another request)", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn start_conversation(
    State(conversations): State<Conversations>,
    State(replays): State<Replays>,
    Extension(devices): Extension<Devices>,
    user: AuthUser,
    headers: HeaderMap,
    JsonWithBytes(req, body): JsonWithBytes<StartConversation>,
) -> ApiResult<Response> {
    let message = req.message.as_deref().map(validate_message).transpose()?;
    let session_type = req.session_type.unwrap_or_else(|| "general".to_owned());
    let mut errors = Vec::new();
    if !SESSION_TYPES.contains(&session_type.as_str()) {
        errors.push(FieldError::new(
            "sessionType",
            "invalid_choice",
            format!("Choose one of {}.", SESSION_TYPES.join(", ")),
        ));
    }
    if let Err(e) = validate_mood("moodBefore", req.mood_before) {
        errors.push(e);
    }
    if let Some(id) = req.check_in {
        if message.is_some() {
            errors.push(FieldError::new(
                "checkIn",
                "check_in_with_message",
                "A check-in opens the session; send the message after it.",
            ));
        } else if !rebloom_core::conversation::crisis::check_in_allowed(&conversations, user.id, id)
            .await?
        {
            errors.push(FieldError::new(
                "checkIn",
                "not_a_crisis_answer",
                "Not a recent questionnaire answer of yours that called for a check-in.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let opening = Opening {
        user: user.account.clone(),
        session_type,
        mood_before: req.mood_before,
        message,
        check_in: req.check_in,
        turn_key: turn_key(&headers)?,
    };
    let work = {
        let conversations = conversations.clone();
        async move {
            let Opened {
                session,
                turn,
                greeting,
            } = conversations.open(devices.port(), opening).await?;
            Ok((
                StatusCode::CREATED,
                StartedConversation {
                    session_id: session.id,
                    session: SessionView::from(&session),
                    message: turn.as_ref().map(|t| t.message.clone()),
                    crisis: turn.as_ref().map(|t| t.crisis.clone()),
                    ai_response: turn.map(|t| t.ai_response),
                    greeting,
                },
            ))
        }
    };
    idempotent(
        &replays,
        &user,
        &headers,
        "POST /api/conversations",
        &body,
        work,
    )
    .await
}

/// Send a message in a session and get the companion's reply.
#[utoipa::path(post, path = "/api/conversations/{userId}/messages", tag = "conversations", security(("bearer" = [])),
    params(("userId" = Uuid, Path, description = "Must be the caller"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first answer; 1 to 255 visible ASCII characters", min_length = 1, max_length = 255, pattern = r"^[!-~]([ -~]*[!-~])?$")),
    request_body = SendMessage,
    responses(
        (status = 200, body = TurnResult),
        (status = 404, description = "Not the caller, or no such session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_ended`; `request_in_progress` or `idempotency_key_reused` (the key was used for another request)", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn send_message(
    State(conversations): State<Conversations>,
    State(replays): State<Replays>,
    Extension(devices): Extension<Devices>,
    user: AuthUser,
    Path(user_id): Path<Uuid>,
    headers: HeaderMap,
    JsonWithBytes(req, body): JsonWithBytes<SendMessage>,
) -> ApiResult<Response> {
    ensure_caller(user_id, &user)?;
    let route = format!("POST /api/conversations/{user_id}/messages");
    let turn_key = turn_key(&headers)?;
    let work = {
        let conversations = conversations.clone();
        let message = Outgoing {
            user: user.account.clone(),
            session_id: req.session_id,
            text: req.message,
            message_type: "text",
            turn_key,
            device: None,
        };
        async move {
            let turn = conversations.send(devices.port(), message).await?;
            Ok((StatusCode::OK, turn))
        }
    };
    idempotent(&replays, &user, &headers, &route, &body, work).await
}

/// Like sending a message, but the reply streams as Server-Sent Events:
/// `chunk` (`{"text"}`) as the guard approves it, `reset` when a provider failed
/// mid-reply and another starts over, then `final` with the stored result.
#[utoipa::path(post, path = "/api/conversations/{userId}/messages/stream", tag = "conversations", security(("bearer" = [])),
    params(("userId" = Uuid, Path, description = "Must be the caller")),
    request_body = SendMessage,
    responses(
        (status = 200, description = "text/event-stream of chunk, reset, final and error events", content_type = "text/event-stream"),
        (status = 409, description = "`session_ended` or `request_in_progress`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn stream_message(
    State(conversations): State<Conversations>,
    Extension(devices): Extension<Devices>,
    user: AuthUser,
    Path(user_id): Path<Uuid>,
    ApiJson(req): ApiJson<SendMessage>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    ensure_caller(user_id, &user)?;
    let (tx, rx) = mpsc::channel::<ReplyEvent>(64);
    let message = Outgoing {
        user: user.account.clone(),
        session_id: req.session_id,
        text: req.message,
        message_type: "text",
        turn_key: None,
        device: None,
    };
    // Started before the stream does, so a second reply in progress is a plain 409.
    let turn = conversations
        .start(devices.port(), message, Some(tx.clone()))
        .await?;
    tokio::spawn(async move {
        let last = match turn.await {
            Ok(Ok(turn)) => ReplyEvent::Finished(Box::new(turn)),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "streamed reply failed");
                ReplyEvent::Failed
            }
            Err(_) => ReplyEvent::Failed,
        };
        let _ = tx.send(last).await;
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await? {
            ReplyEvent::Chunk(text) => SseEvent::default()
                .event("chunk")
                .json_data(serde_json::json!({ "text": text })),
            ReplyEvent::Reset => Ok(SseEvent::default().event("reset").data("{}")),
            ReplyEvent::Finished(turn) => SseEvent::default().event("final").json_data(&*turn),
            ReplyEvent::Failed => SseEvent::default()
                .event("error")
                .json_data(serde_json::json!({ "code": "reply_failed" })),
        };
        let event = event.unwrap_or_else(|_| SseEvent::default().event("error").data("{}"));
        Some((Ok::<_, Infallible>(event), rx))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The caller's sessions, newest first.
#[utoipa::path(get, path = "/api/conversations", tag = "conversations", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = SessionPage), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_sessions(
    State(conversations): State<Conversations>,
    user: AuthUser,
    Query(params): Query<PageParams>,
) -> ApiResult<ApiJson<SessionPage>> {
    let limit = page_limit(params.limit)?;
    let sessions = conversations
        .sessions(user.id, params.before, limit)
        .await?;
    let next_cursor = next_cursor(&sessions, limit, |s| s.id);
    Ok(ApiJson(SessionPage {
        sessions: sessions.iter().map(SessionView::from).collect(),
        next_cursor,
    }))
}

async fn message_page(
    conversations: &Conversations,
    user: &AuthUser,
    session_id: Option<Uuid>,
    before: Option<Uuid>,
    limit: Option<u32>,
) -> ApiResult<MessagePage> {
    let limit = page_limit(limit)?;
    let messages = conversations
        .messages(user.id, session_id, before, limit)
        .await?;
    let next_cursor = next_cursor(&messages, limit, |m| m.id);
    Ok(MessagePage {
        messages: messages.iter().map(MessageView::from).collect(),
        next_cursor,
    })
}

/// The caller's messages across sessions (or one session's), newest first.
#[utoipa::path(get, path = "/api/conversations/messages", tag = "conversations", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = MessagePage), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_messages(
    State(conversations): State<Conversations>,
    user: AuthUser,
    Query(params): Query<PageParams>,
) -> ApiResult<ApiJson<MessagePage>> {
    Ok(ApiJson(
        message_page(
            &conversations,
            &user,
            params.session_id,
            params.before,
            params.limit,
        )
        .await?,
    ))
}

/// One session with its messages (newest first, paginated with `before`).
#[utoipa::path(get, path = "/api/conversations/sessions/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = SessionDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_session(
    State(conversations): State<Conversations>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    Query(params): Query<PageParams>,
) -> ApiResult<ApiJson<SessionDetail>> {
    let session = conversations.session(user.id, id).await?;
    let messages =
        message_page(&conversations, &user, Some(id), params.before, params.limit).await?;
    Ok(ApiJson(SessionDetail {
        session: SessionView::from(&session),
        messages,
    }))
}

/// End a session: duration, mood after, and a summary.
#[utoipa::path(post, path = "/api/conversations/sessions/{id}/end", tag = "conversations", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Option<EndSessionRequest>, description = "Optional"),
    responses(
        (status = 200, body = SessionView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_ended`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn end_session(
    State(conversations): State<Conversations>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    OptionalJson(req): OptionalJson<EndSessionRequest>,
) -> ApiResult<ApiJson<SessionView>> {
    let req = req.unwrap_or_default();
    validate_mood("moodAfter", req.mood_after).map_err(|e| ApiError::Validation(vec![e]))?;
    let ended = conversations.end(user.id, id, req.mood_after).await?;
    Ok(ApiJson(SessionView::from(&ended)))
}
