//! The append-only, hash-chained audit log, behind [`AuditStore`].

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// An entry to append to the audit log: who did what to whose data. Never
/// health content.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub actor_id: Option<Uuid>,
    /// `user`, `clinician`, `admin` or `system`.
    pub actor_role: String,
    /// The person whose data or account it concerns.
    pub subject_id: Option<Uuid>,
    /// e.g. `account.erased`, `admin.role_changed`, `trusted_contact.notified`.
    pub action: String,
    /// Small, content-free details.
    pub detail: Value,
    pub at: OffsetDateTime,
}

/// An entry of the audit log as stored, with its place in the hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub subject_id: Option<Uuid>,
    pub action: String,
    /// Canonical JSON text (sorted keys), as hashed.
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl AuditEntry {
    /// The hash this entry must have: SHA-256 over the previous hash and the
    /// entry's fields, length-prefixed so no two entries can collide by
    /// shifting text between fields.
    pub fn compute_hash(&self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(&self.prev_hash);
        field(&self.seq.to_be_bytes());
        field(self.id.as_bytes());
        field(&(self.at.unix_timestamp_nanos() / 1000).to_be_bytes());
        field(
            self.actor_id
                .map(|u| *u.as_bytes())
                .unwrap_or_default()
                .as_slice(),
        );
        field(self.actor_role.as_bytes());
        field(
            self.subject_id
                .map(|u| *u.as_bytes())
                .unwrap_or_default()
                .as_slice(),
        );
        field(self.action.as_bytes());
        field(self.detail.as_bytes());
        h.finalize().to_vec()
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    Intact {
        entries: i64,
    },
    /// The first entry (by sequence number) where the chain breaks, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// The append-only, hash-chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Appends an entry, chained to the one before (appends are serialised).
    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<AuditEntry>;
    /// Entries about one person, newest first, before `before_seq`.
    async fn list_audit(
        &self,
        subject_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// Recomputes the whole chain and compares it with the stored hashes and head.
    async fn verify_audit(&self) -> StoreResult<AuditVerdict>;
}
