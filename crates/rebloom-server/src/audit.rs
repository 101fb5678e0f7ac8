//! Recording to the audit log (reading one's own entries is
//! `http::audit`). Every grant, revoke, export, erasure and admin action
//! (and, with clinician access, every read of health data by someone other
//! than its owner) is appended before it takes effect; if it cannot be
//! recorded, it does not happen.

use rebloom_store::NewAudit;
use serde_json::Value;
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
