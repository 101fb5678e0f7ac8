//! Command line and configuration: clap with `REBLOOM_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_RATE_LIMIT: u32 = 600;
const DEFAULT_AUTH_RATE_LIMIT: u32 = 30;
const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Enough for a few hundred people mid-reply on two cores; past it, answers
/// would only get slower for everyone.
const DEFAULT_MAX_IN_FLIGHT: usize = 256;
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Parser)]
#[command(
    name = "rebloom",
    version,
    about = "Rebloom: an AI mental-health companion server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (embedded SQLite default, or PostgreSQL + Redis when configured).
    Serve(Box<Config>),
    /// Print the OpenAPI document generated from the code.
    Openapi,
    /// Run database migrations and exit.
    Migrate(Box<Config>),
    /// Assess messages for risk: JSON lines on stdin (`{"text": …}` or
    /// `{"messages": [{"role", "content"}, …]}`, optional `"country"`), one JSON
    /// line per input on stdout. Needs no database and no network.
    Assess,
    /// Evaluate: `rebloom eval safety` (the assessment), `rebloom eval replay` (the pipeline).
    Eval {
        #[command(subcommand)]
        what: EvalWhat,
    },
    /// Train: `rebloom train safety` (the assessment's heads, from the corpus).
    Train {
        #[command(subcommand)]
        what: TrainWhat,
    },
    /// Encryption keys: `rebloom keys rotate` re-wraps every data key with the
    /// current master key (set the new `REBLOOM_MASTER_KEY` and list the old
    /// one in `REBLOOM_MASTER_KEYS_OLD` first; drop it once this has run).
    Keys {
        #[command(subcommand)]
        what: KeysWhat,
        #[command(flatten)]
        config: Box<Config>,
    },
    /// The audit log: `rebloom audit verify` recomputes the hash chain and
    /// exits with 1 if any entry was altered or removed.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Change a user's role (user, clinician, admin).
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[command(flatten)]
        config: Box<Config>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditWhat {
    /// Check that no entry was altered, inserted or removed.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum KeysWhat {
    /// Re-wrap every data key with the current master key.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum EvalWhat {
    /// Measure the crisis assessment: the corpus's held-apart test split and the
    /// public sets, by language, category and spelling, with the time per message.
    Safety {
        /// The benchmarks folder (givecare-bench, moore-2025, vera-mh, xstest, gaur-2019).
        #[arg(long, default_value = "../shared/eval")]
        eval_dir: PathBuf,
        /// The labelled corpus (its test authors are read, nothing else).
        #[arg(long, default_value = "crates/rebloom-safety/data/corpus")]
        corpus: PathBuf,
        /// Labels for the public sets' messages.
        #[arg(long, default_value = "crates/rebloom-safety/data/public-labels.jsonl")]
        labels: PathBuf,
        /// The models directory (scripts/models.sh).
        #[arg(long, env = "REBLOOM_MODELS_DIR", default_value = "./models")]
        models_dir: PathBuf,
        /// Skip the Gaur et al. Reddit posts (several minutes of long posts).
        #[arg(long)]
        no_gaur: bool,
        /// Measure the dev split instead (for tuning; prints, writes nothing).
        #[arg(long)]
        dev: bool,
        /// Where the report goes.
        #[arg(long, default_value = "docs/safety-eval.md")]
        out: PathBuf,
    },
    /// Replay the safety benchmarks through the pipeline (guided engine) and write a Markdown report.
    Replay {
        /// The benchmarks folder (givecare-bench, moore-2025, vera-mh).
        #[arg(long, default_value = "../shared/eval")]
        eval_dir: PathBuf,
        /// Where the report goes.
        #[arg(long, default_value = "docs/safety-replay.md")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrainWhat {
    /// Train the crisis assessment's heads on the corpus's train authors (fixed seed).
    Safety {
        /// The labelled corpus.
        #[arg(long, default_value = "crates/rebloom-safety/data/corpus")]
        corpus: PathBuf,
        /// The models directory (scripts/models.sh).
        #[arg(long, env = "REBLOOM_MODELS_DIR", default_value = "./models")]
        models_dir: PathBuf,
        /// Where the heads go.
        #[arg(long, default_value = "crates/rebloom-safety/data/heads.json")]
        out: PathBuf,
    },
}

/// Everything the server is configured with.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://path` or `postgres://…`; default: a SQLite file in the data directory.
    #[arg(long, env = "REBLOOM_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL read replica for read-only queries.
    #[arg(long, env = "REBLOOM_DATABASE_READ_URL")]
    pub database_read_url: Option<String>,
    /// PostgreSQL schema to run in (created when missing); default: the search path's.
    #[arg(long, env = "REBLOOM_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// Redis for rate limits and, later, cache, pub/sub and jobs. Without it, in-process.
    #[arg(long, env = "REBLOOM_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix for every Redis key, to share one Redis between deployments.
    #[arg(long, env = "REBLOOM_REDIS_KEY_PREFIX", default_value = "")]
    pub redis_key_prefix: String,
    #[arg(long, env = "REBLOOM_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Where the SQLite database, generated secrets and local files live.
    #[arg(long, env = "REBLOOM_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// HMAC key for access tokens (at least 32 bytes). Generated into the data directory when unset.
    #[arg(long, env = "REBLOOM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Master key for envelope encryption (64 hex chars). Generated into the data directory when unset.
    #[arg(long, env = "REBLOOM_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<SecretString>,
    /// Allowed CORS origins, comma-separated. None: same origin only.
    /// The key store (people's wrapped data keys), kept apart from the data:
    /// `sqlite://…` or `postgres://…`. Default: `keys.db` in the data directory
    /// with SQLite; with PostgreSQL the same database, schema `<schema>_keys`
    /// (`rebloom_keys` without one). Back it up separately, with a short
    /// retention: erasing a person destroys their key here.
    #[arg(long, env = "REBLOOM_KEYS_DATABASE_URL")]
    pub keys_database_url: Option<String>,
    /// Earlier master keys (comma-separated, 64 hex characters each), kept
    /// after a rotation until `rebloom keys rotate` has re-wrapped every data key.
    #[arg(
        long,
        env = "REBLOOM_MASTER_KEYS_OLD",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub master_keys_old: Vec<SecretString>,
    #[arg(long, env = "REBLOOM_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Sentry DSN for error reports (never with message content).
    #[arg(long, env = "REBLOOM_SENTRY_DSN", hide_env_values = true)]
    pub sentry_dsn: Option<SecretString>,
    /// `json`, `pretty`, or `auto` (pretty on a terminal, else JSON).
    #[arg(long, env = "REBLOOM_LOG_FORMAT", default_value = "auto")]
    pub log_format: String,
    /// Requests per minute per client address on the API.
    #[arg(long, env = "REBLOOM_RATE_LIMIT_PER_MINUTE", default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit_per_minute: u32,
    /// Requests per minute per client address on register, login and refresh.
    #[arg(long, env = "REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE", default_value_t = DEFAULT_AUTH_RATE_LIMIT)]
    pub auth_rate_limit_per_minute: u32,
    #[arg(long, env = "REBLOOM_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,
    /// API requests served at once; beyond it, 503 `overloaded` at once (load shedding).
    #[arg(long, env = "REBLOOM_MAX_IN_FLIGHT", default_value_t = DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    #[arg(long, env = "REBLOOM_BODY_LIMIT_BYTES", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit_bytes: usize,
    /// Language-model providers in order of preference, comma-separated (`openai`,
    /// `anthropic`, `local`); default: every configured one. The guided engine always comes last.
    #[arg(long, env = "REBLOOM_LLM_PROVIDERS", value_delimiter = ',')]
    pub llm_providers: Vec<String>,
    /// OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, llama.cpp server).
    #[arg(long, env = "REBLOOM_OPENAI_BASE_URL")]
    pub openai_base_url: Option<String>,
    #[arg(long, env = "REBLOOM_OPENAI_API_KEY", hide_env_values = true)]
    pub openai_api_key: Option<SecretString>,
    #[arg(long, env = "REBLOOM_OPENAI_MODEL", default_value = "gpt-4o-mini")]
    pub openai_model: String,
    #[arg(long, env = "REBLOOM_ANTHROPIC_BASE_URL")]
    pub anthropic_base_url: Option<String>,
    #[arg(long, env = "REBLOOM_ANTHROPIC_API_KEY", hide_env_values = true)]
    pub anthropic_api_key: Option<SecretString>,
    #[arg(
        long,
        env = "REBLOOM_ANTHROPIC_MODEL",
        default_value = "claude-3-5-haiku-latest"
    )]
    pub anthropic_model: String,
    /// Seconds a provider may take to its first chunk before the next one is tried.
    #[arg(
        long,
        env = "REBLOOM_LLM_FIRST_CHUNK_TIMEOUT_SECS",
        default_value_t = 20.0
    )]
    pub llm_first_chunk_timeout_secs: f64,
    /// Longest silence between two chunks of a reply, in seconds.
    #[arg(long, env = "REBLOOM_LLM_CHUNK_TIMEOUT_SECS", default_value_t = 15.0)]
    pub llm_chunk_timeout_secs: f64,
    /// Longest a whole turn may take (every provider tried, the reply stored);
    /// past it the turn is stopped and its session released (503 `reply_timed_out`).
    #[arg(long, env = "REBLOOM_TURN_TIMEOUT_SECS", default_value_t = 300)]
    pub turn_timeout_secs: u64,
    /// OpenAI-compatible speech-to-text (`/audio/transcriptions`) for voice messages;
    /// default: the OpenAI settings when an OpenAI key is configured.
    #[arg(long, env = "REBLOOM_STT_BASE_URL")]
    pub stt_base_url: Option<String>,
    #[arg(long, env = "REBLOOM_STT_API_KEY", hide_env_values = true)]
    pub stt_api_key: Option<SecretString>,
    #[arg(long, env = "REBLOOM_STT_MODEL", default_value = "whisper-1")]
    pub stt_model: String,
    /// A GGUF chat model run in this process by llama.cpp (provider `local`), e.g.
    /// `models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf`. Needs a build
    /// with the `local-llm` feature. Unset: no local model.
    #[arg(long, env = "REBLOOM_LOCAL_LLM_MODEL")]
    pub local_llm_model: Option<std::path::PathBuf>,
    /// CPU threads for one local generation (default: the cores, at most 4).
    #[arg(long, env = "REBLOOM_LOCAL_LLM_THREADS")]
    pub local_llm_threads: Option<u32>,
    /// The local model's context window in tokens (prompt and reply).
    #[arg(long, env = "REBLOOM_LOCAL_LLM_CONTEXT", default_value_t = 2048)]
    pub local_llm_context: u32,
    /// The local model's longest reply in tokens.
    #[arg(long, env = "REBLOOM_LOCAL_LLM_MAX_TOKENS", default_value_t = 256)]
    pub local_llm_max_tokens: u32,
    /// Where on-device models are (`scripts/models.sh` fetches them).
    #[arg(long, env = "REBLOOM_MODELS_DIR", default_value = "./models")]
    pub models_dir: std::path::PathBuf,
    /// The built web app (`npm run build --prefix web`), served at `/`.
    #[arg(long, env = "REBLOOM_WEB_DIR", default_value = "./web/dist")]
    pub web_dir: std::path::PathBuf,
    /// Sentence embeddings (memory search, emotions): `auto` (an
    /// OpenAI-compatible endpoint when `REBLOOM_EMBEDDINGS_BASE_URL` is set,
    /// else the local all-MiniLM-L6-v2 when present, else none), `local`,
    /// `openai` or `off`.
    #[arg(long, env = "REBLOOM_EMBEDDINGS", default_value = "auto")]
    pub embeddings: String,
    /// OpenAI-compatible embeddings endpoint (everything before `/embeddings`).
    #[arg(long, env = "REBLOOM_EMBEDDINGS_BASE_URL")]
    pub embeddings_base_url: Option<String>,
    #[arg(long, env = "REBLOOM_EMBEDDINGS_API_KEY", hide_env_values = true)]
    pub embeddings_api_key: Option<SecretString>,
    #[arg(
        long,
        env = "REBLOOM_EMBEDDINGS_MODEL",
        default_value = "text-embedding-3-small"
    )]
    pub embeddings_model: String,
    #[arg(long, env = "REBLOOM_EMBEDDINGS_DIMENSIONS", default_value_t = 1536)]
    pub embeddings_dimensions: usize,
    /// Largest voice upload, in bytes.
    #[arg(long, env = "REBLOOM_VOICE_LIMIT_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub voice_limit_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "REBLOOM_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// How often an idle job worker looks for due jobs, in milliseconds (jobs
    /// enqueued on this replica wake it at once).
    #[arg(long, env = "REBLOOM_JOB_POLL_MS", default_value_t = 1000)]
    pub job_poll_ms: u64,
    /// Whether this replica runs background jobs (turn off on replicas that
    /// should only serve requests).
    #[arg(long, env = "REBLOOM_JOB_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub job_worker: bool,
    /// Crisis notifications: a webhook that receives each high/critical event
    /// (ids, level, categories and time; never message text), signed with HMAC-SHA256.
    #[arg(long, env = "REBLOOM_CRISIS_WEBHOOK_URL")]
    pub crisis_webhook_url: Option<String>,
    /// The webhook's signing secret; required with the URL.
    #[arg(long, env = "REBLOOM_CRISIS_WEBHOOK_SECRET", hide_env_values = true)]
    pub crisis_webhook_secret: Option<SecretString>,
    /// Outgoing mail: `smtp://user:pass@host:587?tls=required`, `smtps://…:465`
    /// or `smtp://localhost:25` (lettre's URL format).
    #[arg(long, env = "REBLOOM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// The sender of Rebloom's e-mails.
    #[arg(long, env = "REBLOOM_SMTP_FROM", default_value = DEFAULT_SMTP_FROM)]
    pub smtp_from: String,
    /// Who is e-mailed about crisis events (the on-call clinician or safety team).
    #[arg(long, env = "REBLOOM_CRISIS_EMAIL_TO", value_delimiter = ',')]
    pub crisis_email_to: Vec<String>,
}

const DEFAULT_SMTP_FROM: &str = "Rebloom <no-reply@rebloom.invalid>";

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            database_read_url: None,
            database_schema: None,
            redis_url: None,
            redis_key_prefix: String::new(),
            bind: DEFAULT_BIND
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            jwt_secret: None,
            master_key: None,
            master_keys_old: Vec::new(),
            keys_database_url: None,
            cors_origins: Vec::new(),
            sentry_dsn: None,
            log_format: "auto".into(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT,
            auth_rate_limit_per_minute: DEFAULT_AUTH_RATE_LIMIT,
            request_timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            body_limit_bytes: DEFAULT_BODY_LIMIT,
            trust_proxy: false,
            llm_providers: Vec::new(),
            openai_base_url: None,
            openai_api_key: None,
            openai_model: "gpt-4o-mini".into(),
            anthropic_base_url: None,
            anthropic_api_key: None,
            anthropic_model: "claude-3-5-haiku-latest".into(),
            llm_first_chunk_timeout_secs: 20.0,
            llm_chunk_timeout_secs: 15.0,
            turn_timeout_secs: 300,
            stt_base_url: None,
            stt_api_key: None,
            stt_model: "whisper-1".into(),
            local_llm_model: None,
            local_llm_threads: None,
            local_llm_context: 2048,
            local_llm_max_tokens: 256,
            models_dir: "./models".into(),
            web_dir: "./web/dist".into(),
            embeddings: "auto".into(),
            embeddings_base_url: None,
            embeddings_api_key: None,
            embeddings_model: "text-embedding-3-small".into(),
            embeddings_dimensions: 1536,
            voice_limit_bytes: 10 * 1024 * 1024,
            job_poll_ms: 1000,
            job_worker: true,
            crisis_webhook_url: None,
            crisis_webhook_secret: None,
            smtp_url: None,
            smtp_from: DEFAULT_SMTP_FROM.into(),
            crisis_email_to: Vec::new(),
        }
    }
}

impl Config {
    /// The key store in force: its URL and, for PostgreSQL, its schema.
    pub fn effective_keys_store(&self) -> (String, Option<String>) {
        if let Some(url) = &self.keys_database_url {
            return (url.clone(), None);
        }
        match &self.database_url {
            Some(url) if !url.starts_with("sqlite:") => (
                url.clone(),
                Some(match &self.database_schema {
                    Some(s) => format!("{s}_keys"),
                    None => "rebloom_keys".to_owned(),
                }),
            ),
            _ => (
                format!("sqlite://{}", self.data_dir.join("keys.db").display()),
                None,
            ),
        }
    }

    /// The database URL in force: the configured one, else SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("rebloom.db").display()),
        }
    }
}

/// Every `REBLOOM_*` variable the server reads; others are warned about at start-up.
const KNOWN_ENV: &[&str] = &[
    "REBLOOM_DATABASE_URL",
    "REBLOOM_DATABASE_READ_URL",
    "REBLOOM_REDIS_URL",
    "REBLOOM_DATABASE_SCHEMA",
    "REBLOOM_REDIS_KEY_PREFIX",
    "REBLOOM_BIND",
    "REBLOOM_DATA_DIR",
    "REBLOOM_JWT_SECRET",
    "REBLOOM_MASTER_KEY",
    "REBLOOM_MASTER_KEYS_OLD",
    "REBLOOM_KEYS_DATABASE_URL",
    "REBLOOM_CORS_ORIGINS",
    "REBLOOM_SENTRY_DSN",
    "REBLOOM_LOG_FORMAT",
    "REBLOOM_LOG",
    "REBLOOM_RATE_LIMIT_PER_MINUTE",
    "REBLOOM_AUTH_RATE_LIMIT_PER_MINUTE",
    "REBLOOM_REQUEST_TIMEOUT_SECS",
    "REBLOOM_MAX_IN_FLIGHT",
    "REBLOOM_BODY_LIMIT_BYTES",
    "REBLOOM_TRUST_PROXY",
    "REBLOOM_LLM_PROVIDERS",
    "REBLOOM_OPENAI_BASE_URL",
    "REBLOOM_OPENAI_API_KEY",
    "REBLOOM_OPENAI_MODEL",
    "REBLOOM_ANTHROPIC_BASE_URL",
    "REBLOOM_ANTHROPIC_API_KEY",
    "REBLOOM_ANTHROPIC_MODEL",
    "REBLOOM_LLM_FIRST_CHUNK_TIMEOUT_SECS",
    "REBLOOM_LLM_CHUNK_TIMEOUT_SECS",
    "REBLOOM_TURN_TIMEOUT_SECS",
    "REBLOOM_STT_BASE_URL",
    "REBLOOM_STT_API_KEY",
    "REBLOOM_STT_MODEL",
    "REBLOOM_LOCAL_LLM_MODEL",
    "REBLOOM_LOCAL_LLM_THREADS",
    "REBLOOM_LOCAL_LLM_CONTEXT",
    "REBLOOM_LOCAL_LLM_MAX_TOKENS",
    "REBLOOM_MODELS_DIR",
    "REBLOOM_EMBEDDINGS",
    "REBLOOM_EMBEDDINGS_BASE_URL",
    "REBLOOM_EMBEDDINGS_API_KEY",
    "REBLOOM_EMBEDDINGS_MODEL",
    "REBLOOM_EMBEDDINGS_DIMENSIONS",
    "REBLOOM_VOICE_LIMIT_BYTES",
    "REBLOOM_JOB_POLL_MS",
    "REBLOOM_JOB_WORKER",
    "REBLOOM_CRISIS_WEBHOOK_URL",
    "REBLOOM_CRISIS_WEBHOOK_SECRET",
    "REBLOOM_SMTP_URL",
    "REBLOOM_SMTP_FROM",
    "REBLOOM_CRISIS_EMAIL_TO",
    "REBLOOM_TEST_DATABASE_URL",
    "REBLOOM_TEST_REDIS_URL",
];

/// Names of `REBLOOM_*` variables in the environment that nothing reads (likely typos).
pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("REBLOOM_") && !KNOWN_ENV.contains(&k.as_str()))
        .collect()
}
