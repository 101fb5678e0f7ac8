//! The Stanley-Brown safety plan, crisis resources by country, and the person's
//! own crisis history.

use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::conversation::crisis::CrisisStateView;
use rebloom_core::safety_plan::{Contact, MAX_CHARS, MAX_ITEMS, SafetyPlan};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_safety_plan, put_safety_plan))
        .routes(routes!(resources))
        .routes(routes!(crisis_state))
}

/// A crisis line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrisisLine {
    pub name: String,
    pub contact: String,
    pub hours: String,
}

/// The plan as read back: every step, the emergency number for the person's
/// country, and when it was last saved.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SafetyPlanView {
    pub warning_signs: Vec<String>,
    pub coping_strategies: Vec<String>,
    pub distractions: Vec<Contact>,
    pub people_to_ask: Vec<Contact>,
    pub professionals: Vec<Contact>,
    /// Pre-filled for the person's country until they edit them.
    pub crisis_lines: Vec<Contact>,
    pub safer_environment: Vec<String>,
    pub reasons_for_living: Vec<String>,
    /// The emergency number for the person's country, when known.
    pub emergency_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesView {
    /// The country the lines are for, or null for international guidance.
    pub country: Option<String>,
    pub emergency_number: Option<String>,
    pub lines: Vec<CrisisLine>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourcesQuery {
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
}

fn lines_for(state: &AppState, country: Option<&str>) -> (Vec<CrisisLine>, Option<String>, bool) {
    let (r, known) = state.safety.directory.for_country(country);
    let lines = r
        .crisis_lines()
        .map(|l| CrisisLine {
            name: l.name.clone(),
            contact: l.contact.clone(),
            hours: l.hours.clone(),
        })
        .collect();
    (lines, known.then(|| r.emergency.clone()), known)
}

fn check_text(field: String, text: &str, errors: &mut Vec<FieldError>) {
    let t = text.trim();
    if t.is_empty()
        || t.chars().count() > MAX_CHARS
        || t.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            field,
            "invalid_item",
            format!("Each entry is 1 to {MAX_CHARS} characters."),
        ));
    }
}

fn validate(plan: &SafetyPlan) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let texts: [(&str, &Vec<String>); 4] = [
        ("warningSigns", &plan.warning_signs),
        ("copingStrategies", &plan.coping_strategies),
        ("saferEnvironment", &plan.safer_environment),
        ("reasonsForLiving", &plan.reasons_for_living),
    ];
    for (name, items) in texts {
        if items.len() > MAX_ITEMS {
            errors.push(FieldError::new(
                name,
                "too_many",
                format!("Keep at most {MAX_ITEMS}."),
            ));
        }
        for (i, t) in items.iter().enumerate() {
            check_text(format!("{name}[{i}]"), t, &mut errors);
        }
    }
    let contacts: [(&str, &Vec<Contact>); 4] = [
        ("distractions", &plan.distractions),
        ("peopleToAsk", &plan.people_to_ask),
        ("professionals", &plan.professionals),
        ("crisisLines", &plan.crisis_lines),
    ];
    for (name, items) in contacts {
        if items.len() > MAX_ITEMS {
            errors.push(FieldError::new(
                name,
                "too_many",
                format!("Keep at most {MAX_ITEMS}."),
            ));
        }
        for (i, c) in items.iter().enumerate() {
            check_text(format!("{name}[{i}].name"), &c.name, &mut errors);
            if let Some(contact) = &c.contact {
                check_text(format!("{name}[{i}].contact"), contact, &mut errors);
            }
        }
    }
    errors
}

async fn view(state: &AppState, user: &AuthUser) -> ApiResult<SafetyPlanView> {
    let profile = state
        .store
        .get_profile(user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (lines, emergency, _) = lines_for(state, profile.country.as_deref());
    let (mut plan, updated_at) = match state.store.get_safety_plan(user.id).await? {
        Some((value, at)) => (
            serde_json::from_value::<SafetyPlan>(value).unwrap_or_default(),
            Some(at),
        ),
        None => (SafetyPlan::default(), None),
    };
    if plan.crisis_lines.is_empty() {
        plan.crisis_lines = lines
            .into_iter()
            .map(|l| Contact {
                name: l.name,
                contact: Some(format!("{} ({})", l.contact, l.hours)),
            })
            .collect();
    }
    Ok(SafetyPlanView {
        warning_signs: plan.warning_signs,
        coping_strategies: plan.coping_strategies,
        distractions: plan.distractions,
        people_to_ask: plan.people_to_ask,
        professionals: plan.professionals,
        crisis_lines: plan.crisis_lines,
        safer_environment: plan.safer_environment,
        reasons_for_living: plan.reasons_for_living,
        emergency_number: emergency,
        updated_at,
    })
}

/// The caller's safety plan; crisis lines are pre-filled for their country.
#[utoipa::path(get, path = "/api/me/safety-plan", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = SafetyPlanView), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_safety_plan(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<SafetyPlanView>> {
    Ok(ApiJson(view(&state, &user).await?))
}

/// Replace the caller's safety plan.
#[utoipa::path(put, path = "/api/me/safety-plan", tag = "safety", security(("bearer" = [])),
    request_body = SafetyPlan,
    responses(
        (status = 200, body = SafetyPlanView),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_safety_plan(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(plan): ApiJson<SafetyPlan>,
) -> ApiResult<ApiJson<SafetyPlanView>> {
    let errors = validate(&plan);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let value = serde_json::to_value(&plan).map_err(|e| ApiError::Internal(e.into()))?;
    state
        .store
        .save_safety_plan(user.id, &value, state.clock.now())
        .await?;
    Ok(ApiJson(view(&state, &user).await?))
}

/// The caller's crisis state: whether help is kept within reach on every
/// screen (from a message or questionnaire answer that ran the crisis
/// protocol, until a clear safety answer or a quiet period), with the lines of
/// their country now. Every device and tab reads the same.
#[utoipa::path(get, path = "/api/me/crisis", tag = "safety", security(("bearer" = [])),
    responses((status = 200, body = CrisisStateView), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn crisis_state(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<CrisisStateView>> {
    Ok(ApiJson(
        rebloom_core::conversation::crisis::current(&state.conversations, user.id).await?,
    ))
}

/// Crisis lines and the emergency number for a country (international guidance
/// when the country is unknown). Needs no account: anyone may need it.
#[utoipa::path(get, path = "/api/safety/resources", tag = "safety", params(ResourcesQuery),
    responses((status = 200, body = ResourcesView)))]
pub async fn resources(
    State(state): State<AppState>,
    Query(q): Query<ResourcesQuery>,
) -> ApiJson<ResourcesView> {
    let country = q.country.map(|c| c.trim().to_ascii_uppercase());
    let (lines, emergency, known) = lines_for(&state, country.as_deref());
    ApiJson(ResourcesView {
        country: country.filter(|_| known),
        emergency_number: emergency,
        lines,
    })
}
