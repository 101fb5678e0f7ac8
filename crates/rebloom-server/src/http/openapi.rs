//! The OpenAPI 3.1 document's frame; paths and schemas come from the handlers.

use axum::http::StatusCode;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::http::error::PROBLEM_JSON;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rebloom API",
        description = "Rebloom, an AI mental-health companion. Errors are RFC 9457 problem+json with a stable `code`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "me", description = "The caller's account, profile and preferences"),
        (name = "conversations", description = "Sessions, messages and the companion's replies"),
        (name = "safety", description = "Safety plan and crisis resources"),
        (name = "memory", description = "What the companion remembers, and why"),
        (name = "wellbeing", description = "Mood check-ins and trends, goals, questionnaires (PHQ-9, GAD-7)"),
        (name = "admin", description = "Administration (admins only)"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The problem responses any operation may give for what it takes, each
/// described once under `components.responses`.
const SHARED: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "`invalid_json` or `invalid_body`: the body is not JSON (or could not be read); \
         `bad_request`: a path or query parameter could not be read; \
         `invalid_idempotency_key`",
    ),
    (
        "401",
        "Unauthorized",
        "`token_missing`, `token_invalid`, `token_expired` or `session_ended`: sign in again",
    ),
    (
        "403",
        "Forbidden",
        "`forbidden`: the caller's role may not do this",
    ),
    (
        "404",
        "NotFound",
        "`not_found`: nothing with this id belongs to the caller",
    ),
    (
        "413",
        "PayloadTooLarge",
        "`payload_too_large`: the body is over the limit (`REBLOOM_BODY_LIMIT_BYTES`)",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported_media_type`: send the body as `application/json`",
    ),
    (
        "422",
        "ValidationFailed",
        "`validation_failed`: `errors` names each invalid field with a stable code",
    ),
    (
        "429",
        "TooManyRequests",
        "`rate_limited`: too many requests from this address; `Retry-After` says when to try again",
    ),
    (
        "503",
        "Unavailable",
        "`store_unavailable`, `storage_full`, `rate_limiter_unavailable`, `overloaded` (with \
         `Retry-After`) or `service_unavailable` (the request took longer than \
         `REBLOOM_REQUEST_TIMEOUT_SECS`): try again later",
    ),
];

fn problem(status: &str, description: &str) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    let header = |description: &str, schema: ObjectBuilder| {
        HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(description))
            .build()
    };
    if status == "401" {
        response = response.header(
            "WWW-Authenticate",
            header("`Bearer`", ObjectBuilder::new().schema_type(Type::String)),
        );
    }
    if status == "429" || status == "503" {
        response = response.header(
            "Retry-After",
            header(
                "Seconds to wait",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]+$")),
            ),
        );
    }
    response.build()
}

/// Adds the shared problem responses to every operation, by what it takes:
/// 400 with parameters or a body; 401 when it needs a token; 404 with path
/// parameters; 403 in the admin and clinician areas; 413, 415 and 422 with a JSON body (422 also with query
/// parameters); 429 under `/api` (rate limits); 503 everywhere (the store, the
/// request time-out). Responses a handler describes itself stay as they are,
/// except that an undescribed problem response becomes the shared one, and any
/// other undescribed response gets its status' reason as description.
pub fn add_problem_responses(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, description) in SHARED {
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(problem(status, description)));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            add_to_operation(path, op);
        }
    }
}

fn add_to_operation(path: &str, op: &mut Operation) {
    let params_in = |place: ParameterIn| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    let has_path = params_in(ParameterIn::Path);
    let has_query = params_in(ParameterIn::Query);
    let has_header = params_in(ParameterIn::Header);
    let json_body = op.request_body.as_ref().is_some_and(|b| match b {
        RefOr::T(b) => b.content.keys().any(|c| c.ends_with("json")),
        RefOr::Ref(_) => false,
    });
    let has_body = op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let wanted = [
        ("400", has_body || has_path || has_query || has_header),
        ("401", secured),
        // Role-gated areas (`RequireRole`).
        (
            "403",
            path.starts_with("/api/admin/") || path.starts_with("/api/clinician/"),
        ),
        ("404", has_path),
        ("413", has_body),
        ("415", json_body),
        ("422", json_body || has_query),
        ("429", path.starts_with("/api/")),
        ("503", true),
    ];
    let responses = &mut op.responses.responses;
    for (status, name, _) in SHARED {
        let shared = || RefOr::Ref(Ref::from_response_name(*name));
        match responses.get_mut(*status) {
            // Described by the handler: kept.
            Some(RefOr::T(r)) if !r.description.is_empty() => {}
            Some(r) => *r = shared(),
            None if wanted.iter().any(|(s, on)| s == status && *on) => {
                responses.insert((*status).to_owned(), shared());
            }
            None => {}
        }
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(r) = response
            && r.description.is_empty()
        {
            r.description = status
                .parse::<u16>()
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Response")
                .to_owned();
        }
    }
}

/// The full document as served at `/api/openapi.json`, pretty-printed.
pub fn document_json() -> anyhow::Result<String> {
    let (_, doc) = super::api_parts();
    Ok(doc.to_pretty_json()? + "\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use utoipa::PartialSchema;

    /// The `enum` of a schema-only type, as strings.
    fn choices<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    }

    /// The document lists exactly the choices the handlers accept.
    #[test]
    fn choices_match_the_handlers() {
        use rebloom_core::schemas::{AgeRange, Country, OnboardingStep};
        use rebloom_core::wellbeing::goals::{GoalCategory, GoalStatus};
        let pairs: [(Vec<String>, &[&str]); 9] = [
            (choices::<AgeRange>(), rebloom_core::profile::AGE_RANGES),
            (
                choices::<OnboardingStep>(),
                rebloom_core::profile::ONBOARDING_STEPS,
            ),
            (
                choices::<GoalCategory>(),
                rebloom_core::wellbeing::goals::CATEGORIES,
            ),
            (
                choices::<GoalStatus>(),
                rebloom_core::wellbeing::goals::STATUSES,
            ),
            (
                choices::<rebloom_core::memory::person::MemoryKind>(),
                rebloom_core::memory::person::KINDS,
            ),
            (
                choices::<crate::http::conversations::SessionType>(),
                crate::http::conversations::SESSION_TYPES,
            ),
            (
                choices::<rebloom_core::clinicians::GrantScope>(),
                &rebloom_core::clinicians::SCOPES,
            ),
            (
                choices::<rebloom_core::wellbeing::questionnaires::submit::Instrument>(),
                &[
                    rebloom_core::wellbeing::questionnaires::INSTRUMENTS[0].id,
                    rebloom_core::wellbeing::questionnaires::INSTRUMENTS[1].id,
                ],
            ),
            (
                choices::<Country>(),
                &rebloom_core::preferences::COUNTRIES
                    .split_whitespace()
                    .collect::<Vec<_>>(),
            ),
        ];
        for (documented, accepted) in pairs {
            let mut documented = documented;
            documented.sort();
            assert_eq!(documented, sorted(accepted));
        }
    }
}
