//! Recording to the audit log and reading one's own entries
//! (`GET /api/me/audit`). Every grant, revoke, export, erasure and admin action
//! (and, with clinician access, every read of health data by someone other
//! than its owner) is appended before it takes effect; if it cannot be
//! recorded, it does not happen.

use rebloom_store::{AuditEntry, NewAudit};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::ApiResult;
use crate::http::extract::AuthUser;

/// Appends an entry: `actor` (None for the system itself) did `action` to
/// `subject`'s account or data.
pub async fn record(
    state: &AppState,
    actor: Option<&AuthUser>,
    subject: Option<Uuid>,
    action: &str,
    detail: Value,
) -> ApiResult<()> {
    let role = actor.map_or("system", |a| a.role.as_str());
    let at = state.clock.now();
    record_as(
        &*state.store,
        at,
        actor.map(|a| a.id),
        role,
        subject,
        action,
        detail,
    )
    .await
}

/// [`record`] for an actor known by id and role rather than by request
/// (the conversation pipeline, the command line).
pub async fn record_as(
    store: &dyn rebloom_store::Store,
    at: time::OffsetDateTime,
    actor_id: Option<Uuid>,
    actor_role: &str,
    subject: Option<Uuid>,
    action: &str,
    detail: Value,
) -> ApiResult<()> {
    store
        .append_audit(&NewAudit {
            actor_id,
            actor_role: actor_role.to_owned(),
            subject_id: subject,
            action: action.to_owned(),
            detail,
            at,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who acted: `user` (the person themselves), `clinician`, `admin` or `system`.
    pub actor_role: String,
    /// Whether the person themselves did it.
    pub by_you: bool,
    pub action: String,
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditView>,
    /// Pass as `before` for older entries; null at the end.
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Cursor: entries before this one (`next` of the previous page).
    pub before: Option<i64>,
    /// Default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

pub(crate) fn view(user: Uuid, e: AuditEntry) -> AuditView {
    AuditView {
        seq: e.seq,
        at: e.at,
        actor_role: e.actor_role,
        by_you: e.actor_id == Some(user),
        action: e.action,
        detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
    }
}
