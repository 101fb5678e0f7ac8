//! The audit log: recorded to, and read by the person it is about. Every grant, revoke, export, erasure and admin action
//! (and, with clinician access, every read of health data by someone other
//! than its owner) is appended before it takes effect; if it cannot be
//! recorded, it does not happen.

use std::sync::Arc;

use rebloom_store::{AuditEntry, AuditStore, AuditVerdict, NewAudit, Role};
use serde_json::Value;
use uuid::Uuid;

use crate::CoreResult;
use crate::clock::Clock;

/// Who did it: a signed-in person in their role, or Rebloom itself (jobs,
/// the command line).
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Person { id: Uuid, role: Role },
    System,
}

/// Appends to the audit log.
#[derive(Clone)]
pub struct Audit {
    store: Arc<dyn AuditStore>,
    clock: Arc<dyn Clock>,
}

impl Audit {
    pub fn new(store: Arc<dyn AuditStore>, clock: Arc<dyn Clock>) -> Audit {
        Audit { store, clock }
    }

    /// Appends an entry, now: `actor` did `action` to `subject`'s account or data.
    pub async fn record(
        &self,
        actor: Actor,
        subject: Option<Uuid>,
        action: &str,
        detail: Value,
    ) -> CoreResult<()> {
        let (actor_id, actor_role) = match actor {
            Actor::Person { id, role } => (Some(id), role.as_str()),
            Actor::System => (None, "system"),
        };
        self.store
            .append_audit(&NewAudit {
                actor_id,
                actor_role: actor_role.to_owned(),
                subject_id: subject,
                action: action.to_owned(),
                detail,
                at: self.clock.now(),
            })
            .await?;
        Ok(())
    }

    /// The entries about `user_id`, newest first: up to `limit` before the
    /// entry `before` (a page's `next`).
    pub async fn entries(
        &self,
        user_id: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> CoreResult<Vec<AuditEntry>> {
        Ok(self.store.list_audit(user_id, before, limit).await?)
    }

    /// Walks the whole chain of entries and says whether any was changed,
    /// removed or reordered (`rebloom audit verify`).
    pub async fn verify(&self) -> CoreResult<AuditVerdict> {
        Ok(self.store.verify_audit().await?)
    }
}
