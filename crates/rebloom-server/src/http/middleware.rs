//! The middleware around every request, and the router they wrap: request
//! ids, tracing, compression, security headers, CORS, the body limits and
//! time-out, load shedding, per-address rate limits, and every error that is
//! not a problem yet turned into problem+json.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_swagger_ui::SwaggerUi;

use super::error::problem_response;
use super::extract::{client_ip, peer_addr};
use crate::app::AppState;
use crate::ratelimit::{Bucket, Decision};
use crate::telemetry;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface: the API, the GraphQL endpoint, the web app, and
/// the middleware around them (outermost last).
pub fn router(state: AppState) -> Router {
    let (api, doc) = super::api_parts();
    let config = &state.config;
    let mut router = api
        .merge(SwaggerUi::new("/docs").url("/api/openapi.json", doc))
        .route(
            "/api/graphql",
            axum::routing::post(crate::graphql::handler).layer(axum::Extension(Arc::new(
                crate::graphql::schema(state.clone()),
            ))),
        )
        .fallback({
            let dir = config.web_dir.clone();
            move |req: Request| crate::web::serve(dir.clone(), req)
        })
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        // Outside the rate limits: an overloaded server refuses before any work.
        .layer(middleware::from_fn_with_state(
            crate::shed::InFlight::new(config.max_in_flight),
            crate::shed::shed,
        ))
        .layer(middleware::from_fn(telemetry::http_metrics))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        // The hard cap; routes may allow less (DefaultBodyLimit) but never more.
        .layer(RequestBodyLimitLayer::new(
            config.body_limit_bytes.max(config.voice_limit_bytes),
        ))
        // Outside the time-out and body-limit layers, so that their plain
        // responses become problems too.
        .layer(middleware::map_response(problem_fallback))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                tracing::error!("handler panicked");
                problem_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    None,
                    Vec::new(),
                )
            },
        ));
    if !config.cors_origins.is_empty() {
        let origins: Vec<_> = config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods(tower_http::cors::Any)
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                    HeaderName::from_static("idempotency-key"),
                ])
                .expose_headers([REQUEST_ID, axum::http::header::RETRY_AFTER])
                .max_age(Duration::from_secs(600)),
        );
    }
    router
        .layer(tower::util::option_layer(telemetry::security_headers()))
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::make_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Per-address rate limits on `/api`: the auth bucket for sign-in endpoints
/// (fails closed when the shared limiter is down), the API bucket for the rest.
async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let (bucket, limit) = if path.starts_with("/api/auth/") && !path.starts_with("/api/auth/logout")
    {
        (Bucket::Auth, state.config.auth_rate_limit_per_minute)
    } else if path.starts_with("/api/") {
        (Bucket::Api, state.config.rate_limit_per_minute)
    } else {
        return next.run(req).await;
    };
    let ip = client_ip(
        req.headers(),
        peer_addr(req.extensions()),
        state.config.trust_proxy,
    );
    match state.limiter.check(bucket, &ip, limit).await {
        Ok(Decision::Allow) => next.run(req).await,
        Ok(Decision::Deny { retry_after_secs }) => crate::http::error::ApiError::TooManyRequests {
            code: "rate_limited",
            retry_after_secs,
        }
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rate limiter unavailable; refusing sign-in");
            crate::http::error::ApiError::Unavailable("rate_limiter_unavailable").into_response()
        }
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "rate_limited",
        503 => "service_unavailable",
        s if s >= 500 => "internal_error",
        _ => "error",
    }
}

/// Turns any error response that is not problem+json yet (unknown routes, wrong
/// methods, body limits, time-outs, framework rejections) into one.
async fn problem_fallback(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes()
                .starts_with(crate::http::error::PROBLEM_JSON.as_bytes())
        });
    if status.as_u16() < 400 || is_problem {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // Framework rejections describe what was wrong with the request; keep that as detail.
    let detail = if status.is_client_error() {
        axum::body::to_bytes(body, 1024)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .filter(|s| !s.trim().is_empty())
    } else {
        None
    };
    let mut out = problem_response(status, code_for(status), detail, Vec::new());
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
