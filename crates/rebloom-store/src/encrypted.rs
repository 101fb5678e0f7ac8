//! The encryption layer: a [`Store`] that seals health content with the
//! person's data key before it reaches the backend and opens it on the way
//! back, so the database (and its backups, dumps and replicas) only ever holds
//! ciphertext. Every table of health content goes through here: message text,
//! session summaries and the guided engine's state, the profile's goals and
//! mental-health history, the safety plan, the trusted contact, and
//! idempotency records (which hold replies). Values written before
//! encryption was on are read as they are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::{self, CryptoError, Key, KeyRing, SEALED_PREFIX};
use crate::*;

/// Unwrapped data keys kept in memory (zeroized when evicted).
const CACHE_MAX: usize = 10_000;

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

    /// The person's data key, created on first use (only ever when sealing).
    pub async fn data_key(&self, user_id: Uuid) -> StoreResult<Arc<Key>> {
        self.key(user_id, true).await
    }

    /// The key to open with: never created, so a missing key row (lost,
    /// restored without it, shredded) is an error, not a fresh key that would
    /// leave the old content unreadable for good.
    pub async fn existing_key(&self, user_id: Uuid) -> StoreResult<Arc<Key>> {
        self.key(user_id, false).await
    }

    async fn key(&self, user_id: Uuid, create: bool) -> StoreResult<Arc<Key>> {
        if let Some(k) = self.cached(user_id) {
            return Ok(k);
        }
        let stored = match self.keys.get_user_key(user_id).await? {
            Some(k) => k,
            None if !create => {
                return Err(StoreError::Backend(
                    "encryption: no data key for sealed content".into(),
                ));
            }
            None => {
                let fresh = crypto::random_key().map_err(crypto_err)?;
                let wrapped = self.ring.wrap(user_id, &fresh).map_err(crypto_err)?;
                self.keys
                    .insert_user_key(&wrapped, OffsetDateTime::now_utc())
                    .await?
            }
        };
        let key = Arc::new(self.ring.unwrap(&stored).map_err(crypto_err)?);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(user_id, key.clone());
        Ok(key)
    }

    fn cached(&self, user_id: Uuid) -> Option<Arc<Key>> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user_id)
            .cloned()
    }

    /// The store behind the encryption layer.
    pub(crate) fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }

    /// The id of the master key that wraps new data keys.
    pub fn master_key_id(&self) -> &str {
        self.ring.current_id()
    }

    /// Destroys the person's data key (erasure, crypto-shredding): in the key
    /// store and in memory. Their content, here and in every backup of the
    /// data, can no longer be read.
    pub async fn destroy_key(&self, user_id: Uuid) -> StoreResult<bool> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&user_id);
        self.keys.delete_user_key(user_id).await
    }

    /// How many data keys are still wrapped by another master key (at most `limit`).
    pub async fn keys_left_to_rotate(&self, limit: u32) -> StoreResult<usize> {
        Ok(self
            .keys
            .keys_not_wrapped_by(self.ring.current_id(), limit)
            .await?
            .len())
    }

    /// Opens a message read from the bare store, e.g. from a restored backup.
    pub async fn open_backup_message(&self, m: Message) -> StoreResult<Message> {
        self.open_message(m).await
    }

    /// Re-wraps up to `batch` data keys that another master key wrapped;
    /// returns how many were re-wrapped (0 when none is left).
    pub async fn rotate(&self, batch: u32) -> StoreResult<usize> {
        let old = self
            .keys
            .keys_not_wrapped_by(self.ring.current_id(), batch)
            .await?;
        let mut done = 0;
        for stored in old {
            let key = self.ring.unwrap(&stored).map_err(crypto_err)?;
            let fresh = self.ring.wrap(stored.user_id, &key).map_err(crypto_err)?;
            if self
                .keys
                .rewrap_user_key(&stored.master_key_id, &fresh, OffsetDateTime::now_utc())
                .await?
            {
                done += 1;
            }
        }
        Ok(done)
    }

    pub(crate) async fn seal_text(
        &self,
        user_id: Uuid,
        aad: &str,
        text: &str,
    ) -> StoreResult<String> {
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
    pub(crate) async fn open_sealed_text(
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

    async fn seal_message(&self, message: &Message) -> StoreResult<Message> {
        let mut m = message.clone();
        let aad = crypto::aad("messages", "content", &m.id.to_string(), m.user_id);
        m.content = self.seal_text(m.user_id, &aad, &message.content).await?;
        Ok(m)
    }

    pub(crate) async fn open_message(&self, mut m: Message) -> StoreResult<Message> {
        let aad = crypto::aad("messages", "content", &m.id.to_string(), m.user_id);
        m.content = self.open_text(m.user_id, &aad, m.content).await?;
        Ok(m)
    }

    async fn open_session(&self, mut s: Session) -> StoreResult<Session> {
        let row = s.id.to_string();
        if let Some(summary) = s.summary.take() {
            let aad = crypto::aad("conversation_sessions", "session_summary", &row, s.user_id);
            s.summary = Some(self.open_text(s.user_id, &aad, summary).await?);
        }
        let aad = crypto::aad("conversation_sessions", "engine_state", &row, s.user_id);
        s.engine_state = self
            .open_json(s.user_id, &aad, std::mem::take(&mut s.engine_state))
            .await?;
        Ok(s)
    }

    fn profile_aad(user_id: Uuid, column: &str) -> String {
        crypto::aad("user_profiles", column, &user_id.to_string(), user_id)
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
    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        self.inner.create_user(user).await
    }
    async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.inner.find_user(id).await
    }
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }
    async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>> {
        self.inner.list_users(after, limit).await
    }
    async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool> {
        self.inner.set_user_role(id, role, now).await
    }
    async fn set_user_disabled(
        &self,
        id: Uuid,
        disabled_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.set_user_disabled(id, disabled_at, now).await
    }
    async fn set_onboarding_completed(
        &self,
        id: Uuid,
        completed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .set_onboarding_completed(id, completed, now)
            .await
    }
    async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.touch_last_active(id, now).await
    }
    async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64> {
        self.inner.count_active_users(since).await
    }
    async fn delete_user(&self, id: Uuid) -> StoreResult<bool> {
        self.inner.delete_user(id).await
    }
    async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>> {
        let Some(mut p) = self.inner.get_profile(user_id).await? else {
            return Ok(None);
        };
        p.goals = self
            .open_json(user_id, &Self::profile_aad(user_id, "goals"), p.goals)
            .await?;
        if let Some(h) = p.mental_health_history.take() {
            let aad = Self::profile_aad(user_id, "mental_health_history");
            p.mental_health_history = Some(self.open_json(user_id, &aad, h).await?);
        }
        Ok(Some(p))
    }
    async fn save_profile(&self, profile: &Profile) -> StoreResult<bool> {
        let id = profile.user_id;
        let mut p = profile.clone();
        p.goals = self
            .seal_json(id, &Self::profile_aad(id, "goals"), &p.goals)
            .await?;
        if let Some(h) = &profile.mental_health_history {
            let aad = Self::profile_aad(id, "mental_health_history");
            p.mental_health_history = Some(self.seal_json(id, &aad, h).await?);
        }
        self.inner.save_profile(&p).await
    }
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        self.inner.insert_refresh_token(token).await
    }
    async fn rotate_refresh_token(
        &self,
        presented_hash: &[u8],
        replacement: &Replacement,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation> {
        self.inner
            .rotate_refresh_token(presented_hash, replacement, now)
            .await
    }
    async fn refresh_token_family(
        &self,
        presented_hash: &[u8],
    ) -> StoreResult<Option<(Uuid, Uuid)>> {
        self.inner.refresh_token_family(presented_hash).await
    }
    async fn revoke_refresh_family(&self, family_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.revoke_refresh_family(family_id, now).await
    }
    async fn revoke_user_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.revoke_user_sessions(user_id, now).await
    }
    async fn refresh_family_active(
        &self,
        user_id: Uuid,
        family_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .refresh_family_active(user_id, family_id, now)
            .await
    }
    async fn login_throttle(&self, key_hash: &str) -> StoreResult<Option<LoginThrottle>> {
        self.inner.login_throttle(key_hash).await
    }
    async fn record_login_failure(&self, key_hash: &str, now: OffsetDateTime) -> StoreResult<i64> {
        self.inner.record_login_failure(key_hash, now).await
    }
    async fn lock_login(&self, key_hash: &str, until: OffsetDateTime) -> StoreResult<()> {
        self.inner.lock_login(key_hash, until).await
    }
    async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()> {
        self.inner.clear_login_failures(key_hash).await
    }
}

#[async_trait]
impl ConversationStore for EncryptedStore {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session> {
        let s = self.inner.create_session(session).await?;
        self.open_session(s).await
    }
    async fn find_session(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Session>> {
        match self.inner.find_session(user_id, id).await? {
            Some(s) => Ok(Some(self.open_session(s).await?)),
            None => Ok(None),
        }
    }
    async fn list_sessions(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Session>> {
        let mut out = Vec::new();
        for s in self.inner.list_sessions(user_id, before, limit).await? {
            out.push(self.open_session(s).await?);
        }
        Ok(out)
    }
    async fn end_session(
        &self,
        user_id: Uuid,
        id: Uuid,
        end: &SessionEnd,
    ) -> StoreResult<Option<Session>> {
        let mut end = end.clone();
        if let Some(summary) = &end.summary {
            let aad = crypto::aad(
                "conversation_sessions",
                "session_summary",
                &id.to_string(),
                user_id,
            );
            end.summary = Some(self.seal_text(user_id, &aad, summary).await?);
        }
        match self.inner.end_session(user_id, id, &end).await? {
            Some(s) => Ok(Some(self.open_session(s).await?)),
            None => Ok(None),
        }
    }
    async fn set_engine_state(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        state: &Value,
    ) -> StoreResult<()> {
        let aad = crypto::aad(
            "conversation_sessions",
            "engine_state",
            &session_id.to_string(),
            user_id,
        );
        let sealed = self.seal_json(user_id, &aad, state).await?;
        self.inner
            .set_engine_state(user_id, session_id, &sealed)
            .await
    }
    async fn insert_message(&self, message: &Message) -> StoreResult<()> {
        let m = self.seal_message(message).await?;
        self.inner.insert_message(&m).await
    }
    async fn insert_messages(&self, messages: &[Message]) -> StoreResult<()> {
        let mut sealed = Vec::with_capacity(messages.len());
        for m in messages {
            sealed.push(self.seal_message(m).await?);
        }
        self.inner.insert_messages(&sealed).await
    }
    async fn list_messages(
        &self,
        user_id: Uuid,
        session_id: Option<Uuid>,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let mut out = Vec::new();
        for m in self
            .inner
            .list_messages(user_id, session_id, before, limit)
            .await?
        {
            out.push(self.open_message(m).await?);
        }
        Ok(out)
    }
    async fn begin_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &[u8],
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> StoreResult<Idempotency> {
        match self
            .inner
            .begin_idempotent(user_id, key, request_hash, now, stale_before)
            .await?
        {
            Idempotency::Replay(v) => {
                let aad = crypto::aad("idempotency_keys", "response", key, user_id);
                Ok(Idempotency::Replay(self.open_json(user_id, &aad, v).await?))
            }
            other => Ok(other),
        }
    }
    async fn finish_idempotent(
        &self,
        user_id: Uuid,
        key: &str,
        response: &Value,
    ) -> StoreResult<()> {
        let aad = crypto::aad("idempotency_keys", "response", key, user_id);
        let sealed = self.seal_json(user_id, &aad, response).await?;
        self.inner.finish_idempotent(user_id, key, &sealed).await
    }
    async fn purge_idempotency(&self, before: OffsetDateTime) -> StoreResult<u64> {
        self.inner.purge_idempotency(before).await
    }
    async fn abandon_idempotent(&self, user_id: Uuid, key: &str) -> StoreResult<()> {
        self.inner.abandon_idempotent(user_id, key).await
    }
}

#[async_trait]
impl SafetyStore for EncryptedStore {
    async fn record_crisis_event(&self, event: &CrisisEvent) -> StoreResult<()> {
        self.inner.record_crisis_event(event).await
    }
    async fn list_crisis_events(&self, user_id: Uuid, limit: u32) -> StoreResult<Vec<CrisisEvent>> {
        self.inner.list_crisis_events(user_id, limit).await
    }
    async fn get_safety_plan(&self, user_id: Uuid) -> StoreResult<Option<(Value, OffsetDateTime)>> {
        match self.inner.get_safety_plan(user_id).await? {
            Some((plan, at)) => {
                let aad = crypto::aad("safety_plans", "plan", &user_id.to_string(), user_id);
                Ok(Some((
                    self.open_sealed_json(user_id, &aad, plan).await?,
                    at,
                )))
            }
            None => Ok(None),
        }
    }
    async fn save_safety_plan(
        &self,
        user_id: Uuid,
        plan: &Value,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let aad = crypto::aad("safety_plans", "plan", &user_id.to_string(), user_id);
        let sealed = self.seal_json(user_id, &aad, plan).await?;
        self.inner.save_safety_plan(user_id, &sealed, now).await
    }
    async fn get_trusted_contact(&self, user_id: Uuid) -> StoreResult<Option<TrustedContact>> {
        let Some(mut c) = self.inner.get_trusted_contact(user_id).await? else {
            return Ok(None);
        };
        let row = user_id.to_string();
        c.name = self
            .open_sealed_text(
                user_id,
                &crypto::aad("trusted_contacts", "name", &row, user_id),
                c.name,
            )
            .await?;
        c.email = self
            .open_sealed_text(
                user_id,
                &crypto::aad("trusted_contacts", "email", &row, user_id),
                c.email,
            )
            .await?;
        Ok(Some(c))
    }
    async fn save_trusted_contact(&self, contact: &TrustedContact) -> StoreResult<()> {
        let id = contact.user_id;
        let row = id.to_string();
        let mut c = contact.clone();
        c.name = self
            .seal_text(
                id,
                &crypto::aad("trusted_contacts", "name", &row, id),
                &contact.name,
            )
            .await?;
        c.email = self
            .seal_text(
                id,
                &crypto::aad("trusted_contacts", "email", &row, id),
                &contact.email,
            )
            .await?;
        self.inner.save_trusted_contact(&c).await
    }
    async fn delete_trusted_contact(&self, user_id: Uuid) -> StoreResult<bool> {
        self.inner.delete_trusted_contact(user_id).await
    }
    async fn mark_contact_notified(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
        not_since: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .mark_contact_notified(user_id, now, not_since)
            .await
    }
}

#[async_trait]
impl JobStore for EncryptedStore {
    async fn enqueue_job(&self, job: &NewJob, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.enqueue_job(job, now).await
    }
    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: Uuid,
        locked_until: OffsetDateTime,
    ) -> StoreResult<Option<Job>> {
        self.inner.claim_job(now, lease, locked_until).await
    }
    async fn complete_job(&self, id: Uuid, lease: Uuid) -> StoreResult<bool> {
        self.inner.complete_job(id, lease).await
    }
    async fn retry_job(
        &self,
        id: Uuid,
        lease: Uuid,
        run_at: OffsetDateTime,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.retry_job(id, lease, run_at, error, now).await
    }
    async fn fail_job(
        &self,
        id: Uuid,
        lease: Uuid,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.fail_job(id, lease, error, now).await
    }
    async fn job_counts(&self) -> StoreResult<Vec<JobCount>> {
        self.inner.job_counts().await
    }
    async fn failed_jobs(&self, before: Option<Uuid>, limit: i64) -> StoreResult<Vec<FailedJob>> {
        self.inner.failed_jobs(before, limit).await
    }
    async fn find_failed_job(&self, id: Uuid) -> StoreResult<Option<FailedJob>> {
        self.inner.find_failed_job(id).await
    }
    async fn requeue_job(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        self.inner.requeue_job(id, now).await
    }
}

#[async_trait]
impl AuditStore for EncryptedStore {
    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<AuditEntry> {
        self.inner.append_audit(entry).await
    }
    async fn list_audit(
        &self,
        subject_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.inner.list_audit(subject_id, before_seq, limit).await
    }
    async fn verify_audit(&self) -> StoreResult<AuditVerdict> {
        self.inner.verify_audit().await
    }
}

#[async_trait]
impl ExportStore for EncryptedStore {
    async fn create_export(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Export> {
        self.inner.create_export(id, user_id, now).await
    }
    async fn get_export(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Export>> {
        self.inner.get_export(user_id, id).await
    }
    async fn finish_export(
        &self,
        id: Uuid,
        result: Option<(&str, i64)>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.finish_export(id, result, now, expires_at).await
    }
    async fn expire_exports(&self, now: OffsetDateTime) -> StoreResult<Vec<Export>> {
        self.inner.expire_exports(now).await
    }
    async fn claim_download(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Export>> {
        self.inner.claim_download(user_id, id, now).await
    }
}

#[async_trait]
impl GrantStore for EncryptedStore {
    async fn create_grant(&self, grant: &Grant) -> StoreResult<()> {
        self.inner.create_grant(grant).await
    }
    async fn grants_of_user(&self, user_id: Uuid) -> StoreResult<Vec<Grant>> {
        self.inner.grants_of_user(user_id).await
    }
    async fn active_grants_to(
        &self,
        clinician_id: Uuid,
        user_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>> {
        self.inner
            .active_grants_to(clinician_id, user_id, now)
            .await
    }
    async fn active_grants_of(
        &self,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<Grant>> {
        self.inner.active_grants_of(user_id, now).await
    }
    async fn revoke_grant(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.revoke_grant(user_id, id, now).await
    }
}
