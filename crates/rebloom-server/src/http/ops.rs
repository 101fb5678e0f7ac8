//! Liveness, readiness and Prometheus metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{Problem, problem_response};
use crate::http::extract::ApiJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// `ready`, or `degraded` when Redis is configured but unreachable or
    /// crisis detection runs on its rules alone.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `full` (rules and the learned layer over the multilingual encoder), or
    /// `degraded` (rules alone: the encoder's model is missing).
    #[schema(example = "full")]
    pub crisis_detection: &'static str,
    #[schema(example = "sqlite")]
    pub store: &'static str,
    /// `ok`, `unavailable`, or `not_configured` when running without Redis.
    #[schema(example = "not_configured")]
    pub redis: &'static str,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
pub async fn health() -> ApiJson<Health> {
    ApiJson(Health { status: "ok" })
}

/// Readiness: the store answers. Redis being down does not make a replica
/// unready: it is shared by every replica (all of them would leave the load
/// balancer at once) and the server carries on without it (in-process limits,
/// sign-in refused until it is back); the answer says `degraded`.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, body = Readiness),
        (status = 503, description = "`not_ready`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let store_ok = matches!(
        tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()).await,
        Ok(Ok(()))
    );
    let redis = match &state.redis {
        None => "not_configured",
        Some(conn) => {
            let mut conn = conn.clone();
            let ping = tokio::time::timeout(
                CHECK_TIMEOUT,
                redis::cmd("PING").query_async::<String>(&mut conn),
            )
            .await;
            if matches!(ping, Ok(Ok(_))) {
                "ok"
            } else {
                "unavailable"
            }
        }
    };
    let crisis_detection = if state.conversations.has_encoder() {
        "full"
    } else {
        "degraded"
    };
    if store_ok {
        return ApiJson(Readiness {
            status: if redis == "unavailable" || crisis_detection == "degraded" {
                "degraded"
            } else {
                "ready"
            },
            crisis_detection,
            store: state.store.backend(),
            redis,
        })
        .into_response();
    }
    problem_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        Some("Unavailable: store.".to_owned()),
        Vec::new(),
    )
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
