//! Clinician access with consent (`TeletherapyConnector`): a person grants one
//! clinician a scope — `mood` (mood before and after sessions, and mood
//! check-ins: their levels and dates; notes and triggers with `everything`),
//! `summaries` (plus session summaries), `conversations` (plus the sessions
//! they chose) or `everything` — for a time (90 days by default) and may
//! revoke it whenever they like. Clinicians see only what a grant in force
//! covers; anything else is not found. Every read is recorded in the person's
//! audit log before the clinician sees it. The ways in check the clinician's
//! role; a clinician is named here by their id.

use std::sync::Arc;

use rebloom_store::{ConversationStore, Grant, GrantStore, Role, Session, Store, UserStore};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::conversation::history::{all_messages, all_sessions};
use crate::conversation::views::MessageView;
use crate::email::normalize_email;
use crate::wellbeing::Wellbeing;
use crate::wellbeing::calendar::RangeParams;
use crate::wellbeing::moods::MoodList;
use crate::{CoreError, CoreResult, FieldError};

/// The scopes a grant may have, narrowest first.
pub const SCOPES: [&str; 4] = ["mood", "summaries", "conversations", "everything"];
const DEFAULT_DAYS: i64 = 90;
const MAX_DAYS: i64 = 365;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantRequest {
    /// The e-mail address of a clinician's Rebloom account.
    #[schema(format = "email", max_length = 254)]
    pub clinician_email: String,
    #[schema(value_type = GrantScope)]
    pub scope: String,
    /// The caller's sessions to share: 1 to 100 with `conversations`, none otherwise.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub session_ids: Vec<Uuid>,
    /// Default 90.
    #[schema(minimum = 1, maximum = 365)]
    pub days: Option<i64>,
}

/// What a clinician may see: `mood` (mood levels and dates), `summaries`
/// (and session summaries), `conversations` (and the sessions chosen) or
/// `everything`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum GrantScope {
    Mood,
    Summaries,
    Conversations,
    Everything,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub id: Uuid,
    pub clinician_id: Uuid,
    pub scope: String,
    pub session_ids: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
    /// For the clinician: whose data it is.
    pub user_id: Uuid,
}

impl GrantView {
    fn new(g: Grant, now: OffsetDateTime) -> GrantView {
        let status = if g.revoked_at.is_some() {
            "revoked"
        } else if g.expires_at <= now {
            "expired"
        } else {
            "active"
        };
        GrantView {
            id: g.id,
            clinician_id: g.clinician_id,
            scope: g.scope,
            session_ids: g.session_ids,
            created_at: g.created_at,
            expires_at: g.expires_at,
            revoked_at: g.revoked_at,
            status,
            user_id: g.user_id,
        }
    }
}

/// What the grants in force from one person to one clinician allow.
struct Allowed {
    /// Session summaries (any scope above `mood`).
    summaries: bool,
    /// Everything, every conversation included.
    everything: bool,
    /// The sessions chosen with `conversations`.
    chosen: Vec<Uuid>,
}

/// Grants, and what clinicians read through them.
#[derive(Clone)]
pub struct Clinicians {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn ConversationStore>,
    grants: Arc<dyn GrantStore>,
    wellbeing: Wellbeing,
    audit: Audit,
    clock: Arc<dyn Clock>,
}

impl Clinicians {
    /// The ports it needs, taken from the (sealed) store.
    pub fn new(
        store: &Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        wellbeing: Wellbeing,
        audit: Audit,
    ) -> Clinicians {
        Clinicians {
            users: store.clone(),
            sessions: store.clone(),
            grants: store.clone(),
            wellbeing,
            audit,
            clock,
        }
    }

    /// The person `user` grants a clinician part of their data; every field
    /// wrong is said at once.
    pub async fn grant(
        &self,
        user: Actor,
        user_id: Uuid,
        req: GrantRequest,
    ) -> CoreResult<GrantView> {
        let mut errors = Vec::new();
        let clinician = match normalize_email(&req.clinician_email) {
            Some(e) => self.users.find_user_by_email(&e).await?,
            None => None,
        };
        let clinician = clinician
            .filter(|c| c.role == Role::Clinician && c.disabled_at.is_none() && c.id != user_id);
        if clinician.is_none() {
            errors.push(FieldError::new(
                "clinicianEmail",
                "not_a_clinician",
                "No clinician account with this e-mail address.",
            ));
        }
        if !SCOPES.contains(&req.scope.as_str()) {
            errors.push(FieldError::new(
                "scope",
                "invalid_scope",
                "One of mood, summaries, conversations, everything.",
            ));
        }
        if req.scope == "conversations" {
            if req.session_ids.is_empty() || req.session_ids.len() > 100 {
                errors.push(FieldError::new(
                    "sessionIds",
                    "sessions_required",
                    "Choose 1 to 100 of your sessions to share.",
                ));
            }
            for id in req.session_ids.iter().take(100) {
                if self.sessions.find_session(user_id, *id).await?.is_none() {
                    errors.push(FieldError::new(
                        "sessionIds",
                        "unknown_session",
                        format!("{id} is not one of your sessions."),
                    ));
                }
            }
        } else if !req.session_ids.is_empty() {
            errors.push(FieldError::new(
                "sessionIds",
                "not_applicable",
                "Sessions are chosen only with the conversations scope.",
            ));
        }
        let days = req.days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            errors.push(FieldError::new(
                "days",
                "invalid_days",
                format!("1 to {MAX_DAYS} days."),
            ));
        }
        let (Some(clinician), true) = (clinician, errors.is_empty()) else {
            return Err(CoreError::Invalid(errors));
        };
        let now = self.clock.now();
        let grant = Grant {
            id: Uuid::now_v7(),
            user_id,
            clinician_id: clinician.id,
            scope: req.scope,
            session_ids: req.session_ids,
            created_at: now,
            expires_at: now + time::Duration::days(days),
            revoked_at: None,
        };
        self.audit
            .record(
                user,
                Some(user_id),
                "grant.created",
                json!({ "grantId": grant.id, "clinicianId": grant.clinician_id, "scope": grant.scope, "days": days }),
            )
            .await?;
        self.grants.create_grant(&grant).await?;
        Ok(GrantView::new(grant, now))
    }

    /// The person's grants, newest first.
    pub async fn grants_of(&self, user_id: Uuid) -> CoreResult<Vec<GrantView>> {
        let now = self.clock.now();
        let grants = self.grants.grants_of_user(user_id).await?;
        Ok(grants.into_iter().map(|g| GrantView::new(g, now)).collect())
    }

    /// Revokes one of the person's grants in force at once.
    pub async fn revoke(&self, user: Actor, user_id: Uuid, id: Uuid) -> CoreResult<()> {
        if !self
            .grants
            .grants_of_user(user_id)
            .await?
            .iter()
            .any(|g| g.id == id && g.revoked_at.is_none())
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                user,
                Some(user_id),
                "grant.revoked",
                json!({ "grantId": id }),
            )
            .await?;
        self.grants
            .revoke_grant(user_id, id, self.clock.now())
            .await?;
        Ok(())
    }

    /// The people who share data with the clinician now.
    pub async fn patients(&self, clinician_id: Uuid) -> CoreResult<Vec<GrantView>> {
        let now = self.clock.now();
        let grants = self
            .grants
            .active_grants_to(clinician_id, None, now)
            .await?;
        Ok(grants.into_iter().map(|g| GrantView::new(g, now)).collect())
    }

    /// What the grants in force from `user_id` to the clinician allow; not
    /// found without one.
    async fn allowed(&self, clinician_id: Uuid, user_id: Uuid) -> CoreResult<Allowed> {
        let grants = self
            .grants
            .active_grants_to(clinician_id, Some(user_id), self.clock.now())
            .await?;
        if grants.is_empty() {
            return Err(CoreError::NotFound);
        }
        Ok(Allowed {
            summaries: grants.iter().any(|g| g.scope != "mood"),
            everything: grants.iter().any(|g| g.scope == "everything"),
            chosen: grants.iter().flat_map(|g| g.session_ids.clone()).collect(),
        })
    }

    /// Records that the clinician reads `user_id`'s health data (`what`),
    /// before they see it.
    async fn record_read(
        &self,
        clinician_id: Uuid,
        user_id: Uuid,
        what: serde_json::Value,
    ) -> CoreResult<()> {
        let clinician = Actor::Person {
            id: clinician_id,
            role: Role::Clinician,
        };
        self.audit
            .record(clinician, Some(user_id), "clinician.read", what)
            .await
    }

    /// The person's mood check-ins in `q`'s range (the last 90 days of their
    /// calendar by default), newest first: levels and dates with any grant;
    /// notes and triggers only with `everything`.
    pub async fn moods(
        &self,
        clinician_id: Uuid,
        user_id: Uuid,
        mut q: RangeParams,
    ) -> CoreResult<MoodList> {
        let allowed = self.allowed(clinician_id, user_id).await?;
        self.record_read(clinician_id, user_id, json!({ "what": "moods" }))
            .await?;
        if q.range.is_none() && q.from.is_none() {
            q.range = Some("90d".to_owned());
        }
        let mut list = self.wellbeing.moods_in_range(user_id, &q).await?;
        if !allowed.everything {
            for m in &mut list.entries {
                m.notes = None;
                m.triggers.clear();
            }
        }
        Ok(list)
    }

    /// The person's sessions as their grants allow, oldest first: moods
    /// always; summaries with `summaries` and above.
    pub async fn sessions(&self, clinician_id: Uuid, user_id: Uuid) -> CoreResult<Vec<Session>> {
        let allowed = self.allowed(clinician_id, user_id).await?;
        let what = if allowed.summaries {
            "sessions_with_summaries"
        } else {
            "moods"
        };
        self.record_read(clinician_id, user_id, json!({ "what": what }))
            .await?;
        let mut sessions = all_sessions(self.sessions.as_ref(), user_id).await?;
        if !allowed.summaries {
            for s in &mut sessions {
                s.summary = None;
            }
        }
        Ok(sessions)
    }

    /// The messages of one of the person's sessions, oldest first: with
    /// `everything`, or when the session was chosen.
    pub async fn messages(
        &self,
        clinician_id: Uuid,
        user_id: Uuid,
        session_id: Uuid,
    ) -> CoreResult<Vec<MessageView>> {
        let allowed = self.allowed(clinician_id, user_id).await?;
        if !allowed.everything && !allowed.chosen.contains(&session_id) {
            return Err(CoreError::NotFound);
        }
        self.sessions
            .find_session(user_id, session_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.record_read(
            clinician_id,
            user_id,
            json!({ "what": "messages", "sessionId": session_id }),
        )
        .await?;
        let messages = all_messages(self.sessions.as_ref(), user_id, Some(session_id)).await?;
        Ok(messages.iter().map(MessageView::from).collect())
    }
}
