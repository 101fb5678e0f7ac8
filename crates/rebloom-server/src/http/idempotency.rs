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

/// Each attempt to release a key is bounded: the store may be what just failed.
const RELEASE_ATTEMPT: std::time::Duration = std::time::Duration::from_secs(5);

/// Releases a key whose work failed so a retry can run it. The failure may be
/// the database itself going away: then the release goes on in the background
/// until it is back (for as long as the claim would otherwise block retries),
/// and the caller gets its error at once.
async fn release(replays: &Replays, user_id: Uuid, key: &str) {
    let first = tokio::time::timeout(
        RELEASE_ATTEMPT,
        replays.records.abandon_idempotent(user_id, key),
    );
    if !matches!(first.await, Ok(Ok(()))) {
        release_in_background(replays, user_id, key);
    }
}

/// Releases the key on a task of its own, retrying until the store answers.
fn release_in_background(replays: &Replays, user_id: Uuid, key: &str) {
    let replays = replays.clone();
    let key = key.to_owned();
    tokio::spawn(async move {
        let mut wait = std::time::Duration::from_millis(100);
        let give_up = std::time::Instant::now() + IDEMPOTENCY_STALE.unsigned_abs();
        loop {
            tokio::time::sleep(wait).await;
            let attempt = tokio::time::timeout(
                RELEASE_ATTEMPT,
                replays.records.abandon_idempotent(user_id, &key),
            )
            .await;
            let error = match attempt {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.to_string(),
                Err(_) => "timed out".to_owned(),
            };
            if std::time::Instant::now() < give_up {
                tracing::debug!(error = %error, "releasing an idempotency key failed; retrying");
                wait = (wait * 2).min(std::time::Duration::from_secs(2));
            } else {
                tracing::error!(error = %error, "releasing an idempotency key failed; it expires on its own");
                return;
            }
        }
    });
}

/// Claims `key` for a request whose body hashes to `hash`, or says who holds it.
async fn claim(replays: &Replays, user_id: Uuid, key: &str, hash: &[u8]) -> ApiResult<Idempotency> {
    let now = replays.clock.now();
    match replays
        .records
        .begin_idempotent(user_id, key, hash, now, now - IDEMPOTENCY_STALE)
        .await
    {
        Ok(begun) => Ok(begun),
        Err(e) => {
            // The claim may be stored although its answer never arrived (the
            // database went away between its commit and its reply): without a
            // release every retry would be refused as in progress until the
            // claim went stale. A concurrent attempt's claim released here is
            // harmless to a message: the turn finds it by the key's mark.
            release_in_background(replays, user_id, key);
            Err(e.into())
        }
    }
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
    match claim(replays, user.id, &key, &hash).await? {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::{AtomicBool, Ordering};

    use async_trait::async_trait;
    use rebloom_core::clock::SystemClock;
    use rebloom_store::{
        ConnectOptions, KeyStoreOptions, NewUser, Role, StoreError, StoreResult, UserStore,
    };
    use time::OffsetDateTime;

    use super::*;

    /// The store's records, but the first claim's answer is lost after it
    /// was written, as when the database goes away between commit and reply.
    struct LostAnswer {
        inner: Arc<dyn IdempotencyStore>,
        lost: AtomicBool,
    }

    #[async_trait]
    impl IdempotencyStore for LostAnswer {
        async fn begin_idempotent(
            &self,
            user_id: Uuid,
            key: &str,
            request_hash: &[u8],
            now: OffsetDateTime,
            stale_before: OffsetDateTime,
        ) -> StoreResult<Idempotency> {
            let begun = self
                .inner
                .begin_idempotent(user_id, key, request_hash, now, stale_before)
                .await?;
            if !self.lost.swap(true, Ordering::SeqCst) {
                return Err(StoreError::Backend("connection reset".into()));
            }
            Ok(begun)
        }
        async fn finish_idempotent(
            &self,
            user_id: Uuid,
            key: &str,
            response: &serde_json::Value,
        ) -> StoreResult<()> {
            self.inner.finish_idempotent(user_id, key, response).await
        }
        async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64> {
            self.inner.purge_idempotency(before).await
        }
        async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()> {
            self.inner.abandon_idempotent(user_id, key).await
        }
    }

    /// A claim written but never answered is released, so the client's
    /// retry runs instead of being refused as in progress for ten minutes.
    #[tokio::test]
    async fn a_claim_whose_answer_was_lost_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let url = |name: &str| format!("sqlite://{}/{name}", dir.path().display());
        let store = rebloom_store::open(
            &ConnectOptions {
                database_url: url("data.db"),
                ..ConnectOptions::default()
            },
            &KeyStoreOptions {
                url: url("keys.db"),
                schema: None,
            },
            Arc::new(rebloom_store::crypto::KeyRing::new([7; 32], Vec::new())),
        )
        .await
        .unwrap();
        let user = store
            .create_user(&NewUser {
                id: Uuid::now_v7(),
                email: "retry@example.org".into(),
                password_hash: "!".into(),
                role: Role::User,
                now: OffsetDateTime::now_utc(),
            })
            .await
            .unwrap();
        let replays = Replays {
            records: Arc::new(LostAnswer {
                inner: store,
                lost: AtomicBool::new(false),
            }),
            clock: Arc::new(SystemClock),
        };
        let hash = [1u8; 32];
        assert!(claim(&replays, user.id, "k", &hash).await.is_err());
        // The release runs on its own task; the retry is refused only until then.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match claim(&replays, user.id, "k", &hash).await.unwrap() {
                Idempotency::Started => break,
                Idempotency::InProgress => {
                    assert!(std::time::Instant::now() < deadline, "never released");
                    tokio::task::yield_now().await;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
