//! Faults, against the real binary, each asserted:
//! - PostgreSQL stopped with `-m immediate` and restarted under write load (a
//!   private cluster, so the shared one the other tests use stays up): no
//!   acknowledged message lost, none stored twice, clients get 503 (never
//!   another 5xx), recovery time measured;
//! - Redis down: chat keeps working, sign-in fails closed, recovery on its own;
//! - the language model hanging or failing: the guided fallback answers, the
//!   crisis path does not wait for it;
//! - the disk full under SQLite: a clear 503, no corruption, writes resume.
//!
//! Each test prints its figures; with `REBLOOM_PROOF_DIR` set it also writes
//! them there as JSON (`bench/proof.sh` turns them into `docs/resilience.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Guard, postgres_env, serve, test_redis_url};
use serde_json::{Value, json};
use tokio::sync::Mutex;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Writes a test's figures for the proof report.
fn record(name: &str, figures: &Value) {
    eprintln!("fault {name}: {figures}");
    if let Ok(dir) = std::env::var("REBLOOM_PROOF_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            Path::new(&dir).join(format!("fault-{name}.json")),
            serde_json::to_vec_pretty(figures).unwrap(),
        )
        .unwrap();
    }
}

// ---------------------------------------------------------------------------
// A private PostgreSQL cluster (initdb + pg_ctl), run as the postgres user
// when the tests run as root (PostgreSQL refuses to run as root).

struct Postgres {
    _dir: tempfile::TempDir,
    root: PathBuf,
    port: u16,
    bin: PathBuf,
}

fn pg_bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries are under /usr/lib/postgresql")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an installed PostgreSQL with initdb")
}

impl Postgres {
    fn pg(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn init() -> Postgres {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path().join("pg");
        std::fs::create_dir(&root).unwrap();
        if is_root() {
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&root)
                    .status()
                    .unwrap()
                    .success()
            );
            assert!(
                Command::new("chmod")
                    .arg("755")
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let pg = Postgres {
            _dir: dir,
            root,
            port: free_port(),
            bin: pg_bindir(),
        };
        let status = pg
            .pg("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(pg.root.join("data"))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "initdb failed");
        pg.start();
        pg
    }

    /// Starts the cluster and returns once it accepts connections (`pg_ctl -w`).
    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=60",
            self.port,
            self.root.display()
        );
        let status = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.root.join("data"))
            .arg("-l")
            .arg(self.root.join("log"))
            .args(["-o", &opts, "-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start failed");
    }

    /// Stops it the hard way: no checkpoint, clients cut off, crash recovery on start.
    fn stop_immediate(&self) {
        let status = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.root.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop failed");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.root.join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

// ---------------------------------------------------------------------------
// A private Redis on a port of its own.

struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    fn start() -> Redis {
        let mut r = Redis {
            port: free_port(),
            child: None,
        };
        r.up();
        r
    }

    /// Starts redis-server and returns once it answers PING.
    fn up(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--port", &self.port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("redis-server");
        self.child = Some(child);
        let stdout = self.child.as_mut().unwrap().stdout.take().unwrap();
        // It logs "Ready to accept connections" once it listens.
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        loop {
            let line = lines
                .next()
                .expect("redis-server exited before it was ready")
                .unwrap();
            if line.contains("Ready to accept connections") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines.by_ref() {});
    }

    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.down();
    }
}

// ---------------------------------------------------------------------------
// A person talking to the server.

struct Person {
    http: reqwest::Client,
    base: String,
    token: String,
    user_id: String,
    session_id: String,
    email: String,
}

const PASSWORD: &str = "a long unusual passphrase";

async fn person(base: &str, name: &str) -> Person {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let email = format!("{name}-{}@example.org", uuid::Uuid::new_v4().simple());
    let reg = http
        .post(format!("{base}/api/auth/register"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(reg.status(), 201, "{}", reg.text().await.unwrap());
    let body: Value = reg.json().await.unwrap();
    let token = body["accessToken"].as_str().unwrap().to_owned();
    let user_id = body["user"]["id"].as_str().unwrap().to_owned();
    let started: Value = http
        .post(format!("{base}/api/conversations"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session_id = started["sessionId"].as_str().unwrap().to_owned();
    Person {
        http,
        base: base.to_owned(),
        token,
        user_id,
        session_id,
        email,
    }
}

impl Person {
    /// One attempt at sending `text` under `key`: the status and body.
    async fn send(&self, text: &str, key: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(format!(
                "{}/api/conversations/{}/messages",
                self.base, self.user_id
            ))
            .bearer_auth(&self.token)
            .header("idempotency-key", key)
            .json(&json!({ "message": text, "sessionId": self.session_id }))
            .send()
            .await;
        match resp {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(Value::Null))
            }
            // The connection itself failed (never expected: the server stays up).
            Err(_) => (0, Value::Null),
        }
    }

    async fn login(&self) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({ "email": self.email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Every message of the session, oldest first.
    async fn messages(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut url = format!(
                "{}/api/conversations/messages?sessionId={}&limit=100",
                self.base, self.session_id
            );
            if let Some(b) = &before {
                url.push_str(&format!("&before={b}"));
            }
            let page: Value = self
                .http
                .get(url)
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            all.extend(page["messages"].as_array().unwrap().iter().cloned());
            match page["nextCursor"].as_str() {
                Some(c) => before = Some(c.to_owned()),
                None => break,
            }
        }
        all.reverse();
        all
    }
}

/// What the writers saw.
#[derive(Default)]
struct Tally {
    acked: Vec<(usize, String)>,
    statuses: HashMap<u16, usize>,
    codes: HashMap<String, usize>,
    first_ack_after: Option<Instant>,
}

/// Writers that each send numbered messages and retry each one under its
/// idempotency key on 503 (and 409 while the first attempt is still
/// claimed) until it is acknowledged, as a client should.
struct Load {
    stop: Arc<AtomicBool>,
    acks: Arc<AtomicUsize>,
    refusals: Arc<AtomicUsize>,
    tally: Arc<Mutex<Tally>>,
    since: Arc<Mutex<Option<Instant>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(people: Vec<Arc<Person>>) -> Load {
        let load = Load {
            stop: Arc::default(),
            acks: Arc::default(),
            refusals: Arc::default(),
            tally: Arc::default(),
            since: Arc::default(),
            tasks: Vec::new(),
        };
        let tasks = people
            .into_iter()
            .enumerate()
            .map(|(w, p)| {
                let (stop, acks, refusals, tally, since) = (
                    load.stop.clone(),
                    load.acks.clone(),
                    load.refusals.clone(),
                    load.tally.clone(),
                    load.since.clone(),
                );
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        let text = format!("writer {w} message {n}: work has been a lot lately");
                        let key = uuid::Uuid::new_v4().to_string();
                        let mut wait = Duration::from_millis(50);
                        loop {
                            let (status, body) = p.send(&text, &key).await;
                            let mut t = tally.lock().await;
                            *t.statuses.entry(status).or_default() += 1;
                            if let Some(code) = body["code"].as_str() {
                                *t.codes.entry(code.to_owned()).or_default() += 1;
                            }
                            if status == 200 {
                                t.acked.push((w, text.clone()));
                                if let Some(s) = *since.lock().await
                                    && t.first_ack_after.is_none()
                                    && Instant::now() > s
                                {
                                    t.first_ack_after = Some(Instant::now());
                                }
                                acks.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
                            refusals.fetch_add(1, Ordering::SeqCst);
                            if status != 503 && status != 409 {
                                // Anything else is a failure the checks below report.
                                break;
                            }
                            drop(t);
                            // The client's own back-off between retries.
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(Duration::from_millis(500));
                        }
                    }
                })
            })
            .collect();
        Load { tasks, ..load }
    }

    /// Waits (yielding to the writers) until `what` holds.
    async fn until(&self, what: impl Fn(&Load) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !what(self) {
            assert!(Instant::now() < deadline, "the load did not get there");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the writers once their messages in flight are acknowledged: within
    /// a turn's limit, since a turn past it is stopped and its retry goes through.
    async fn finish(self) -> Tally {
        self.stop.store(true, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now()
            + rebloom_core::conversation::send::DEFAULT_TURN_LIMIT
            + Duration::from_secs(30);
        for t in self.tasks {
            let Ok(joined) = tokio::time::timeout_at(deadline, t).await else {
                let t = self.tally.lock().await;
                panic!(
                    "a writer's message was never acknowledged; statuses {:?}, codes {:?}",
                    t.statuses, t.codes
                );
            };
            joined.unwrap();
        }
        Arc::try_unwrap(self.tally).ok().unwrap().into_inner()
    }
}

/// Every acknowledged message stored once, each with one reply, nothing else.
async fn check_stored(people: &[Arc<Person>], tally: &Tally) -> (usize, usize, usize) {
    let (mut lost, mut duplicates, mut stored) = (0, 0, 0);
    for (w, p) in people.iter().enumerate() {
        let messages = p.messages().await;
        let mut count: HashMap<&str, usize> = HashMap::new();
        let user_turns: Vec<&Value> = messages.iter().filter(|m| m["sender"] == "user").collect();
        for m in &user_turns {
            *count.entry(m["content"].as_str().unwrap()).or_default() += 1;
        }
        let acked: Vec<&str> = tally
            .acked
            .iter()
            .filter(|(who, _)| *who == w)
            .map(|(_, t)| t.as_str())
            .collect();
        for text in &acked {
            match count.get(text) {
                None => lost += 1,
                Some(1) => {}
                Some(_) => duplicates += 1,
            }
        }
        // Nothing stored that was not acknowledged, and one reply per message.
        assert_eq!(
            user_turns.len(),
            acked.len(),
            "writer {w}: stored vs acknowledged"
        );
        let replies = messages.iter().filter(|m| m["sender"] == "ai").count();
        assert_eq!(
            replies,
            user_turns.len(),
            "writer {w}: one reply per message"
        );
        stored += user_turns.len();
    }
    (lost, duplicates, stored)
}

fn assert_no_panic(logs: &std::sync::Mutex<String>) {
    let logs = logs.lock().unwrap();
    assert!(!logs.contains("panicked"), "the server panicked:\n{logs}");
}

/// Runs a blocking step (pg_ctl, mount) off the writers' threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_immediately_and_restarted_under_write_load() {
    let pg = Arc::new(blocking(Postgres::init).await);
    let data = tempfile::TempDir::new().unwrap();
    let prefix = format!("faults-{}:", uuid::Uuid::new_v4().simple());
    let server = serve(
        data.path(),
        "warn",
        &[
            ("REBLOOM_DATABASE_URL", Some(pg.url())),
            ("REBLOOM_REDIS_URL", Some(test_redis_url())),
            ("REBLOOM_REDIS_KEY_PREFIX", Some(prefix)),
            ("REBLOOM_RATE_LIMIT_PER_MINUTE", Some("1000000".into())),
        ],
    );
    let (base, logs) = (server.base.clone(), server.logs.clone());
    let _guard = Guard(server.child);
    let mut people = Vec::new();
    for i in 0..4 {
        people.push(Arc::new(person(&base, &format!("writer{i}")).await));
    }
    let load = Load::start(people.clone());
    load.until(|l| l.acks.load(Ordering::SeqCst) >= 40).await;

    // Stop it mid-write; the writers keep going and get refused meanwhile.
    let acks_before = load.acks.load(Ordering::SeqCst);
    let stopped = Instant::now();
    blocking({
        let pg = pg.clone();
        move || pg.stop_immediate()
    })
    .await;
    let refused_at_stop = load.refusals.load(Ordering::SeqCst);
    load.until(|l| l.refusals.load(Ordering::SeqCst) >= refused_at_stop + 8)
        .await;
    let down_for = stopped.elapsed();
    let ready_while_down = reqwest::get(format!("{base}/ready"))
        .await
        .unwrap()
        .status()
        .as_u16();

    let restarted = Instant::now();
    *load.since.lock().await = Some(restarted);
    blocking({
        let pg = pg.clone();
        move || pg.start()
    })
    .await;
    let pg_started_in = restarted.elapsed();
    let acks_at_restart = load.acks.load(Ordering::SeqCst);
    load.until(|l| l.acks.load(Ordering::SeqCst) >= acks_at_restart + 40)
        .await;
    let tally = load.finish().await;
    let recovered_in = tally.first_ack_after.unwrap() - restarted;

    let (lost, duplicates, stored) = check_stored(&people, &tally).await;
    let other_5xx: usize = tally
        .statuses
        .iter()
        .filter(|(s, _)| **s >= 500 && **s != 503)
        .map(|(_, n)| n)
        .sum();
    let unexpected: usize = tally
        .statuses
        .iter()
        .filter(|(s, _)| ![200, 503, 409].contains(*s))
        .map(|(_, n)| n)
        .sum();
    let figures = json!({
        "writers": people.len(),
        "acknowledged": tally.acked.len(),
        "acknowledgedBeforeStop": acks_before,
        "stored": stored,
        "lost": lost,
        "duplicates": duplicates,
        "statuses": tally.statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect::<HashMap<_, _>>(),
        "codes": tally.codes,
        "other5xx": other_5xx,
        "readyWhileDown": ready_while_down,
        "downForMs": down_for.as_millis(),
        "postgresStartMs": pg_started_in.as_millis(),
        "recoveryMs": recovered_in.as_millis(),
    });
    record("postgres-restart", &figures);
    assert_eq!(lost, 0, "{figures}");
    assert_eq!(duplicates, 0, "{figures}");
    assert_eq!(other_5xx, 0, "{figures}");
    assert_eq!(unexpected, 0, "{figures}");
    assert!(
        tally.statuses.get(&503).copied().unwrap_or(0) > 0,
        "{figures}"
    );
    assert_eq!(ready_while_down, 503, "{figures}");
    assert_no_panic(&logs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_chat_keeps_working_sign_in_fails_closed_and_recovers() {
    let mut redis = blocking(Redis::start).await;
    let data = tempfile::TempDir::new().unwrap();
    let schema = format!("faults_{}", uuid::Uuid::new_v4().simple());
    let mut env = postgres_env(&schema, &format!("{schema}:"));
    env.retain(|(k, _)| *k != "REBLOOM_REDIS_URL");
    env.push(("REBLOOM_REDIS_URL", Some(redis.url())));
    let server = serve(data.path(), "warn", &env);
    let (base, logs) = (server.base.clone(), server.logs.clone());
    let _guard = Guard(server.child);
    let p = person(&base, "redis").await;
    assert_eq!(p.send("I had a long day", "before").await.0, 200);

    redis.down();
    let down = Instant::now();
    // Chat: rate limits and the context cache fall back to the process.
    let (chat, reply) = p.send("Work has been stressful this week", "during").await;
    // Sign-in: the shared limiter is what stops password guessing across replicas.
    let (login, problem) = p.login().await;
    let ready: Value = reqwest::get(format!("{base}/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let crisis = p.send("I want to kill myself", "crisis-during").await;

    let _redis = blocking(move || {
        redis.up();
        redis
    })
    .await;
    let up = Instant::now();
    let mut attempts = 0;
    let login_after = loop {
        attempts += 1;
        let (status, _) = p.login().await;
        if status == 200 || attempts > 400 {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let recovered_in = up.elapsed();
    let figures = json!({
        "chatWhileDown": chat,
        "crisisWhileDown": crisis.0,
        "crisisRisk": crisis.1["aiResponse"]["safety"]["riskLevel"],
        "loginWhileDown": login,
        "loginCode": problem["code"],
        "readyWhileDown": ready["status"],
        "downForMs": up.duration_since(down).as_millis(),
        "loginAfterRestart": login_after,
        "recoveryMs": recovered_in.as_millis(),
    });
    record("redis-down", &figures);
    common::drop_schema(&schema);
    assert_eq!(chat, 200, "{figures}");
    assert!(
        reply["aiResponse"]["content"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(crisis.0, 200, "{figures}");
    assert!(
        ["high", "critical"].contains(&figures["crisisRisk"].as_str().unwrap()),
        "{figures}"
    );
    assert_eq!(login, 503, "{figures}");
    assert_eq!(ready["status"], "degraded", "{figures}");
    assert_eq!(login_after, 200, "{figures}");
    assert_no_panic(&logs);
}

/// An OpenAI-compatible endpoint that hangs (never answers) or fails (500).
async fn broken_provider(hang: bool) -> String {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move || async move {
            if hang {
                std::future::pending::<()>().await;
            }
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(
                    json!({ "error": { "message": "upstream failed", "type": "server_error" } }),
                ),
            )
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_provider_hanging_or_failing_falls_back_and_crisis_never_waits() {
    let mut figures = json!({});
    for (mode, hang) in [("hanging", true), ("failing", false)] {
        let provider = broken_provider(hang).await;
        let data = tempfile::TempDir::new().unwrap();
        let server = serve(
            data.path(),
            "warn",
            &[
                ("REBLOOM_OPENAI_BASE_URL", Some(provider)),
                ("REBLOOM_OPENAI_API_KEY", Some("test".into())),
                ("REBLOOM_LLM_FIRST_CHUNK_TIMEOUT_SECS", Some("2".into())),
            ],
        );
        let (base, logs) = (server.base.clone(), server.logs.clone());
        let _guard = Guard(server.child);
        let p = person(&base, mode).await;
        let started = Instant::now();
        let (status, turn) = p.send("I keep worrying about my exams", "ordinary").await;
        let ordinary_ms = started.elapsed().as_millis();
        assert_eq!(status, 200, "{turn}");
        let provider_used = turn["aiResponse"]["provider"].clone();
        assert_eq!(provider_used, "guided", "{turn}");
        let started = Instant::now();
        let (status, crisis) = p.send("I want to end my life tonight", "crisis").await;
        let crisis_ms = started.elapsed().as_millis();
        assert_eq!(status, 200, "{crisis}");
        let risk = crisis["aiResponse"]["safety"]["riskLevel"]
            .as_str()
            .unwrap();
        assert!(["high", "critical"].contains(&risk), "{crisis}");
        assert!(
            !crisis["aiResponse"]["safety"]["resources"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{crisis}"
        );
        // The crisis reply never waits for the model: well inside its time-out.
        assert!(crisis_ms < 1000, "crisis reply took {crisis_ms} ms");
        figures[mode] = json!({
            "ordinaryStatus": 200,
            "ordinaryProvider": provider_used,
            "ordinaryMs": ordinary_ms,
            "crisisStatus": 200,
            "crisisProvider": crisis["aiResponse"]["provider"],
            "crisisRisk": risk,
            "crisisMs": crisis_ms,
        });
        assert_no_panic(&logs);
    }
    record("llm-provider", &figures);
}

/// A small tmpfs as the data directory (unmounted however the test ends).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = tempfile::TempDir::new().unwrap();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}m,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (the test runs as root here and in CI)"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left under `root` with a file; returns its size.
    fn fill(root: &Path) -> u64 {
        use std::io::Write;
        let mut f = std::fs::File::create(root.join("filler")).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        let mut written = 0u64;
        loop {
            match f.write(&chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n as u64,
            }
        }
        let _ = f.sync_all();
        written
    }

    fn free(&self) {
        std::fs::remove_file(self.path().join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_on_sqlite_refuses_cleanly_and_loses_nothing() {
    let disk = blocking(|| SmallDisk::mount(32)).await;
    let data = disk.path().join("data");
    let server = serve(&data, "warn", &[]);
    let (base, logs) = (server.base.clone(), server.logs.clone());
    let mut guard = Guard(server.child);
    let p = Arc::new(person(&base, "disk").await);
    assert!(!std::env::var("REBLOOM_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")));
    let mut tally = Tally::default();
    let send = async |p: &Person, tally: &mut Tally, text: &str, key: &str| {
        let (status, body) = p.send(text, key).await;
        *tally.statuses.entry(status).or_default() += 1;
        if let Some(code) = body["code"].as_str() {
            *tally.codes.entry(code.to_owned()).or_default() += 1;
        }
        if status == 200 {
            tally.acked.push((0, text.to_owned()));
        }
        (status, body)
    };
    let text = |n: usize| format!("writer 0 message {n}: I could not sleep again");
    let key = || uuid::Uuid::new_v4().to_string();
    for n in 0..5 {
        assert_eq!(send(&p, &mut tally, &text(n), &key()).await.0, 200);
    }
    let filler = blocking({
        let root = disk.path().to_owned();
        move || SmallDisk::fill(&root)
    })
    .await;
    // Writes go on until the database cannot grow any more; then each is refused.
    let mut refused = None;
    for n in 5..505 {
        let k = key();
        let (status, body) = send(&p, &mut tally, &text(n), &k).await;
        if status != 200 {
            refused = Some((status, body, n, k));
            break;
        }
    }
    let (refused_status, refused_body, n, k) =
        refused.expect("a write was refused once the disk was full");
    // Reads still work while it is full.
    let readable = p.messages().await.len();
    disk.free();
    let freed = Instant::now();
    // The client retries the refused message under its key, then goes on.
    let retried = send(&p, &mut tally, &text(n), &k).await.0;
    let mut after = 0;
    for n in n + 1..n + 6 {
        if send(&p, &mut tally, &text(n), &key()).await.0 == 200 {
            after += 1;
        }
    }
    let recovered_in = freed.elapsed();
    let (lost, duplicates, stored) = check_stored(std::slice::from_ref(&p), &tally).await;
    // Stop the server and check the database file itself.
    let _ = guard.0.kill();
    let _ = guard.0.wait();
    let integrity: String = {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            data.join("rebloom.db").display()
        ))
        .await
        .unwrap();
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };
    let figures = json!({
        "diskMb": 32,
        "fillerBytes": filler,
        "refusedStatus": refused_status,
        "refusedCode": refused_body["code"],
        "statuses": tally.statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect::<HashMap<_, _>>(),
        "readableWhileFull": readable,
        "retriedAfterFreeing": retried,
        "acceptedAfterFreeing": after,
        "acknowledged": tally.acked.len(),
        "stored": stored,
        "lost": lost,
        "duplicates": duplicates,
        "integrityCheck": integrity,
        "recoveryMs": recovered_in.as_millis(),
    });
    record("disk-full", &figures);
    assert_eq!(refused_status, 503, "{figures}");
    assert_eq!(refused_body["code"], "storage_full", "{figures}");
    assert!(
        tally.statuses.keys().all(|s| *s == 200 || *s == 503),
        "{figures}"
    );
    assert_eq!(retried, 200, "{figures}");
    assert_eq!(after, 5, "{figures}");
    assert_eq!((lost, duplicates), (0, 0), "{figures}");
    assert_eq!(integrity, "ok", "{figures}");
    assert_no_panic(&logs);
}
