//! The OpenAPI 3.1 document's frame; paths and schemas come from the handlers.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

/// The full document as served at `/api/openapi.json`, pretty-printed.
pub fn document_json() -> anyhow::Result<String> {
    let (_, doc) = crate::app::api_parts();
    Ok(doc.to_pretty_json()? + "\n")
}
