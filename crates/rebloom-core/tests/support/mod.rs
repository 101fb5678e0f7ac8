//! Each case on a real store, sealed as the server opens it: SQLite in a
//! temporary directory, or PostgreSQL in a schema of its own, dropped after
//! (even when the case panics); the key store in a temporary SQLite file.

use std::future::Future;
use std::process::Command;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rebloom_core::jobs::JobError;
use rebloom_core::mail::{Mailer, Recipient};
use rebloom_store::crypto::KeyRing;
use rebloom_store::{ConnectOptions, KeyStoreOptions, NewUser, Profile, Role, Store};
use time::OffsetDateTime;
use uuid::Uuid;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Opens the store `data` names, sealed, with its key store in `dir`.
async fn open(data: ConnectOptions, dir: &tempfile::TempDir) -> Arc<dyn Store> {
    let keys = KeyStoreOptions {
        url: format!("sqlite://{}/keys.db", dir.path().display()),
        schema: None,
    };
    let ring = Arc::new(KeyRing::new([7; 32], Vec::new()));
    let url = data.database_url.clone();
    rebloom_store::open(&data, &keys, ring)
        .await
        .unwrap_or_else(|e| panic!("opening the store at {url} (PostgreSQL must be running for the postgres cases): {e}"))
}

pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::TempDir::new().unwrap();
    let store = open(
        ConnectOptions {
            database_url: format!("sqlite://{}/t.db", dir.path().display()),
            ..Default::default()
        },
        &dir,
    )
    .await;
    case(store).await;
}

pub async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url = std::env::var("REBLOOM_TEST_DATABASE_URL").unwrap_or(DEFAULT_PG_URL.to_owned());
    let schema = format!("t_{}", Uuid::new_v4().simple());
    let dir = tempfile::TempDir::new().unwrap();
    let store = open(
        ConnectOptions {
            database_url: url.clone(),
            schema: Some(schema.clone()),
            max_connections: Some(4),
            ..Default::default()
        },
        &dir,
    )
    .await;
    // On its own task, so the schema is dropped even when the case panics.
    let outcome = tokio::spawn(case(store)).await;
    let dropped = Command::new("psql")
        .env("PGOPTIONS", "--client-min-messages=warning")
        .args([
            url.as_str(),
            "-q",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        ])
        .status()
        .expect("psql");
    assert!(dropped.success(), "dropping {schema}");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A new person (`<id>@example.org`) whose profile has `timezone`; with `name`
/// as their display name when given.
#[allow(
    dead_code,
    reason = "each test binary uses a part of the support module"
)]
pub async fn person(
    store: &Arc<dyn Store>,
    now: OffsetDateTime,
    timezone: &str,
    name: Option<&str>,
) -> Uuid {
    let id = Uuid::now_v7();
    store
        .create_user(&NewUser {
            id,
            email: format!("{id}@example.org"),
            password_hash: "x".to_owned(),
            role: Role::User,
            now,
        })
        .await
        .unwrap();
    let mut profile = store
        .get_profile(id)
        .await
        .unwrap()
        .unwrap_or_else(|| Profile::empty(id, now));
    profile.timezone = Some(timezone.to_owned());
    profile.display_name = name.map(str::to_owned);
    store.save_profile(&profile).await.unwrap();
    id
}

/// A mailer that keeps what it was asked to send: (to, subject, body).
#[derive(Default)]
#[allow(
    dead_code,
    reason = "each test binary uses a part of the support module"
)]
pub struct Outbox(Mutex<Vec<(Recipient, String, String)>>);

#[allow(
    dead_code,
    reason = "each test binary uses a part of the support module"
)]
impl Outbox {
    pub fn sent(&self) -> Vec<(Recipient, String, String)> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, to: &Recipient, subject: &str, body: String) -> Result<(), JobError> {
        self.0
            .lock()
            .unwrap()
            .push((to.clone(), subject.to_owned(), body));
        Ok(())
    }
}
