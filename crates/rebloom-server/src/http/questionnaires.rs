//! `/api/questionnaires` (the instruments) and `/api/me/questionnaires` (the
//! caller's responses, their history and FHIR export).

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use rebloom_core::deliver::{Update, deliver};
use rebloom_store::QuestionnaireResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use crate::realtime::Devices;
use rebloom_core::conversation::crisis::CrisisStateView;
use rebloom_core::conversation::views::SafetyView;
use rebloom_core::wellbeing::questionnaires::{INSTRUMENTS, ScoreError, instrument};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instruments))
        .routes(routes!(history, submit))
        .routes(routes!(fhir_bundle))
}

use rebloom_core::wellbeing::questionnaires::history::{
    History, MAX_HISTORY, ResponseView, bundle, views,
};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    pub response: ResponseView,
    /// Present when an answer calls for the safety protocol (PHQ-9 item 9
    /// above 0): the person's country's crisis lines and a message.
    pub safety: Option<SafetyView>,
    pub safety_message: Option<String>,
    /// With the safety protocol: the person's crisis state it started (also
    /// pushed to their other devices as `crisis-state`).
    pub crisis: Option<CrisisStateView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Submission {
    #[schema(value_type = Instrument)]
    pub instrument: String,
    /// One answer per item (9 for `phq9`, 7 for `gad7`), each 0 (not at all)
    /// to 3 (nearly every day).
    #[schema(value_type = Vec<Answer>, min_items = 7, max_items = 9)]
    pub answers: Vec<i32>,
    /// One of the caller's sessions.
    pub session_id: Option<Uuid>,
}

/// A questionnaire: `phq9` (PHQ-9, depression) or `gad7` (GAD-7, anxiety).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum Instrument {
    Phq9,
    Gad7,
}

/// An answer: 0 (not at all) to 3 (nearly every day).
#[derive(ToSchema)]
#[schema(value_type = i32, minimum = 0, maximum = 3)]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub struct Answer(i32);

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
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<ApiJson<History>> {
    Ok(ApiJson(
        state
            .wellbeing
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
    State(state): State<AppState>,
    Extension(devices): Extension<Devices>,
    user: AuthUser,
    ApiJson(req): ApiJson<Submission>,
) -> ApiResult<(StatusCode, ApiJson<Submitted>)> {
    let Some(inst) = instrument(&req.instrument) else {
        return Err(ApiError::field(
            "instrument",
            "unknown_instrument",
            "phq9 or gad7.",
        ));
    };
    let score = inst.score(&req.answers).map_err(|e| {
        ApiError::Validation(vec![match e {
            ScoreError::Count { expected, got } => FieldError::new(
                "answers",
                "wrong_count",
                format!("{expected} answers, not {got}."),
            ),
            ScoreError::Range(i) => FieldError::new(
                format!("answers[{i}]"),
                "out_of_range",
                "Each answer is 0 to 3.",
            ),
        }])
    })?;
    let mut errors = Vec::new();
    state
        .wellbeing
        .check_session(user.id, req.session_id, &mut errors)
        .await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let response = QuestionnaireResponse {
        id: Uuid::now_v7(),
        user_id: user.id,
        instrument: inst.id.to_owned(),
        answers: req.answers,
        total_score: score.total,
        severity: score.severity.to_owned(),
        session_id: req.session_id,
        completed_at: now,
    };
    state.store.insert_questionnaire(&response).await?;
    metrics::counter!("questionnaires_total", "instrument" => inst.id, "severity" => score.severity)
        .increment(1);
    let (safety, safety_message, crisis) =
        if score.self_harm_thoughts {
            let (view, text) = rebloom_core::conversation::crisis::questionnaire_protocol(
                &state.conversations,
                user.id,
                req.session_id,
                now,
            )
            .await?;
            // The safety message never waits on the crisis state: unreadable, it
            // is left out (the answer's own lines are in `safety`).
            let crisis =
                match rebloom_core::conversation::crisis::current(&state.conversations, user.id)
                    .await
                {
                    Ok(crisis) => {
                        deliver(&devices, user.id, Update::CrisisState, &crisis, None).await;
                        Some(crisis)
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "reading the crisis state failed");
                        None
                    }
                };
            (Some(view), Some(text), crisis)
        } else {
            (None, None, None)
        };
    let previous = state
        .store
        .list_questionnaires(user.id, Some(inst.id), 2)
        .await?;
    let view = views(previous)
        .into_iter()
        .find(|v| v.id == response.id)
        .ok_or(ApiError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(Submitted {
            response: view,
            safety,
            safety_message,
            crisis,
        }),
    ))
}

/// Every response as a FHIR R4 `Bundle` (type `collection`) of
/// `QuestionnaireResponse` resources with LOINC codes.
#[utoipa::path(get, path = "/api/me/questionnaires/fhir", tag = "wellbeing", security(("bearer" = [])),
    responses((status = 200, description = "A FHIR R4 Bundle", body = Object, content_type = "application/fhir+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn fhir_bundle(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let responses = state
        .store
        .list_questionnaires(user.id, None, MAX_HISTORY)
        .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/fhir+json")],
        axum::Json(bundle(&responses)),
    )
        .into_response())
}
