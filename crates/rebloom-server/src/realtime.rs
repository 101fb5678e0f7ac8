//! Real-time conversations over Socket.IO, speaking the architecture's events:
//! the client connects with `auth: { token }` (an access token), may
//! `join-session`, and sends `send-message` (`{ message, sessionId }`). The reply
//! comes back as `ai-response` events (`type: "chunk"`, `"reset"`, then
//! `"final"`), and the user's other devices get `conversation-update`. With
//! Redis configured the rooms span every replica (socketioxide-redis).

use std::sync::{Arc, OnceLock};

use rebloom_core::deliver::{Deliver, Update};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Data, Extension, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{AuthUser, authenticate};
use rebloom_core::conversation::send::Outgoing;
use rebloom_core::conversation::turn::ReplyEvent;

#[derive(Debug, Deserialize)]
struct ConnectAuth {
    token: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JoinSession {
    session_id: Uuid,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendMessage {
    message: String,
    session_id: Uuid,
}

/// Why a connection or event was refused: a stable code, like the HTTP API's.
#[derive(Debug, Serialize)]
struct Refusal {
    code: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

fn user_room(id: Uuid) -> String {
    format!("user-{id}")
}

fn device_room(socket: &str) -> String {
    format!("device-{socket}")
}

/// Delivery through Socket.IO rooms: each person's devices are in their room,
/// each device also in its own (so the one a turn came from can be left out).
struct Rooms<A: Adapter>(SocketIo<A>);

#[async_trait::async_trait]
impl<A: Adapter> Deliver for Rooms<A> {
    async fn deliver(&self, user: Uuid, update: Update, mut payload: Value, except: Option<&str>) {
        let event = match update {
            Update::Turn => {
                stamp_sent(&mut payload);
                "conversation-update"
            }
            Update::CrisisState => "crisis-state",
        };
        let mut to = self.0.to(user_room(user));
        if let Some(device) = except {
            to = to.except(device_room(device));
        }
        if let Err(e) = to.emit(event, &payload).await {
            tracing::warn!(error = %e, "delivering to the person's devices failed");
        }
    }
}

/// Delivers to the person's open devices what happened elsewhere: turns made
/// over HTTP (a message, a stream, a voice message) as `conversation-update`,
/// as turns sent over the socket are, and a crisis state raised outside the
/// conversation (a questionnaire answer) as `crisis-state`; on every replica
/// when rooms are in Redis. Set once the Socket.IO layer exists (before that,
/// nothing to do). Handlers get it as an `Extension`: kept out of `AppState`,
/// which the Socket.IO handle holds.
#[derive(Default, Clone)]
pub struct Devices(Arc<OnceLock<Arc<dyn Deliver>>>);

impl Devices {
    /// The port, for services that deliver.
    pub fn port(&self) -> Arc<dyn Deliver> {
        Arc::new(self.clone())
    }

    fn set<A: Adapter>(&self, io: SocketIo<A>) {
        let _ = self.0.set(Arc::new(Rooms(io)));
    }
}

#[async_trait::async_trait]
impl Deliver for Devices {
    async fn deliver(&self, user: Uuid, update: Update, payload: Value, except: Option<&str>) {
        if let Some(rooms) = self.0.get() {
            rooms.deliver(user, update, payload, except).await;
        }
    }
}

/// Puts the send time on a `conversation-update`, so clients (and load
/// tests) can measure delivery.
fn stamp_sent(payload: &mut Value) {
    if let Some(map) = payload.as_object_mut() {
        let millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        map.insert("serverSentAt".into(), json!(millis as i64));
    }
}

/// Connect middleware: only sockets with a valid access token get in.
async fn authenticate_socket<A: Adapter>(
    socket: SocketRef<A>,
    TryData(auth): TryData<ConnectAuth>,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let Ok(auth) = auth else {
        return Err(Refusal {
            code: "token_missing".into(),
        });
    };
    let user = authenticate(&state.accounts, &auth.token)
        .await
        .map_err(|e| Refusal {
            code: e.code().to_owned(),
        })?;
    socket.extensions.insert(user);
    Ok(())
}

/// How often a connection re-checks that its session is still valid.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(15);

/// Why the connection's login no longer holds, if it does not: `token_expired`
/// (the client connects again with a fresh token) or `signed_out` (logged out,
/// password changed, account disabled). Distinct from `session_ended`, which
/// on this channel means the conversation was ended.
async fn login_ended(state: &AppState, user: &AuthUser) -> Option<&'static str> {
    let now = state.clock.now();
    if user.claims.exp <= now.unix_timestamp() {
        return Some("token_expired");
    }
    state
        .accounts
        .current_account(&user.claims)
        .await
        .err()
        .map(|_| "signed_out")
}

async fn on_connect<A: Adapter>(
    socket: SocketRef<A>,
    Extension(user): Extension<AuthUser>,
    State(state): State<AppState>,
) {
    socket.join([user_room(user.id), device_room(&socket.id.to_string())]);
    // Logout, password change, disabling and expiry end the connection too.
    let watched = socket.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RECHECK);
        tick.tick().await;
        loop {
            tick.tick().await;
            if !watched.connected() {
                return;
            }
            if let Some(code) = login_ended(&state, &user).await {
                let _ = watched.emit("error", &json!({ "code": code }));
                let _ = watched.disconnect();
                return;
            }
        }
    });
    metrics::gauge!("realtime_connections").increment(1.0);
    socket.on_disconnect(async || metrics::gauge!("realtime_connections").decrement(1.0));
    socket.on("join-session", on_join_session::<A>);
    socket.on("send-message", on_send_message::<A>);
}

async fn on_join_session<A: Adapter>(
    Data(join): Data<JoinSession>,
    Extension(user): Extension<AuthUser>,
    State(state): State<AppState>,
    ack: AckSender<A>,
) {
    let reply = match state.conversations.session(user.id, join.session_id).await {
        Ok(session) => json!({ "ok": true, "sessionId": session.id }),
        Err(e) => json!({ "ok": false, "code": ApiError::from(e).code().to_owned() }),
    };
    let _ = ack.send(&reply);
}

async fn on_send_message<A: Adapter>(
    socket: SocketRef<A>,
    io: SocketIo<A>,
    TryData(data): TryData<SendMessage>,
    Extension(user): Extension<AuthUser>,
    State(state): State<AppState>,
) {
    let refuse = |socket: &SocketRef<A>, code: &str| {
        let _ = socket.emit("error", &json!({ "event": "send-message", "code": code }));
    };
    let Ok(data) = data else {
        return refuse(&socket, "validation_failed");
    };
    // The session behind the connection may have ended since it connected.
    if let Some(code) = login_ended(&state, &user).await {
        refuse(&socket, code);
        let _ = socket.disconnect();
        return;
    }
    let session_id = data.session_id;
    let (tx, mut rx) = mpsc::channel::<ReplyEvent>(64);
    let message = Outgoing {
        user: user.account.clone(),
        session_id,
        text: data.message,
        message_type: "text",
        turn_key: None,
        device: Some(socket.id.to_string()),
    };
    let rooms: Arc<dyn Deliver> = Arc::new(Rooms(io));
    let turn = match state.conversations.start(rooms, message, Some(tx)).await {
        Ok(task) => task,
        Err(e) => return refuse(&socket, ApiError::from(e).code()),
    };
    while let Some(event) = rx.recv().await {
        let payload = match event {
            ReplyEvent::Chunk(text) => {
                json!({ "type": "chunk", "sessionId": session_id, "text": text })
            }
            ReplyEvent::Reset => json!({ "type": "reset", "sessionId": session_id }),
            ReplyEvent::Finished(_) | ReplyEvent::Failed => continue,
        };
        let _ = socket.emit("ai-response", &payload);
    }
    // The person's other devices have it from the turn, on every replica.
    match turn.await {
        Ok(Ok(turn)) => {
            let mut payload = serde_json::to_value(&turn).unwrap_or_default();
            if let Some(map) = payload.as_object_mut() {
                map.insert("type".into(), json!("final"));
            }
            let _ = socket.emit("ai-response", &payload);
        }
        Ok(Err(e)) => refuse(&socket, ApiError::from(e).code()),
        Err(_) => refuse(&socket, "internal_error"),
    }
}

/// Messages are at most a few thousand characters: refuse larger frames early.
const MAX_FRAME: usize = 64 * 1024;

fn limits(builder: socketioxide::SocketIoBuilder) -> socketioxide::SocketIoBuilder {
    builder
        .max_payload(MAX_FRAME as u64)
        .ws_max_message_size(MAX_FRAME)
        .max_buffer_size(256)
}

/// Adds the Socket.IO layer to the router: rooms in Redis when it is configured
/// and reachable (every replica delivers), in this process otherwise.
pub async fn attach(router: axum::Router, state: &AppState, devices: &Devices) -> axum::Router {
    if let Some(url) = &state.config.redis_url {
        // The Redis adapter speaks RESP3.
        let url = if url.contains("protocol=") {
            url.clone()
        } else if url.contains('?') {
            format!("{url}&protocol=resp3")
        } else {
            format!("{url}?protocol=resp3")
        };
        let adapter = match redis::Client::open(url) {
            Ok(client) => {
                let config = socketioxide_redis::RedisAdapterConfig::default()
                    .with_prefix(format!("{}socket.io", state.config.redis_key_prefix));
                socketioxide_redis::RedisAdapterCtr::new_with_redis_config(&client, config)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match adapter {
            Ok(adapter) => {
                let (layer, io) = limits(SocketIo::builder())
                    .with_state(state.clone())
                    .with_adapter::<socketioxide_redis::RedisAdapter<_>>(adapter)
                    .build_layer();
                match io.ns("/", on_connect.with(authenticate_socket)).await {
                    Ok(()) => {
                        devices.set(io);
                        return router.layer(layer);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "real-time: Redis adapter failed; delivering in this process only")
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "real-time: Redis unreachable; delivering in this process only")
            }
        }
    }
    let (layer, io) = limits(SocketIo::builder())
        .with_state(state.clone())
        .build_layer();
    io.ns("/", on_connect.with(authenticate_socket));
    devices.set(io);
    router.layer(layer)
}
