//! Wiring: the application state, the router with its middleware, and serving.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use rebloom_core::clock::{Clock, SystemClock};
use rebloom_core::cpu_pool::CpuPool;
use rebloom_core::events::EventBus;
use rebloom_store::{ConnectOptions, Store};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::password::{Hasher, PasswordPolicy};
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::error::problem_response;
use crate::extract::{client_ip, peer_addr};
use crate::ratelimit::{Bucket, Decision, InProcessLimiter, RateLimiter, RedisLimiter};
use crate::{openapi, routes, secrets, telemetry};
use rebloom_ai::ChatProvider;
use rebloom_ai::guided::GuidedEngine;
use rebloom_safety::Safety;

pub struct AppInner {
    /// The store, behind the encryption layer.
    pub store: Arc<dyn Store>,
    /// The same store as the encryption layer, for people's data keys (files).
    pub vault: Arc<rebloom_store::EncryptedStore>,
    pub clock: Arc<dyn Clock>,
    pub keys: TokenKeys,
    pub hasher: Hasher,
    /// Threads for CPU-heavy work.
    pub cpu: CpuPool,
    pub policy: PasswordPolicy,
    pub limiter: Arc<dyn RateLimiter>,
    pub in_process_limiter: Option<Arc<InProcessLimiter>>,
    pub redis: Option<ConnectionManager>,
    pub config: Config,
    pub metrics: PrometheusHandle,
    /// Crisis assessment, safe replies, resources and the output guard.
    pub safety: Arc<Safety>,
    /// The multilingual encoder the assessment's learned layer reads; `None`
    /// when its model is missing (the rules run alone: crisis detection is degraded).
    pub crisis_encoder: Option<rebloom_local::encoder::SafetyEncoder>,
    /// The provider chain, guided engine last.
    pub chat: Arc<dyn ChatProvider>,
    /// The offline companion; also detects emotions for the stored analysis.
    pub guided: Arc<GuidedEngine>,
    /// Speech-to-text for voice messages, when configured.
    pub stt: Option<Arc<dyn rebloom_ai::stt::SpeechToText>>,
    pub events: EventBus,
    /// Sessions with a reply in progress on this server.
    pub in_flight: crate::conversation::pipeline::InFlight,
    /// The durable job queue (wakes this replica's worker).
    pub jobs: crate::jobs::Jobs,
    /// Crisis webhooks and e-mail.
    pub notifier: crate::jobs::notify::Notifier,
    /// What the companion remembers: rules, embedder and context cache.
    pub memory: Arc<crate::memory::MemoryService>,
    /// Emotions and sentiment of each message (embeddings and word lists).
    pub emotions: Arc<rebloom_ai::emotion::EmotionClassifier>,
}

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

impl Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// What the server runs on, said at start-up.
#[derive(Debug, Clone)]
pub struct Engines {
    pub store: String,
    /// Reply providers in the order they are tried.
    pub llm: Vec<String>,
    pub rate_limits: &'static str,
    pub generated_secrets: Vec<String>,
    /// Where crisis events are sent besides the store.
    pub crisis_notifications: Vec<&'static str>,
    /// The sentence embedder, and why.
    pub embeddings: String,
    /// Speech-to-text for voice messages, and why.
    pub speech_to_text: String,
    /// How emotions are classified.
    pub emotions: String,
    /// How crises are detected, and whether that is degraded.
    pub crisis_detection: String,
}

/// A built server, bound to its listener, not yet serving.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    pub engines: Engines,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn redis_manager(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url).context("invalid REBLOOM_REDIS_URL")?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client, config).context("redis connection manager")
}

/// Loads the crisis assessment's encoder and reads one message with it, so the
/// first person's message does not pay for loading; says what detection runs.
fn crisis_encoder(config: &Config) -> (Option<rebloom_local::encoder::SafetyEncoder>, String) {
    use rebloom_local::encoder::SafetyEncoder;
    let path = SafetyEncoder::model_path(&config.models_dir);
    match SafetyEncoder::load(&config.models_dir) {
        Ok(encoder) => match encoder.views("warming up") {
            Ok(_) => (
                Some(encoder),
                "layered: rules + learned heads over multilingual-e5-small".to_owned(),
            ),
            Err(e) => {
                tracing::error!(error = %e, "the crisis encoder failed its first message; crisis detection is DEGRADED to rules");
                (
                    None,
                    format!("DEGRADED, rules only: the encoder failed ({e})"),
                )
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "no crisis encoder; crisis detection is DEGRADED to rules (run scripts/models.sh)");
            (
                None,
                format!(
                    "DEGRADED, rules only: no encoder at {} (run scripts/models.sh)",
                    path.display()
                ),
            )
        }
    }
}

impl App {
    /// Builds with the system clock.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        App::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Connects the store (running migrations), loads or generates secrets and
    /// binds the listener. Port 0 picks a free port (tests).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        if config.database_url.is_none() && !config.data_dir.exists() {
            // Health data lives here: owner only.
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating {}", config.data_dir.display()))?;
            std::fs::set_permissions(
                &config.data_dir,
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            )?;
        }
        let secrets = secrets::load(&config)?;
        let database_url = config.effective_database_url();
        let store = rebloom_store::connect(&ConnectOptions {
            database_url: database_url.clone(),
            read_replica_url: config.database_read_url.clone(),
            max_connections: None,
            schema: config.database_schema.clone(),
        })
        .await
        .context("opening the database")?;
        // Health content is sealed with each person's data key before it reaches the store.
        let ring = Arc::new(rebloom_store::crypto::KeyRing::new(
            *secrets.master_key.expose_secret(),
            secrets.old_master_keys.clone(),
        ));
        let (keys_url, keys_schema) = config.effective_keys_store();
        let keys = rebloom_store::keydb::connect(&keys_url, keys_schema.as_deref())
            .await
            .context("opening the key store")?;
        let vault = Arc::new(rebloom_store::EncryptedStore::new(store, keys, ring));
        let store: Arc<dyn Store> = vault.clone();
        let redis = config.redis_url.as_deref().map(redis_manager).transpose()?;
        let (limiter, in_process_limiter): (Arc<dyn RateLimiter>, _) = match &redis {
            Some(conn) => (
                Arc::new(RedisLimiter::new(
                    conn.clone(),
                    format!("{}rate:", config.redis_key_prefix),
                )),
                None,
            ),
            None => {
                let l = Arc::new(InProcessLimiter::default());
                (l.clone(), Some(l))
            }
        };
        let guided = Arc::new(GuidedEngine::try_new().context("guided engine content")?);
        let (stt, speech_to_text) = crate::conversation::providers::speech_to_text(&config)?;
        let (chat, llm) = crate::conversation::providers::build(&config, guided.clone())?;
        let notifier = crate::jobs::notify::Notifier::from_config(&config)?;
        let (embedder, embeddings) = crate::conversation::providers::embedder(&config)?;
        // One message is embedded once per turn (emotions, recall, learning).
        let embedder = embedder.map(|e| {
            Arc::new(crate::memory::cache::CachedEmbedder::new(e))
                as Arc<dyn rebloom_ai::embed::Embedder>
        });
        let emotions = Arc::new(rebloom_ai::emotion::EmotionClassifier::new(
            embedder.clone(),
        ));
        let memory = Arc::new(crate::memory::MemoryService {
            extractor: crate::memory::extract::Extractor::new().context("memory rules")?,
            embedder,
            cache: crate::memory::cache::ContextCache::new(&config.redis_key_prefix),
        });
        let (crisis_encoder, crisis_detection) = crisis_encoder(&config);
        let engines = Engines {
            crisis_detection,
            llm,
            store: match store.backend() {
                "sqlite" => format!("sqlite ({})", database_url.trim_start_matches("sqlite://")),
                other => other.to_owned(),
            },
            rate_limits: limiter.kind(),
            generated_secrets: secrets.generated.clone(),
            crisis_notifications: notifier.describe(),
            embeddings,
            speech_to_text,
            emotions: match emotions.method() {
                "lexicon" => "word lists (en, es, fr, de)".to_owned(),
                model => format!("example sentences ({model}) and word lists"),
            },
        };
        let cpu_threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let cpu = CpuPool::new("rebloom-cpu", cpu_threads)?;
        let state = AppState(Arc::new(AppInner {
            store,
            vault,
            clock,
            keys: TokenKeys::new(&secrets.jwt_secret),
            hasher: Hasher::new(cpu.clone())?,
            cpu,
            policy: PasswordPolicy::default(),
            limiter,
            in_process_limiter,
            redis,
            metrics: telemetry::metrics_handle(),
            safety: Arc::new(Safety::new().context("safety rules")?),
            crisis_encoder,
            chat,
            guided,
            stt,
            events: EventBus,
            in_flight: Default::default(),
            jobs: crate::jobs::Jobs::new(&[
                crate::jobs::notify::JOBS,
                crate::exports::JOBS,
                crate::memory::JOBS,
                crate::wellbeing::insights::JOBS,
                crate::notifications::JOBS,
            ]),
            notifier,
            memory,
            emotions,
            config,
        }));
        let listener = TcpListener::bind(state.config.bind)
            .await
            .with_context(|| format!("binding {}", state.config.bind))?;
        // Beside the state, not in it: the Socket.IO handle holds the state,
        // and the state holding it back would keep both alive for ever.
        let devices = crate::realtime::Devices::default();
        let router = crate::realtime::attach(
            router(state.clone()).layer(axum::Extension(devices.clone())),
            &state,
            &devices,
        )
        .await;
        Ok(App {
            listener,
            router,
            state,
            engines,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let background = tokio::spawn(background_tasks(self.state.clone()));
        if self.state.config.job_worker {
            crate::wellbeing::insights::start_schedule(&self.state).await;
        }
        let worker = self
            .state
            .config
            .job_worker
            .then(|| tokio::spawn(crate::jobs::worker(self.state.clone())));
        // Streamed replies are many small writes: send them at once (no Nagle delay).
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY");
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        background.abort();
        if let Some(w) = worker {
            w.abort();
        }
        served.context("serving")
    }
}

/// Periodic work: the active-users gauge and forgetting idle rate-limit keys.
async fn background_tasks(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        let since = state.clock.now() - time::Duration::minutes(15);
        match state.store.count_active_users(since).await {
            Ok(n) => metrics::gauge!("active_users_total").set(n as f64),
            Err(e) => tracing::warn!(error = %e, "counting active users failed"),
        }
        if let Some(l) = &state.in_process_limiter {
            l.sweep();
        }
        crate::exports::purge_expired(&state).await;
        // Check-in reminders go out from replicas that run jobs.
        if state.config.job_worker
            && let Err(e) = crate::notifications::tick(&state).await
        {
            tracing::warn!(error = %e, "sending reminders failed");
        }
        // Idempotency records hold replies: keep them only as long as retries happen.
        if let Err(e) = state
            .store
            .purge_idempotency(state.clock.now() - time::Duration::hours(24))
            .await
        {
            tracing::warn!(error = %e, "purging idempotency records failed");
        }
    }
}

/// The OpenAPI document and the router built from the same handlers.
pub fn api_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(openapi::base())
        .merge(routes::ops::router())
        .merge(routes::auth::router())
        .merge(routes::me::router())
        .merge(routes::erasure::router())
        .merge(routes::export::router())
        .merge(routes::clinician::router())
        .merge(crate::audit::router())
        .merge(routes::admin::router())
        .merge(routes::safety::router())
        .merge(routes::trusted_contact::router())
        .merge(crate::memory::routes::router())
        .merge(crate::wellbeing::router())
        .merge(crate::notifications::router())
        .merge(crate::conversation::routes::router())
        .merge(crate::conversation::voice::router())
        .split_for_parts();
    openapi::add_problem_responses(&mut doc);
    (router, doc)
}

fn router(state: AppState) -> Router {
    let (api, doc) = api_parts();
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
        Ok(Decision::Deny { retry_after_secs }) => crate::error::ApiError::TooManyRequests {
            code: "rate_limited",
            retry_after_secs,
        }
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rate limiter unavailable; refusing sign-in");
            crate::error::ApiError::Unavailable("rate_limiter_unavailable").into_response()
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
                .starts_with(crate::error::PROBLEM_JSON.as_bytes())
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
