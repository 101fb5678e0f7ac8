//! The ways in over HTTP: one file per area, each returning an
//! `OpenApiRouter` so the OpenAPI document is generated from the handlers
//! themselves; the extractors (`extract`), the one mapping of errors to
//! problem+json (`error`), the OpenAPI document (`openapi`) and the
//! middleware (`middleware`). Handlers take what they use and call the
//! domain modules; nothing outside this folder imports a handler.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod clinician;
pub mod conversations;
pub mod engagement;
pub mod erasure;
pub mod error;
pub mod export;
pub mod extract;
pub mod goals;
pub mod idempotency;
pub mod insights;
pub mod me;
pub mod memories;
pub mod middleware;
pub mod moods;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod questionnaires;
pub mod safety;
pub mod trusted_contact;
pub mod voice;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// The OpenAPI document and the router built from the same handlers.
pub fn api_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(openapi::base())
        .merge(ops::router())
        .merge(auth::router())
        .merge(me::router())
        .merge(erasure::router())
        .merge(export::router())
        .merge(clinician::router())
        .merge(audit::router())
        .merge(admin::router())
        .merge(safety::router())
        .merge(trusted_contact::router())
        .merge(memories::router())
        .merge(moods::router())
        .merge(goals::router())
        .merge(questionnaires::router())
        .merge(insights::router())
        .merge(engagement::router())
        .merge(notifications::router())
        .merge(conversations::router())
        .merge(voice::router())
        .split_for_parts();
    openapi::add_problem_responses(&mut doc);
    (router, doc)
}
