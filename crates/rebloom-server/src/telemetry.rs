//! Logs, metrics, error reports and security headers. Request and message
//! bodies are never logged, measured or reported.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum_helmet::{
    ContentSecurityPolicy, CrossOriginOpenerPolicy, CrossOriginResourcePolicy, Helmet, HelmetLayer,
    OriginAgentCluster, ReferrerPolicy, StrictTransportSecurity, XContentTypeOptions,
    XDNSPrefetchControl, XDownloadOptions, XFrameOptions, XPermittedCrossDomainPolicies,
    XXSSProtection,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::Config;

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

/// The process-wide Prometheus recorder (the `metrics` facade is global, so
/// every app in a process, including tests, shares one).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

/// Counts and times every request by route template (never the raw path, which
/// may carry ids), method and status.
pub async fn http_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let elapsed = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    resp
}

/// The span of one request: its id, method and route; no bodies, no query strings.
pub fn make_span(req: &Request) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or_else(|| req.uri().path());
    tracing::info_span!("request", request_id = %request_id, method = %req.method(), route = %route)
}

/// Security headers: helmet's set with a strict Content-Security-Policy for
/// the web app (scripts, styles and connections from this origin only, no
/// inline script or style, no framing) and without `upgrade-insecure-requests`
/// (TLS belongs to the proxy in front; on plain http it would break the app).
pub fn security_headers() -> Option<HelmetLayer> {
    let csp = ContentSecurityPolicy::new()
        .default_src(vec!["'self'"])
        .script_src(vec!["'self'"])
        .script_src_attr(vec!["'none'"])
        .style_src(vec!["'self'"])
        .img_src(vec!["'self'", "data:", "blob:"])
        .media_src(vec!["'self'", "blob:"])
        .font_src(vec!["'self'"])
        .connect_src(vec!["'self'"])
        .worker_src(vec!["'self'"])
        .manifest_src(vec!["'self'"])
        .object_src(vec!["'none'"])
        .base_uri(vec!["'none'"])
        .form_action(vec!["'self'"])
        .frame_ancestors(vec!["'none'"]);
    let helmet = Helmet::new()
        .add(csp)
        .add(CrossOriginOpenerPolicy::same_origin())
        .add(CrossOriginResourcePolicy::same_origin())
        .add(OriginAgentCluster::new(true))
        .add(ReferrerPolicy::no_referrer())
        .add(
            StrictTransportSecurity::new()
                .max_age(15552000)
                .include_sub_domains(),
        )
        .add(XContentTypeOptions::nosniff())
        .add(XDNSPrefetchControl::off())
        .add(XDownloadOptions::noopen())
        .add(XFrameOptions::deny())
        .add(XPermittedCrossDomainPolicies::none())
        .add(XXSSProtection::off());
    match helmet.into_layer() {
        Ok(layer) => Some(layer),
        Err(e) => {
            tracing::error!(error = %e, "security headers could not be configured");
            None
        }
    }
}

/// Keeps the Sentry client alive while the server runs.
pub struct TelemetryGuard {
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Installs the log subscriber (JSON or pretty) and, when configured, Sentry.
pub fn init(config: &Config) -> TelemetryGuard {
    let filter = EnvFilter::try_from_env("REBLOOM_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let json = match config.log_format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let sentry = config.sentry_dsn.as_ref().map(|dsn| {
        let mut options = sentry::ClientOptions::default();
        options.release = sentry::release_name!();
        options.send_default_pii = false;
        // Requests carry health data: never attach bodies, headers or user details.
        options.before_send = Some(std::sync::Arc::new(|mut event| {
            event.request = None;
            event.user = None;
            Some(event)
        }));
        sentry::init((dsn.expose_secret(), options))
    });
    let registry = tracing_subscriber::registry().with(filter).with(
        sentry
            .as_ref()
            .map(|_| sentry::integrations::tracing::ErrorLayer::new()),
    );
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
    if let Err(e) = result {
        eprintln!("logging already initialised: {e}");
    }
    TelemetryGuard { _sentry: sentry }
}
