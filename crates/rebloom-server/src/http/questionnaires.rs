//! `/api/questionnaires` (the instruments) and `/api/me/questionnaires` (the
//! caller's responses, their history and FHIR export).

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use crate::realtime::Devices;
use rebloom_core::conversation::Conversations;
use rebloom_core::wellbeing::Wellbeing;
use rebloom_core::wellbeing::questionnaires::INSTRUMENTS;
use rebloom_core::wellbeing::questionnaires::history::History;
use rebloom_core::wellbeing::questionnaires::submit::{Instrument, Submission, Submitted};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instruments))
        .routes(routes!(history, submit))
        .routes(routes!(fhir_bundle))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only this instrument.
    #[param(value_type = Option<Instrument>)]
    pub instrument: Option<String>,
}

/// The questionnaires a person can take, with their items and answers.
#[utoipa::path(get, path = "/api/questionnaires", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn list_instruments(_user: AuthUser) -> ApiJson<Value> {
    ApiJson(json!({ "instruments": INSTRUMENTS.iter().map(|i| i.describe()).collect::<Vec<_>>() }))
}

/// The caller's responses with the change between them, and each instrument's trend.
#[utoipa::path(get, path = "/api/me/questionnaires", tag = "wellbeing", security(("bearer" = [])),
    params(HistoryQuery),
    responses((status = 200, body = History), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn history(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<ApiJson<History>> {
    Ok(ApiJson(
        wellbeing
            .questionnaire_history(user.id, q.instrument.as_deref())
            .await?,
    ))
}

/// Scores and keeps a completed questionnaire. A PHQ-9 item 9 answer above
/// 0 goes straight to the safety protocol: a crisis event (clinicians the
/// person shares with are told the level and time), and the reply carries
/// the person's country's crisis lines.
#[utoipa::path(post, path = "/api/me/questionnaires", tag = "wellbeing", security(("bearer" = [])),
    request_body = Submission,
    responses(
        (status = 201, body = Submitted),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn submit(
    State(conversations): State<Conversations>,
    State(wellbeing): State<Wellbeing>,
    Extension(devices): Extension<Devices>,
    user: AuthUser,
    ApiJson(req): ApiJson<Submission>,
) -> ApiResult<(StatusCode, ApiJson<Submitted>)> {
    let submitted = wellbeing
        .submit_questionnaire(&conversations, &devices, user.id, req)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(submitted)))
}

/// Every response as a FHIR R4 `Bundle` (type `collection`) of
/// `QuestionnaireResponse` resources with LOINC codes.
#[utoipa::path(get, path = "/api/me/questionnaires/fhir", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, description = "A FHIR R4 Bundle", body = Object, content_type = "application/fhir+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn fhir_bundle(
    State(wellbeing): State<Wellbeing>,
    user: AuthUser,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bundle = wellbeing.questionnaire_bundle(user.id).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/fhir+json")],
        axum::Json(bundle),
    )
        .into_response())
}
