//! Clinician access with consent: a person's grants (`/api/me/grants`) and
//! what a clinician reads through them (`/api/clinician/…`, the clinician
//! role). The rules are `rebloom_core::clinicians`: scopes, time limits,
//! what each scope shows, every read audited first; anything a grant in force
//! does not cover is 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rebloom_core::clinicians::{Clinicians, GrantRequest, GrantView};
use rebloom_core::conversation::views::{MessageView, SessionView};
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_core::wellbeing::moods::MoodList;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, Clinician, RequireRole};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_grant, list_grants))
        .routes(routes!(revoke_grant))
        .routes(routes!(patients))
        .routes(routes!(patient_sessions))
        .routes(routes!(patient_messages))
        .routes(routes!(patient_moods))
}

/// The person's mood check-ins (last 90 days of their calendar by default),
/// newest first: levels and dates with any grant; notes and triggers only
/// with `everything`.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/moods", tag = "clinician", security(("bearer" = [])),
    params(("userId" = Uuid, Path), RangeParams),
    responses((status = 200, body = MoodList), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_moods(
    State(clinicians): State<Clinicians>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path(user_id): Path<Uuid>,
    axum::extract::Query(q): axum::extract::Query<RangeParams>,
) -> ApiResult<ApiJson<MoodList>> {
    let list = clinicians.moods(clinician.id, user_id, q).await?;
    Ok(ApiJson(list))
}

/// Grants a clinician access to part of the caller's data.
#[utoipa::path(post, path = "/api/me/grants", tag = "clinician", security(("bearer" = [])),
    request_body = GrantRequest,
    responses((status = 201, body = GrantView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create_grant(
    State(clinicians): State<Clinicians>,
    user: AuthUser,
    ApiJson(req): ApiJson<GrantRequest>,
) -> ApiResult<(StatusCode, ApiJson<GrantView>)> {
    let grant = clinicians.grant(user.actor(), user.id, req).await?;
    Ok((StatusCode::CREATED, ApiJson(grant)))
}

/// The caller's grants, newest first.
#[utoipa::path(get, path = "/api/me/grants", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_grants(
    State(clinicians): State<Clinicians>,
    user: AuthUser,
) -> ApiResult<ApiJson<Vec<GrantView>>> {
    Ok(ApiJson(clinicians.grants_of(user.id).await?))
}

/// Revokes a grant at once.
#[utoipa::path(delete, path = "/api/me/grants/{id}", tag = "clinician", security(("bearer" = [])),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn revoke_grant(
    State(clinicians): State<Clinicians>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    clinicians.revoke(user.actor(), user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The people who share data with the calling clinician now.
#[utoipa::path(get, path = "/api/clinician/patients", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patients(
    State(clinicians): State<Clinicians>,
    RequireRole(clinician, _): RequireRole<Clinician>,
) -> ApiResult<ApiJson<Vec<GrantView>>> {
    Ok(ApiJson(clinicians.patients(clinician.id).await?))
}

/// A person's sessions as their grants allow: moods always; summaries with
/// `summaries` and above.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/sessions", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_sessions(
    State(clinicians): State<Clinicians>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path(user_id): Path<Uuid>,
) -> ApiResult<ApiJson<Vec<SessionView>>> {
    let sessions = clinicians.sessions(clinician.id, user_id).await?;
    Ok(ApiJson(sessions.iter().map(SessionView::from).collect()))
}

/// The messages of one session, with `everything` or when the session was chosen.
#[utoipa::path(get, path = "/api/clinician/patients/{userId}/sessions/{sessionId}/messages", tag = "clinician", security(("bearer" = [])),
    responses((status = 200, body = Vec<MessageView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub async fn patient_messages(
    State(clinicians): State<Clinicians>,
    RequireRole(clinician, _): RequireRole<Clinician>,
    Path((user_id, session_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<ApiJson<Vec<MessageView>>> {
    let messages = clinicians
        .messages(clinician.id, user_id, session_id)
        .await?;
    Ok(ApiJson(messages))
}
