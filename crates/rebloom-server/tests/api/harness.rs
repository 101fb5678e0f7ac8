//! The fixture: a real server per test on 127.0.0.1:0, a `ManualClock` to move
//! time, and a small HTTP helper that checks what every response must carry.
//!
//! Backends: a SQLite file in a temporary directory; PostgreSQL from
//! `REBLOOM_TEST_DATABASE_URL` in a schema of its own, dropped at the end (also
//! when the case panics); PostgreSQL plus Redis from `REBLOOM_TEST_REDIS_URL`
//! with a key prefix of its own. A PostgreSQL or Redis that cannot be reached
//! fails the test; nothing is skipped.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rebloom_core::clock::ManualClock;
use rebloom_server::{App, AppState, Config};
use rebloom_store::Role;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// Rate limits high enough that only the rate-limit cases ever meet them.
const RELAXED_LIMIT: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// The scaled-out setup: PostgreSQL and the Redis rate limiter.
    PostgresRedis,
}

impl Backend {
    /// The backend a generated test is named after (see `cases!`).
    pub fn named(name: &str) -> Backend {
        match name {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            "postgres_redis" => Backend::PostgresRedis,
            other => panic!("unknown backend {other}"),
        }
    }

    pub fn is_postgres(self) -> bool {
        matches!(self, Backend::Postgres | Backend::PostgresRedis)
    }

    pub fn has_redis(self) -> bool {
        self == Backend::PostgresRedis
    }

    /// What `/ready` reports as the store.
    pub fn store_name(self) -> &'static str {
        if self.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

fn pg_url() -> String {
    std::env::var("REBLOOM_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn redis_url() -> String {
    std::env::var("REBLOOM_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned())
}

struct Running {
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<anyhow::Result<()>>,
}

struct CtxInner {
    backend: Backend,
    /// Data directory of every app of this test: SQLite file and generated secrets.
    dir: tempfile::TempDir,
    schema: Option<String>,
    redis_prefix: Option<String>,
    servers: Mutex<Vec<Running>>,
}

/// One test's deployment: every app spawned from it shares the database
/// (PostgreSQL schema or SQLite file), the secrets and the Redis key prefix,
/// like replicas of one installation.
#[derive(Clone)]
pub struct Ctx(Arc<CtxInner>);

impl Ctx {
    pub fn backend(&self) -> Backend {
        self.0.backend
    }

    /// The configuration an app of this test starts from.
    pub fn config(&self) -> Config {
        Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data_dir: self.0.dir.path().to_path_buf(),
            database_url: self.0.schema.as_ref().map(|_| pg_url()),
            database_schema: self.0.schema.clone(),
            redis_url: self.0.redis_prefix.as_ref().map(|_| redis_url()),
            redis_key_prefix: self.0.redis_prefix.clone().unwrap_or_default(),
            trust_proxy: true,
            rate_limit_per_minute: RELAXED_LIMIT,
            auth_rate_limit_per_minute: RELAXED_LIMIT,
            ..Config::default()
        }
    }

    /// A server with the test's configuration.
    pub async fn spawn_app(&self) -> TestApp {
        self.spawn_app_with(|_| {}).await
    }

    /// A server with the test's configuration as changed by `tweak`.
    pub async fn spawn_app_with(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.config();
        tweak(&mut config);
        // Whole seconds, so that lock-out times and Retry-After are exact.
        let start = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let clock = ManualClock::new(start);
        let app = App::build_with_clock(config.clone(), Arc::new(clock.clone()))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "building the app on {:?} failed (is the database reachable?): {e:#}",
                    self.0.backend
                )
            });
        let addr = app.local_addr().unwrap();
        let state = app.state();
        let (shutdown, rx) = oneshot::channel::<()>();
        // The listener is bound already: requests can be sent right away.
        let server = tokio::spawn(app.run(async move {
            let _ = rx.await;
        }));
        self.0
            .servers
            .lock()
            .unwrap()
            .push(Running { shutdown, server });
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        TestApp {
            base_url: format!("http://{addr}"),
            client,
            clock,
            state,
            config,
        }
    }
}

/// Runs `case` on `backend` and cleans up afterwards, also when it panics.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let id = Uuid::new_v4().simple().to_string();
    let admin_pool = if backend.is_postgres() {
        let url = pg_url();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for these tests: {e}"));
        Some(pool)
    } else {
        None
    };
    let redis = if backend.has_redis() {
        let url = redis_url();
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut conn = tokio::time::timeout(
            Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("Redis at {url} is required for these tests"));
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
        assert_eq!(pong, "PONG");
        Some(conn)
    } else {
        None
    };
    let ctx = Ctx(Arc::new(CtxInner {
        backend,
        dir: tempfile::TempDir::new().unwrap(),
        schema: admin_pool.as_ref().map(|_| format!("t_{id}")),
        redis_prefix: redis.as_ref().map(|_| format!("t_{id}:")),
        servers: Mutex::new(Vec::new()),
    }));

    // On its own task, so that a panic is caught here and the cleanup still runs.
    let outcome = tokio::spawn(case(ctx.clone())).await;

    let servers = std::mem::take(&mut *ctx.0.servers.lock().unwrap());
    for running in servers {
        let _ = running.shutdown.send(());
        match tokio::time::timeout(Duration::from_secs(10), running.server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => panic!("the server failed: {e:#}"),
            Ok(Err(e)) => panic!("the server task failed: {e}"),
            Err(_) => panic!("the server did not shut down within 10 s"),
        }
    }
    if let (Some(pool), Some(schema)) = (&admin_pool, &ctx.0.schema) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema}, {schema}_keys CASCADE"
        )))
        .execute(pool)
        .await
        .expect("drop the test schemas");
        pool.close().await;
    }
    if let (Some(mut conn), Some(prefix)) = (redis, &ctx.0.redis_prefix) {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut conn)
                .await
                .unwrap();
        }
    }
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    /// The server's state, for what the API cannot do (making the first admin).
    pub state: AppState,
    pub config: Config,
}

/// Tokens and account of a signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user: Value,
}

impl Session {
    pub fn id(&self) -> &str {
        self.user["id"].as_str().unwrap()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn request(&self, method: Method, path: &str) -> Req {
        Req(self.client.request(method, self.url(path)))
    }

    pub fn get(&self, path: &str) -> Req {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Req {
        self.request(Method::PATCH, path)
    }

    pub fn advance(&self, by: time::Duration) {
        self.clock.advance(by);
    }

    /// The HMAC key the server signs access tokens with (generated into the data directory).
    pub fn jwt_secret(&self) -> Vec<u8> {
        let path = self.config.data_dir.join("secrets").join("jwt_secret");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            .trim()
            .as_bytes()
            .to_vec()
    }

    /// One raw HTTP/1.1 exchange on a new connection, for what reqwest does not
    /// send (chunked request bodies). The request should say `Connection: close`.
    pub async fn raw(&self, request: &[u8]) -> Resp {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base_url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = Vec::new();
        // The server may close before reading everything; keep what arrived.
        let _ = stream.read_to_end(&mut out).await;
        let split = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&out)));
        let head = std::str::from_utf8(&out[..split]).unwrap();
        let mut rest = out[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let code: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = HeaderMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap();
            headers.append(
                HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                HeaderValue::from_str(value.trim()).unwrap(),
            );
        }
        if headers
            .get("transfer-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"))
        {
            let mut body = Vec::new();
            loop {
                let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
                let size =
                    usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16)
                        .unwrap();
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
                rest.drain(..eol + 2 + size + 2);
            }
            rest = body;
        }
        let r = Resp {
            status: StatusCode::from_u16(code).unwrap(),
            headers,
            body: rest,
        };
        r.check_common();
        r
    }

    /// Registers an account (201) and returns its first session.
    pub async fn register(&self, email: &str, password: &str) -> Session {
        let resp = self
            .post("/api/auth/register")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await;
        Session::from(resp.success(StatusCode::CREATED))
    }

    pub async fn login_resp(&self, email: &str, password: &str) -> Resp {
        self.post("/api/auth/login")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
    }

    /// Logs in (200) and returns the new session.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        Session::from(
            self.login_resp(email, password)
                .await
                .success(StatusCode::OK),
        )
    }

    pub async fn refresh_resp(&self, refresh: &str) -> Resp {
        self.post("/api/auth/refresh")
            .json(&serde_json::json!({ "refreshToken": refresh }))
            .send()
            .await
    }

    /// Starts a conversation as `s` (`POST /api/conversations` with `body`, 201).
    pub async fn start(&self, s: &Session, body: Value) -> Value {
        self.post("/api/conversations")
            .token(&s.access)
            .json(&body)
            .send()
            .await
            .success(StatusCode::CREATED)
    }

    /// Sends a message in a session as `s` and returns the turn (200).
    pub async fn say(&self, s: &Session, session: &impl serde::Serialize, text: &str) -> Value {
        self.post(&format!("/api/conversations/{}/messages", s.id()))
            .token(&s.access)
            .json(&serde_json::json!({ "message": text, "sessionId": session }))
            .send()
            .await
            .success(StatusCode::OK)
    }

    /// A page of the messages of `s`'s session `session_id`, newest first (200).
    pub async fn session_messages(&self, s: &Session, session_id: impl std::fmt::Display) -> Value {
        self.get(&format!(
            "/api/conversations/messages?sessionId={session_id}"
        ))
        .token(&s.access)
        .send()
        .await
        .success(StatusCode::OK)
    }

    /// Changes `s`'s profile (200).
    pub async fn set_profile(&self, s: &Session, changes: Value) {
        self.patch("/api/me/profile")
            .token(&s.access)
            .json(&changes)
            .send()
            .await
            .success(StatusCode::OK);
    }

    /// Runs every due job now (tests that start the app with `job_worker = false`).
    pub async fn run_jobs(&self) {
        while self.state.jobs.run_one(&self.state).await.unwrap() {}
    }

    pub async fn me(&self, access: &str) -> Resp {
        self.get("/api/me").token(access).send().await
    }

    /// Gives the account a role directly in the store (how the first admin is made).
    pub async fn set_role(&self, user_id: &str, role: Role) {
        let id = Uuid::parse_str(user_id).unwrap();
        let changed = self
            .state
            .store
            .set_user_role(id, role, self.state.clock.now())
            .await
            .unwrap();
        assert!(changed, "no user {user_id}");
    }
}

impl From<Value> for Session {
    fn from(v: Value) -> Session {
        let access = v["accessToken"].as_str().expect("accessToken").to_owned();
        let refresh = v["refreshToken"].as_str().expect("refreshToken").to_owned();
        assert_eq!(v["tokenType"], "Bearer");
        assert_eq!(v["expiresIn"], 15 * 60);
        assert_eq!(v["refreshExpiresIn"], 7 * 24 * 3600);
        assert!(v["user"]["id"].is_string(), "{v}");
        Session {
            access,
            refresh,
            user: v["user"].clone(),
        }
    }
}

/// A request being built.
pub struct Req(reqwest::RequestBuilder);

impl Req {
    pub fn token(self, access: &str) -> Req {
        Req(self.0.bearer_auth(access))
    }

    /// The client address, as a trusted proxy would pass it on.
    pub fn ip(self, ip: &str) -> Req {
        self.header("x-forwarded-for", ip)
    }

    pub fn header(self, name: &str, value: &str) -> Req {
        Req(self.0.header(name, value))
    }

    pub fn raw_header(self, name: &'static str, value: &[u8]) -> Req {
        Req(self.0.header(
            HeaderName::from_static(name),
            HeaderValue::from_bytes(value).unwrap(),
        ))
    }

    pub fn json(self, body: &Value) -> Req {
        Req(self.0.json(body))
    }

    /// A body of any bytes with any content type.
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Req {
        Req(self.0.header(CONTENT_TYPE, content_type).body(body.into()))
    }

    /// A body without a content type.
    pub fn bytes(self, body: impl Into<Vec<u8>>) -> Req {
        Req(self.0.body(body.into()))
    }

    /// Sends and reads the whole response; checks what every response carries.
    pub async fn send(self) -> Resp {
        let resp = self.0.send().await.expect("the server answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.expect("the response body").to_vec();
        let r = Resp {
            status,
            headers,
            body,
        };
        r.check_common();
        r
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// Every response: a request id, the security headers, and never an internal error.
    fn check_common(&self) {
        let id = self.header("x-request-id");
        assert!(
            id.is_some_and(|v| !v.is_empty()),
            "no x-request-id on {} {}",
            self.status,
            self.text()
        );
        assert_eq!(
            self.header("x-content-type-options"),
            Some("nosniff"),
            "on {}",
            self.status
        );
        assert!(
            self.header("content-security-policy")
                .is_some_and(|v| !v.is_empty()),
            "no content-security-policy on {}",
            self.status
        );
        assert!(
            !self.status.is_server_error() || self.status == StatusCode::SERVICE_UNAVAILABLE,
            "server error {}: {}",
            self.status,
            self.text()
        );
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts a JSON success response with `status` and returns its body.
    pub fn success(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert!(
            self.content_type().starts_with("application/json"),
            "content type {:?}",
            self.content_type()
        );
        self.json()
    }

    /// Asserts the status is 204 with an empty body.
    pub fn expect_no_content(&self) {
        assert_eq!(self.status, StatusCode::NO_CONTENT, "body: {}", self.text());
        assert!(self.body.is_empty());
    }

    /// Asserts any RFC 9457 problem response; returns the body.
    pub fn any_problem(&self) -> Value {
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "{} with content type {:?}: {}",
            self.status,
            self.content_type(),
            self.text()
        );
        let v = self.json();
        assert_eq!(v["status"], self.status.as_u16(), "{v}");
        assert!(v["code"].as_str().is_some_and(|c| !c.is_empty()), "{v}");
        assert!(v["title"].is_string(), "{v}");
        assert!(
            v["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("https://")),
            "{v}"
        );
        v
    }

    /// Asserts a problem response with `status` and `code`; returns the body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        let v = self.any_problem();
        assert_eq!(v["code"], code, "{v}");
        if status == 401 {
            assert_eq!(self.header("www-authenticate"), Some("Bearer"));
        }
        v
    }

    /// `(field, code)` of every entry of a 422's `errors`.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        let v = self.problem(422, "validation_failed");
        v["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {v}"))
            .iter()
            .map(|e| {
                assert!(e["message"].is_string(), "{e}");
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// `Retry-After` in seconds.
    pub fn retry_after(&self) -> u64 {
        self.header("retry-after")
            .unwrap_or_else(|| panic!("no Retry-After on {}", self.status))
            .parse()
            .unwrap()
    }
}

/// `(field, code)` pairs, for comparing with [`Resp::field_errors`].
pub fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}

/// The on-device models fetched by scripts/models.sh, holding `model` (a
/// path inside the folder); the test fails without it.
pub fn models_with(model: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    assert!(
        dir.join(model).exists(),
        "no {model} in models/: run scripts/models.sh"
    );
    dir
}
