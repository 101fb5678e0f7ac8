//! The encryption layer: a [`Store`] that seals health content with the
//! person's data key before it reaches the backend and opens it on the way
//! back, so the database (and its backups, dumps and replicas) only ever holds
//! ciphertext. Every table of health content goes through here: message text,
//! session summaries and the guided engine's state, the profile's goals and
//! mental-health history, the safety plan, the trusted contact, idempotency
//! records (which hold replies), memories and their vectors, moods, goals,
//! insights and the inbox. Values written before encryption was on are read
//! as they are.
//!
//! This file holds the layer itself, its sealing helpers and the union
//! [`Store`]; each aggregate's file says what of it is sealed and what is
//! forwarded, and `keys.rs` manages the data keys.

mod audit;
mod auth;
mod conversations;
mod exports;
mod goals;
mod grants;
mod idempotency;
mod inbox;
mod insights;
mod jobs;
mod keys;
mod memory;
mod moods;
mod questionnaires;
mod reminders;
mod safety;
mod users;
mod vectors;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::crypto::{self, CryptoError, Key, KeyRing, SEALED_PREFIX};
use crate::{KeyStore, Store, StoreError, StoreResult};

pub struct EncryptedStore {
    inner: Arc<dyn Store>,
    /// The key store, apart from the data.
    keys: Arc<dyn KeyStore>,
    ring: Arc<KeyRing>,
    cache: Mutex<HashMap<Uuid, Arc<Key>>>,
}

fn crypto_err(e: CryptoError) -> StoreError {
    StoreError::Backend(format!("encryption: {e}"))
}

/// The associated data of a value in `table`'s `column`, in the row `id` of `user_id`.
fn row_aad(table: &str, column: &str, id: Uuid, user_id: Uuid) -> String {
    crypto::aad(table, column, &id.to_string(), user_id)
}

impl EncryptedStore {
    pub fn new(
        inner: Arc<dyn Store>,
        keys: Arc<dyn KeyStore>,
        ring: Arc<KeyRing>,
    ) -> EncryptedStore {
        EncryptedStore {
            inner,
            keys,
            ring,
            cache: Mutex::new(HashMap::new()),
        }
    }

    async fn seal_text(&self, user_id: Uuid, aad: &str, text: &str) -> StoreResult<String> {
        let key = self.data_key(user_id).await?;
        crypto::seal(&key, aad, text.as_bytes()).map_err(crypto_err)
    }

    async fn open_text(&self, user_id: Uuid, aad: &str, stored: String) -> StoreResult<String> {
        if !stored.starts_with(SEALED_PREFIX) {
            // Written before encryption was on.
            return Ok(stored);
        }
        let key = self.existing_key(user_id).await?;
        let bytes = crypto::open(&key, aad, &stored).map_err(crypto_err)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| crypto_err(CryptoError::Format))
    }

    async fn seal_json(&self, user_id: Uuid, aad: &str, v: &Value) -> StoreResult<Value> {
        if v.is_null() {
            return Ok(Value::Null);
        }
        let text = serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Value::String(self.seal_text(user_id, aad, &text).await?))
    }

    async fn open_json(&self, user_id: Uuid, aad: &str, v: Value) -> StoreResult<Value> {
        match v {
            Value::String(s) if s.starts_with(SEALED_PREFIX) => {
                let text = self.open_text(user_id, aad, s).await?;
                serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))
            }
            other => Ok(other),
        }
    }

    /// Opens a value that must have been sealed: plaintext here could only
    /// have been planted by someone writing to the database (a trusted
    /// contact's address, a safety plan's numbers), so it is refused.
    async fn open_sealed_text(
        &self,
        user_id: Uuid,
        aad: &str,
        stored: String,
    ) -> StoreResult<String> {
        if !stored.starts_with(SEALED_PREFIX) {
            return Err(crypto_err(CryptoError::Format));
        }
        self.open_text(user_id, aad, stored).await
    }

    async fn open_sealed_json(&self, user_id: Uuid, aad: &str, v: Value) -> StoreResult<Value> {
        match v {
            Value::String(s) => {
                let text = self.open_sealed_text(user_id, aad, s).await?;
                serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))
            }
            _ => Err(crypto_err(CryptoError::Format)),
        }
    }

    async fn seal_opt(
        &self,
        user_id: Uuid,
        aad: &str,
        v: &Option<String>,
    ) -> StoreResult<Option<String>> {
        match v {
            Some(text) => Ok(Some(self.seal_text(user_id, aad, text).await?)),
            None => Ok(None),
        }
    }

    async fn open_opt(
        &self,
        user_id: Uuid,
        aad: &str,
        v: Option<String>,
    ) -> StoreResult<Option<String>> {
        match v {
            Some(sealed) => Ok(Some(self.open_sealed_text(user_id, aad, sealed).await?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl Store for EncryptedStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    async fn delete_user(&self, id: Uuid) -> StoreResult<bool> {
        self.inner.delete_user(id).await
    }
}
