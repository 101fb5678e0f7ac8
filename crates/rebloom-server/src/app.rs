//! The application state and the server: bound to its listener, serving the
//! router of `http::middleware`, with its background work. What the state is
//! built from is `wiring`.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use rebloom_core::clock::{Clock, SystemClock};
use rebloom_core::events::EventBus;
use rebloom_core::jobs::Jobs;
use rebloom_store::Store;
use redis::aio::ConnectionManager;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::ratelimit::{InProcessLimiter, RateLimiter};
use rebloom_safety::Safety;

pub struct AppInner {
    /// The store, behind the encryption layer. Every area reaches it through
    /// its service; read here only by what belongs to the server itself: the
    /// readiness check, the periodic gauge and purges, and `Idempotency-Key`
    /// records.
    pub store: Arc<dyn Store>,
    /// The same store as the encryption layer (the tests read sealed rows with it).
    pub vault: Arc<rebloom_store::EncryptedStore>,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<dyn RateLimiter>,
    pub in_process_limiter: Option<Arc<InProcessLimiter>>,
    pub redis: Option<ConnectionManager>,
    pub config: Config,
    pub metrics: PrometheusHandle,
    /// Crisis assessment, safe replies, resources and the output guard.
    pub safety: Arc<Safety>,
    /// Speech-to-text for voice messages, when configured.
    pub stt: Option<Arc<dyn rebloom_ai::stt::SpeechToText>>,
    pub events: EventBus,
    /// The durable job queue (wakes this replica's worker).
    pub jobs: Jobs<AppState>,
    /// Crisis webhooks and e-mail: the sending.
    pub notifier: Arc<crate::notify::Notifier>,
    /// Who hears of a crisis or a request to tell a trusted contact.
    pub notices: rebloom_core::notices::Notices,
    /// What the companion remembers: rules, embedder and context cache.
    pub memory: Arc<rebloom_core::memory::MemoryService>,
    /// Conversations: sending a message (every transport), the turn, the
    /// crisis state and check-in, opening and ending sessions.
    pub conversations: rebloom_core::conversation::Conversations,
    /// Moods, trends, goals, engagement and questionnaires, read.
    pub wellbeing: rebloom_core::wellbeing::Wellbeing,
    /// The inbox and check-in reminders.
    pub notifications: rebloom_core::notifications::Notifications,
    /// Clinicians' grants and what they read through them.
    pub clinicians: rebloom_core::clinicians::Clinicians,
    /// Accounts, their sessions and tokens.
    pub accounts: rebloom_core::accounts::Accounts,
    /// Profiles and preferences, read and changed.
    pub profiles: rebloom_core::profile::Profiles,
    /// The safety plan, read and saved.
    pub safety_plans: rebloom_core::safety_plan::SafetyPlans,
    /// The trusted contact, named, read and withdrawn.
    pub trusted_contacts: rebloom_core::trusted_contact::TrustedContacts,
    /// Exports and erasure.
    pub privacy: rebloom_core::privacy::Privacy,
    /// Weekly insights.
    pub insights: rebloom_core::insights::Insights,
    /// The audit log, appended to.
    pub audit: rebloom_core::audit::Audit,
}

/// Runs one job with the server's state (see [`rebloom_core::jobs`]).
pub type JobHandler = rebloom_core::jobs::Handler<AppState>;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

impl AppState {
    pub fn new(inner: AppInner) -> AppState {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

/// Each service is its own piece of the state: a handler takes
/// `State<Service>` for the one it uses, not the whole `AppState`.
macro_rules! services {
    ($($field:ident: $ty:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> $ty {
                state.$field.clone()
            }
        })*
    };
}

services! {
    accounts: rebloom_core::accounts::Accounts,
    audit: rebloom_core::audit::Audit,
    clinicians: rebloom_core::clinicians::Clinicians,
    conversations: rebloom_core::conversation::Conversations,
    insights: rebloom_core::insights::Insights,
    memory: Arc<rebloom_core::memory::MemoryService>,
    notices: rebloom_core::notices::Notices,
    notifications: rebloom_core::notifications::Notifications,
    privacy: rebloom_core::privacy::Privacy,
    profiles: rebloom_core::profile::Profiles,
    safety_plans: rebloom_core::safety_plan::SafetyPlans,
    trusted_contacts: rebloom_core::trusted_contact::TrustedContacts,
    wellbeing: rebloom_core::wellbeing::Wellbeing,
    clock: Arc<dyn Clock>,
    safety: Arc<Safety>,
}

impl FromRef<AppState> for rebloom_core::jobs::Queue {
    fn from_ref(state: &AppState) -> rebloom_core::jobs::Queue {
        state.jobs.queue().clone()
    }
}

/// A built server, bound to its listener, not yet serving.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    pub engines: crate::wiring::Engines,
}

impl App {
    /// Builds with the system clock.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        App::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Connects the store (running migrations), loads or generates secrets and
    /// binds the listener. Port 0 picks a free port (tests).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let (state, engines) = crate::wiring::state(config, clock).await?;
        let listener = TcpListener::bind(state.config.bind)
            .await
            .with_context(|| format!("binding {}", state.config.bind))?;
        // Beside the state, not in it: the Socket.IO handle holds the state,
        // and the state holding it back would keep both alive for ever.
        let devices = crate::realtime::Devices::default();
        let router = crate::realtime::attach(
            crate::http::middleware::router(state.clone()).layer(axum::Extension(devices.clone())),
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
            self.state.insights.start_schedule().await;
        }
        let worker = self.state.config.job_worker.then(|| {
            let state = self.state.clone();
            let poll = Duration::from_millis(state.config.job_poll_ms.max(10));
            tokio::spawn(async move { state.jobs.work(state.clone(), poll).await })
        });
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
        state.privacy.purge_expired().await;
        // Check-in reminders go out from replicas that run jobs.
        if state.config.job_worker
            && let Err(e) = state.notifications.tick().await
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
