//! `Idempotency-Key` on message sends: a retried request gets the first answer,
//! never a second message or a second reply.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rebloom_core::clock::Clock;
use rebloom_store::{Idempotency, IdempotencyStore};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Duration;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, AuthUser};

/// A claimed idempotency key whose request never finished may be retried after
/// this (longer than any reply can take: request time-out plus provider fallbacks).
const IDEMPOTENCY_STALE: Duration = Duration::minutes(10);

/// Where the answers to requests with an `Idempotency-Key` are kept: the
/// store's idempotency records, and the clock that ages them.
#[derive(Clone)]
pub struct Replays {
    records: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
}

impl FromRef<AppState> for Replays {
    fn from_ref(state: &AppState) -> Replays {
        Replays {
            records: state.store.clone(),
            clock: state.clock.clone(),
        }
    }
}

/// The `Idempotency-Key` of a request, validated.
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().map_err(|_| ApiError::BadRequest {
        code: "invalid_idempotency_key",
        detail: "Idempotency-Key must be visible ASCII.".into(),
    })?;
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "Idempotency-Key must be 1 to 255 characters.".into(),
        });
    }
    Ok(Some(key.to_owned()))
}

/// A mark for the messages of one idempotent request (a digest of its key,
/// never the key itself), so a retry after a failure half-way (the database went
/// away after the message was stored) finds the message instead of storing it twice.
pub fn turn_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    Ok(idempotency_key(headers)?.map(|key| {
        let digest = Sha256::digest(key.as_bytes());
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    }))
}

/// Releases a key whose work failed so a retry can run it. The failure may be
/// the database itself going away: then the release goes on in the background
/// until it is back (for as long as the claim would otherwise block retries),
/// and the caller gets its error at once.
async fn release(replays: &Replays, user_id: Uuid, key: &str) {
    // Bounded: the store may be what just failed (a turn past its limit).
    let first = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        replays.records.abandon_idempotent(user_id, key),
    );
    if matches!(first.await, Ok(Ok(()))) {
        return;
    }
    let replays = replays.clone();
    let key = key.to_owned();
    tokio::spawn(async move {
        let mut wait = std::time::Duration::from_millis(100);
        let give_up = std::time::Instant::now() + IDEMPOTENCY_STALE.unsigned_abs();
        loop {
            tokio::time::sleep(wait).await;
            match replays.records.abandon_idempotent(user_id, &key).await {
                Ok(()) => return,
                Err(e) if std::time::Instant::now() < give_up => {
                    tracing::debug!(error = %e, "releasing an idempotency key failed; retrying");
                    wait = (wait * 2).min(std::time::Duration::from_secs(2));
                }
                Err(e) => {
                    tracing::error!(error = %e, "releasing an idempotency key failed; it expires on its own");
                    return;
                }
            }
        }
    });
}

/// Runs `work` at most once per idempotency key: a retry gets the first answer.
pub async fn idempotent<T, F>(
    replays: &Replays,
    user: &AuthUser,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    work: F,
) -> ApiResult<Response>
where
    T: Serialize + Send + 'static,
    F: Future<Output = ApiResult<(StatusCode, T)>> + Send + 'static,
{
    let Some(key) = idempotency_key(headers)? else {
        let (status, value) = work.await?;
        return Ok((status, ApiJson(value)).into_response());
    };
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let hash = hasher.finalize().to_vec();
    let now = replays.clock.now();
    match replays
        .records
        .begin_idempotent(user.id, &key, &hash, now, now - IDEMPOTENCY_STALE)
        .await?
    {
        Idempotency::Replay(stored) => {
            let status = stored
                .get("status")
                .and_then(serde_json::Value::as_u64)
                .and_then(|s| StatusCode::from_u16(s as u16).ok())
                .unwrap_or(StatusCode::OK);
            let mut resp = (
                status,
                ApiJson(stored.get("body").cloned().unwrap_or_default()),
            )
                .into_response();
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(resp)
        }
        Idempotency::InProgress => Err(ApiError::Conflict("request_in_progress")),
        // The key is taken by another request: a conflict with what it holds,
        // like a request still in progress under it.
        Idempotency::Mismatch => Err(ApiError::Conflict("idempotency_key_reused")),
        Idempotency::Started => {
            // The work and its record run on their own task: a client that gives up
            // (or a request time-out) does not leave the key claimed without an answer.
            let replays = replays.clone();
            let user_id = user.id;
            let task = tokio::spawn(async move {
                match work.await {
                    Ok((status, value)) => {
                        let body = serde_json::to_value(&value)
                            .map_err(|e| ApiError::Internal(e.into()))?;
                        let record = serde_json::json!({ "status": status.as_u16(), "body": body });
                        // The work's messages carry the key's mark: if the answer cannot
                        // be recorded, a retry re-runs it without storing them twice.
                        if let Err(e) = replays
                            .records
                            .finish_idempotent(user_id, &key, &record)
                            .await
                        {
                            release(&replays, user_id, &key).await;
                            return Err(e.into());
                        }
                        Ok((status, body))
                    }
                    Err(e) => {
                        release(&replays, user_id, &key).await;
                        Err(e)
                    }
                }
            });
            let (status, body) = task
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("request task failed: {e}")))??;
            Ok((status, ApiJson(body)).into_response())
        }
    }
}
