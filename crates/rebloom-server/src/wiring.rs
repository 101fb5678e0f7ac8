//! Wiring: the services and ports built from configuration. The server,
//! the CLI and the tests start here; only `rebloom serve` binds a listener,
//! and the CLI's store commands open the store alone.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use rebloom_ai::guided::GuidedEngine;
use rebloom_ai::guided::answers::AnswerIndex;
use rebloom_core::audit::Audit;
use rebloom_core::clinicians::Clinicians;
use rebloom_core::clock::{Clock, SystemClock};
use rebloom_core::conversation::{ConversationParts, Conversations, CrisisEncoder};
use rebloom_core::cpu_pool::CpuPool;
use rebloom_core::events::EventBus;
use rebloom_core::insights::{self, Insights};
use rebloom_core::jobs::{Jobs, Queue};
use rebloom_core::mail::Mailer;
use rebloom_core::memory::cache::{CachedEmbedder, ContextCache};
use rebloom_core::memory::extract::Extractor;
use rebloom_core::memory::{LEARN, MemoryParts, MemoryService};
use rebloom_core::notices::{CLINICIAN_EMAIL, CONTACT_EMAIL, NoticeParts, Notices};
use rebloom_core::notifications::{self, Notifications};
use rebloom_core::privacy::export::EXPORT_JOB;
use rebloom_core::privacy::{Privacy, PrivacyParts};
use rebloom_core::profile::Profiles;
use rebloom_core::safety_plan::SafetyPlans;
use rebloom_core::trusted_contact::TrustedContacts;
use rebloom_core::wellbeing::Wellbeing;
use rebloom_safety::Safety;
use rebloom_store::{ConnectOptions, EncryptedStore, KeyStoreOptions, Store};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;

use crate::app::{AppInner, AppState, JobHandler};

/// The memory service's job (the service is `rebloom-core`'s).
const MEMORY_JOBS: &[(&str, JobHandler)] = &[(LEARN, |s, j| {
    Box::pin(async move { s.memory.learn(&j.payload).await })
})];
/// The export's job (the service is `rebloom-core`'s).
const EXPORT_JOBS: &[(&str, JobHandler)] = &[(EXPORT_JOB, |s, j| {
    Box::pin(async move { s.privacy.build_export(&j).await })
})];
/// The jobs of weekly insights (the service is `rebloom-core`'s).
const INSIGHT_JOBS: &[(&str, JobHandler)] = &[
    (insights::WEEKLY, |s, j| {
        Box::pin(async move { s.insights.run_weekly(&j.payload).await })
    }),
    (insights::SCHEDULE, |s, j| {
        Box::pin(async move { s.insights.run_schedule(&j.payload).await })
    }),
];
/// The e-mails to a trusted contact and to linked clinicians (`rebloom-core`'s notices).
const NOTICE_JOBS: &[(&str, JobHandler)] = &[
    (CONTACT_EMAIL, |s, j| {
        Box::pin(async move { s.notices.run_contact_email(&j).await })
    }),
    (CLINICIAN_EMAIL, |s, j| {
        Box::pin(async move { s.notices.run_clinician_email(&j).await })
    }),
];
/// The e-mail of a notification (the service is `rebloom-core`'s).
const NOTIFICATION_JOBS: &[(&str, JobHandler)] = &[(notifications::EMAIL, |s, j| {
    Box::pin(async move { s.notifications.run_email(&j).await })
})];
use crate::config::Config;
use crate::ratelimit::{InProcessLimiter, RateLimiter, RedisLimiter};
use crate::{secrets, telemetry};
use rebloom_core::accounts::Accounts;
use rebloom_core::accounts::password::Hasher;
use rebloom_core::accounts::tokens::TokenKeys;

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

fn redis_manager(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url).context("invalid REBLOOM_REDIS_URL")?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client, config).context("redis connection manager")
}

/// The on-device encoder (`rebloom-local`) as the conversation's port.
struct LocalEncoder(rebloom_local::encoder::SafetyEncoder);

impl CrisisEncoder for LocalEncoder {
    fn views(&self, text: &str) -> Result<Vec<Vec<f32>>, String> {
        self.0.views(text).map_err(|e| e.to_string())
    }
}

/// The guided engine's answer library embedded by the crisis encoder (the
/// same model reads every message), for finding answers by meaning. Built
/// once per process: the library and the model are fixed, and a process may
/// run many servers (the tests).
fn answer_index(
    encoder: Option<&Arc<dyn CrisisEncoder>>,
    guided: &GuidedEngine,
) -> Option<Arc<AnswerIndex>> {
    static INDEX: OnceLock<Arc<AnswerIndex>> = OnceLock::new();
    if let Some(index) = INDEX.get() {
        return Some(index.clone());
    }
    let encoder = encoder?;
    let since = std::time::Instant::now();
    let built = guided.answer_index(|texts| {
        texts
            .iter()
            .map(|t| {
                encoder
                    .views(t)
                    .and_then(|v| v.into_iter().next().ok_or_else(|| "no view".to_owned()))
            })
            .collect::<Result<Vec<_>, String>>()
    });
    match built {
        Ok(index) => {
            tracing::info!(
                ms = since.elapsed().as_millis() as u64,
                "answer library embedded"
            );
            Some(INDEX.get_or_init(|| Arc::new(index)).clone())
        }
        Err(e) => {
            tracing::error!(error = %e, "embedding the answer library failed; questions are matched by their words alone");
            None
        }
    }
}

/// Loads the crisis assessment's encoder and reads one message with it, so the
/// first person's message does not pay for loading; says what detection runs.
fn crisis_encoder(config: &Config) -> (Option<Arc<dyn CrisisEncoder>>, String) {
    use rebloom_local::encoder::SafetyEncoder;
    let path = SafetyEncoder::model_path(&config.models_dir);
    match SafetyEncoder::load(&config.models_dir) {
        Ok(encoder) => match encoder.views("warming up") {
            Ok(_) => (
                Some(Arc::new(LocalEncoder(encoder))),
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

/// The store behind the encryption layer (migrations run), with the secrets
/// it was opened with. What the CLI's store commands need, and no more.
pub async fn store(config: &Config) -> anyhow::Result<(Arc<EncryptedStore>, secrets::Secrets)> {
    if config.database_url.is_none() && !config.data_dir.exists() {
        // Health data lives here: owner only.
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        std::fs::set_permissions(
            &config.data_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
    }
    let secrets = secrets::load(config)?;
    let database_url = config.effective_database_url();
    // Health content is sealed with each person's data key before it reaches the store.
    let ring = Arc::new(rebloom_store::crypto::KeyRing::new(
        *secrets.master_key.expose_secret(),
        secrets.old_master_keys.clone(),
    ));
    let (keys_url, keys_schema) = config.effective_keys_store();
    let vault = rebloom_store::open(
        &ConnectOptions {
            database_url: database_url.clone(),
            read_replica_url: config.database_read_url.clone(),
            max_connections: None,
            schema: config.database_schema.clone(),
        },
        &KeyStoreOptions {
            url: keys_url,
            schema: keys_schema,
        },
        ring,
    )
    .await
    .context("opening the database and its key store")?;
    Ok((vault, secrets))
}

/// What the CLI's account commands run on: the store, the accounts and the
/// audit log; no model, provider or listener is loaded.
pub async fn accounts(config: &Config) -> anyhow::Result<(Accounts, Audit)> {
    let (vault, secrets) = store(config).await?;
    let store: Arc<dyn Store> = vault;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let audit = Audit::new(store.clone(), clock.clone());
    let accounts = Accounts::new(
        &store,
        clock,
        Hasher::new(CpuPool::new("rebloom-cli", 1)?)?,
        TokenKeys::new(&secrets.jwt_secret),
        EventBus,
        audit.clone(),
    );
    Ok((accounts, audit))
}

/// Everything a server runs on, not yet wrapped: tests replace a part (the
/// reply provider) before `AppState::new`.
pub async fn parts(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<(AppInner, Engines)> {
    let (vault, secrets) = store(&config).await?;
    let database_url = config.effective_database_url();
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
    let (stt, speech_to_text) = crate::providers::speech_to_text(&config)?;
    let (chat, llm) = crate::providers::build(&config, guided.clone())?;
    let notifier = Arc::new(crate::notify::Notifier::from_config(&config)?);
    let (embedder, embeddings) = crate::providers::embedder(&config)?;
    // One message is embedded once per turn (emotions, recall, learning).
    let embedder =
        embedder.map(|e| Arc::new(CachedEmbedder::new(e)) as Arc<dyn rebloom_ai::embed::Embedder>);
    let emotions = Arc::new(rebloom_ai::emotion::EmotionClassifier::new(
        embedder.clone(),
    ));
    let safety = Arc::new(Safety::new().context("safety rules")?);
    let queue = Queue::new(store.clone(), clock.clone());
    let audit = Audit::new(store.clone(), clock.clone());
    let memory = Arc::new(MemoryService::new(
        &store,
        clock.clone(),
        MemoryParts {
            safety: safety.clone(),
            extractor: Extractor::new().context("memory rules")?,
            embedder,
            cache: ContextCache::new(redis.clone(), &config.redis_key_prefix),
            jobs: queue.clone(),
            audit: audit.clone(),
        },
    ));
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
    let jobs = Jobs::new(
        queue,
        &[
            crate::notify::JOBS,
            NOTICE_JOBS,
            EXPORT_JOBS,
            MEMORY_JOBS,
            INSIGHT_JOBS,
            NOTIFICATION_JOBS,
        ],
    );
    let mailer = notifier
        .can_email()
        .then(|| notifier.clone() as Arc<dyn Mailer>);
    let notices = Notices::new(
        &store,
        clock.clone(),
        NoticeParts {
            jobs: jobs.queue().clone(),
            channels: notifier.channels(),
            audit: audit.clone(),
            safety: safety.clone(),
            mailer: mailer.clone(),
        },
    );
    let answers = answer_index(crisis_encoder.as_ref(), &guided);
    let conversations = Conversations::new(
        &store,
        clock.clone(),
        ConversationParts {
            safety: safety.clone(),
            encoder: crisis_encoder,
            cpu: cpu.clone(),
            chat,
            answers,
            guided,
            emotions,
            memory: memory.clone(),
            notices: notices.clone(),
            events: EventBus,
            turn_limit: Duration::from_secs(config.turn_timeout_secs.max(1)),
        },
    );
    let wellbeing = Wellbeing::new(&store, clock.clone());
    let notifications = Notifications::new(
        &store,
        clock.clone(),
        wellbeing.clone(),
        jobs.queue().clone(),
        mailer,
    );
    let insights = Insights::new(
        &store,
        clock.clone(),
        wellbeing.clone(),
        notifications.clone(),
        jobs.queue().clone(),
    );
    let privacy = Privacy::new(
        vault.clone(),
        PrivacyParts {
            files: config.data_dir.clone(),
            clock: clock.clone(),
            wellbeing: wellbeing.clone(),
            audit: audit.clone(),
            events: EventBus,
            jobs: jobs.queue().clone(),
        },
    );
    let clinicians = Clinicians::new(&store, clock.clone(), wellbeing.clone(), audit.clone());
    let safety_plans = SafetyPlans::new(&store, clock.clone(), safety.clone());
    let trusted_contacts =
        TrustedContacts::new(&store, clock.clone(), audit.clone(), notices.can_email());
    let accounts = Accounts::new(
        &store,
        clock.clone(),
        Hasher::new(cpu.clone())?,
        TokenKeys::new(&secrets.jwt_secret),
        EventBus,
        audit.clone(),
    );
    let inner = AppInner {
        accounts,
        profiles: Profiles::new(&store, clock.clone()),
        safety_plans,
        trusted_contacts,
        privacy,
        clinicians,
        wellbeing,
        notifications,
        insights,
        audit,
        conversations,
        store,
        vault,
        clock,
        limiter,
        in_process_limiter,
        redis,
        metrics: telemetry::metrics_handle(),
        safety,
        stt,
        events: EventBus,
        notices,
        jobs,
        notifier,
        memory,
        config,
    };
    Ok((inner, engines))
}

/// The application state and what it runs on.
pub async fn state(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<(AppState, Engines)> {
    let (inner, engines) = parts(config, clock).await?;
    Ok((AppState::new(inner), engines))
}
