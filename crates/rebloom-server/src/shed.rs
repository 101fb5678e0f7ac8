//! Load shedding: at most `REBLOOM_MAX_IN_FLIGHT` API requests are served at
//! once; past that a request gets 503 `overloaded` with `Retry-After` at once,
//! instead of queueing until every answer is late. Probes, metrics and the web
//! app's files are never shed.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

/// The requests being served, shared by the whole server.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> InFlight {
        InFlight(Arc::new(Semaphore::new(max.max(1))))
    }
}

pub async fn shed(State(in_flight): State<InFlight>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    match in_flight.0.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => {
            metrics::counter!("http_requests_shed_total").increment(1);
            let mut response = ApiError::Unavailable("overloaded").into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::Router;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn past_the_limit_api_requests_get_503_overloaded_and_probes_still_answer() {
        let release = Arc::new(Notify::new());
        let entered = Arc::new(Notify::new());
        let app = Router::new()
            .route(
                "/api/slow",
                get({
                    let (release, entered) = (release.clone(), entered.clone());
                    move || async move {
                        entered.notify_one();
                        release.notified().await;
                        "done"
                    }
                }),
            )
            .route("/ready", get(|| async { "ready" }))
            .layer(axum::middleware::from_fn_with_state(InFlight::new(1), shed));
        let req = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
        let first = tokio::spawn(app.clone().oneshot(req("/api/slow")));
        entered.notified().await;

        let refused = app.clone().oneshot(req("/api/slow")).await.unwrap();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
        let body = axum::body::to_bytes(refused.into_body(), 4096)
            .await
            .unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "overloaded");
        let probe = app.clone().oneshot(req("/ready")).await.unwrap();
        assert_eq!(probe.status(), StatusCode::OK);

        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        // The permit is back: the next request is served.
        let again = tokio::spawn(app.clone().oneshot(req("/api/slow")));
        entered.notified().await;
        release.notify_one();
        assert_eq!(again.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
