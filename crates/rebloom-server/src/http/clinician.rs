//! Clinician access with consent (`TeletherapyConnector`): a person grants one
//! clinician a scope — `mood` (mood before and after sessions, and mood
//! check-ins: their levels and dates; notes and triggers with `everything`), `summaries`
//! (plus session summaries), `conversations` (plus the sessions they chose) or
//! `everything` — for a time (90 days by default) and may revoke it whenever
//! they like. Clinicians see only what a grant in force covers; anything else
//! is 404. Every read is recorded in the person's audit log first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rebloom_store::{Grant, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::conversations::SessionView;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser, Clinician, RequireRole};
use rebloom_core::conversation::history::{all_messages, all_sessions};
use rebloom_core::conversation::views::MessageView;

pub(crate) const SCOPES: [&str; 4] = ["mood", "summaries", "conversations", "everything"];
const DEFAULT_DAYS: i64 = 90;
const MAX_DAYS: i64 = 365;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_grant, list_grants))
        .routes(routes!(revoke_grant))
        .routes(routes!(patients))
        .routes(routes!(patient_sessions))
        .routes(routes!(patient_messages))
        .routes(routes!(patient_moods))
}

/// Records that `clinician` read `user_id`'s health data (`what` they read),
/// before they see it.
async fn record_read(
    state: &AppState,
    clinician: &AuthUser,
    user_id: Uuid,
    what: serde_json::Value,
) -> ApiResult<()> {
    state
        .audit
        .record(clinician.actor(), Some(user_id), "clinician.read", what)
        .await?;
    Ok(())
}

/// The person's mood check-ins (last 90 days of their calendar by default),
/// newest first: levels and dates with any grant; notes and triggers only
/// with `everything`.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/moods", tag = "clinician", security(("bearer" = [])),
    params(("userId" = Uuid, Path), rebloom_core::wellbeing::calendar::RangeParams),
    responses((status = 200, body = rebloom_core::wellbeing::moods::MoodList), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_moods(
    State(state): State<AppState>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path(user_id): Path<Uuid>,
    axum::extract::Query(mut q): axum::extract::Query<
        rebloom_core::wellbeing::calendar::RangeParams,
    >,
) -> ApiResult<ApiJson<rebloom_core::wellbeing::moods::MoodList>> {
    let (_, everything, _) = allowed(&state, &clinician, user_id).await?;
    record_read(&state, &clinician, user_id, json!({ "what": "moods" })).await?;
    if q.range.is_none() && q.from.is_none() {
        q.range = Some("90d".to_owned());
    }
    let mut list = state.wellbeing.moods_in_range(user_id, &q).await?;
    if !everything {
        for m in &mut list.entries {
            m.notes = None;
            m.triggers.clear();
        }
    }
    Ok(ApiJson(list))
}

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

fn grant_view(g: Grant, now: OffsetDateTime) -> GrantView {
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

/// Grants a clinician access to part of the caller's data.
#[utoipa::path(post, path = "/api/me/grants", tag = "clinician", security(("bearer" = [])),
    request_body = GrantRequest,
    responses((status = 201, body = GrantView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create_grant(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<GrantRequest>,
) -> ApiResult<(StatusCode, ApiJson<GrantView>)> {
    let mut errors = Vec::new();
    let email = crate::http::auth::normalize_email(&req.clinician_email);
    let clinician = match &email {
        Some(e) => state.store.find_user_by_email(e).await?,
        None => None,
    };
    let clinician = clinician
        .filter(|c| c.role == Role::Clinician && c.disabled_at.is_none() && c.id != user.id);
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
            if state.store.find_session(user.id, *id).await?.is_none() {
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
        return Err(ApiError::Validation(errors));
    };
    let now = state.clock.now();
    let grant = Grant {
        id: Uuid::now_v7(),
        user_id: user.id,
        clinician_id: clinician.id,
        scope: req.scope,
        session_ids: req.session_ids,
        created_at: now,
        expires_at: now + time::Duration::days(days),
        revoked_at: None,
    };
    state.audit.record(
        user.actor(),
        Some(user.id),
        "grant.created",
        json!({ "grantId": grant.id, "clinicianId": grant.clinician_id, "scope": grant.scope, "days": days }),
    )
    .await?;
    state.store.create_grant(&grant).await?;
    Ok((StatusCode::CREATED, ApiJson(grant_view(grant, now))))
}

/// The caller's grants, newest first.
#[utoipa::path(get, path = "/api/me/grants", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_grants(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<Vec<GrantView>>> {
    let now = state.clock.now();
    let grants = state.store.grants_of_user(user.id).await?;
    Ok(ApiJson(
        grants.into_iter().map(|g| grant_view(g, now)).collect(),
    ))
}

/// Revokes a grant at once.
#[utoipa::path(delete, path = "/api/me/grants/{id}", tag = "clinician", security(("bearer" = [])),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    if !state
        .store
        .grants_of_user(user.id)
        .await?
        .iter()
        .any(|g| g.id == id && g.revoked_at.is_none())
    {
        return Err(ApiError::NotFound);
    }
    state
        .audit
        .record(
            user.actor(),
            Some(user.id),
            "grant.revoked",
            json!({ "grantId": id }),
        )
        .await?;
    state
        .store
        .revoke_grant(user.id, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The people who share data with the calling clinician now.
#[utoipa::path(get, path = "/api/clinician/patients", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patients(
    State(state): State<AppState>,
    RequireRole(clinician, _): RequireRole<Clinician>,
) -> ApiResult<ApiJson<Vec<GrantView>>> {
    let now = state.clock.now();
    let grants = state
        .store
        .active_grants_to(clinician.id, None, now)
        .await?;
    Ok(ApiJson(
        grants.into_iter().map(|g| grant_view(g, now)).collect(),
    ))
}

/// What the grants in force allow: (summaries?, all conversations?, chosen sessions).
async fn allowed(
    state: &AppState,
    clinician: &AuthUser,
    user_id: Uuid,
) -> ApiResult<(bool, bool, Vec<Uuid>)> {
    let grants = state
        .store
        .active_grants_to(clinician.id, Some(user_id), state.clock.now())
        .await?;
    if grants.is_empty() {
        return Err(ApiError::NotFound);
    }
    let summaries = grants.iter().any(|g| g.scope != "mood");
    let everything = grants.iter().any(|g| g.scope == "everything");
    let chosen = grants.iter().flat_map(|g| g.session_ids.clone()).collect();
    Ok((summaries, everything, chosen))
}

/// A person's sessions as their grants allow: moods always; summaries with
/// `summaries` and above.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/sessions", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_sessions(
    State(state): State<AppState>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path(user_id): Path<Uuid>,
) -> ApiResult<ApiJson<Vec<SessionView>>> {
    let (summaries, _, _) = allowed(&state, &clinician, user_id).await?;
    record_read(
        &state,
        &clinician,
        user_id,
        json!({ "what": if summaries { "sessions_with_summaries" } else { "moods" } }),
    )
    .await?;
    let sessions = all_sessions(state.store.as_ref(), user_id).await?;
    Ok(ApiJson(
        sessions
            .iter()
            .map(|s| {
                let mut v = SessionView::from(s);
                if !summaries {
                    v.summary = None;
                }
                v
            })
            .collect(),
    ))
}

/// The messages of one session, with `everything` or when the session was chosen.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/sessions/{sessionId}/messages", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<MessageView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_messages(
    State(state): State<AppState>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path((user_id, session_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<ApiJson<Vec<MessageView>>> {
    let (_, everything, chosen) = allowed(&state, &clinician, user_id).await?;
    if !everything && !chosen.contains(&session_id) {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .find_session(user_id, session_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    record_read(
        &state,
        &clinician,
        user_id,
        json!({ "what": "messages", "sessionId": session_id }),
    )
    .await?;
    let messages = all_messages(state.store.as_ref(), user_id, Some(session_id)).await?;
    Ok(ApiJson(messages.iter().map(MessageView::from).collect()))
}
