//! Backend conformance: every case runs unchanged against SQLite and PostgreSQL,
//! through the `Store` trait only.
//!
//! SQLite gets a fresh file database in a temporary directory per test. PostgreSQL
//! is reached through `REBLOOM_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); every test gets its own schema,
//! dropped at the end. A PostgreSQL that cannot be reached fails the tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use rebloom_store::unsealed::PostgresStore;
use rebloom_store::{
    ConnectOptions, ConversationStore, Idempotency, JobCount, LoginThrottle, Message, NewJob,
    NewSession, NewUser, Profile, RefreshToken, Replacement, Role, Rotation, Sender, SessionEnd,
    Store, StoreError, TrustedContact, User,
};
use serde_json::json;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Generates one `sqlite` and one `postgres` test for each named case.
macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    crate::on_sqlite(super::$case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    crate::on_postgres(super::$case).await;
                }
            }
        )+
    };
}

/// Every case runs through the encryption layer, as the server does; it must
/// be invisible to callers.
async fn encrypted(store: Arc<dyn Store>, keys_dir: &std::path::Path) -> Arc<dyn Store> {
    let ring = Arc::new(rebloom_store::crypto::KeyRing::new([7; 32], vec![]));
    let keys = keys_at(keys_dir).await;
    Arc::new(rebloom_store::EncryptedStore::new(store, keys, ring))
}

/// A key store (SQLite) in `dir`.
async fn keys_at(dir: &std::path::Path) -> Arc<dyn rebloom_store::KeyStore> {
    rebloom_store::keydb::connect(&format!("sqlite://{}/keys.db", dir.display()), None)
        .await
        .expect("open the key store")
}

async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_sqlite_with(case, true).await
}

async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres_with(case, true).await
}

/// Runs a case on the bare backend store (no encryption layer).
async fn on_sqlite_raw<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_sqlite_with(case, false).await
}

async fn on_postgres_raw<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres_with(case, false).await
}

async fn on_sqlite_with<F, Fut>(case: F, encrypt: bool)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::TempDir::new().expect("temporary directory");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let store = rebloom_store::unsealed::connect(&ConnectOptions {
        database_url: url,
        ..Default::default()
    })
    .await
    .expect("open the SQLite store");
    assert_eq!(store.backend(), "sqlite");
    store.ping().await.expect("ping SQLite");
    let store = if encrypt {
        encrypted(store, dir.path()).await
    } else {
        store
    };
    case(store).await;
    drop(dir);
}

async fn on_postgres_with<F, Fut>(case: F, encrypt: bool)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url =
        std::env::var("REBLOOM_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let schema = format!("t_{}", Uuid::new_v4().simple());
    let pg = PostgresStore::connect(&ConnectOptions {
        database_url: url.clone(),
        schema: Some(schema.clone()),
        max_connections: Some(8),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for these tests: {e}"));
    let pg = Arc::new(pg);
    let store: Arc<dyn Store> = pg.clone();
    assert_eq!(store.backend(), "postgres");
    store.ping().await.expect("ping PostgreSQL");

    // Run the case on its own task so that the schema is dropped even when it panics.
    let keys_dir = tempfile::TempDir::new().expect("temporary directory");
    let store = if encrypt {
        encrypted(store, keys_dir.path()).await
    } else {
        store
    };
    let outcome = tokio::spawn(case(store)).await;

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(pg.pool())
    .await
    .expect("drop the test schema");
    pg.pool().close().await;

    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Now, in UTC, truncated to microseconds (PostgreSQL's precision).
fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap()
}

/// Now, truncated to the whole second (no fractional part at all).
fn whole_second_now() -> OffsetDateTime {
    now().replace_nanosecond(0).unwrap()
}

fn offset(hours: i8, minutes: i8) -> UtcOffset {
    UtcOffset::from_hms(hours, minutes, 0).unwrap()
}

fn random_hash() -> Vec<u8> {
    let mut hash = Uuid::new_v4().as_bytes().to_vec();
    hash.extend_from_slice(Uuid::new_v4().as_bytes());
    hash
}

fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.org", Uuid::new_v4().simple())
}

async fn create(store: &dyn Store, id: Uuid, email: &str, role: Role, at: OffsetDateTime) -> User {
    store
        .create_user(&NewUser {
            id,
            email: email.to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            role,
            now: at,
        })
        .await
        .expect("create_user")
}

async fn some_user(store: &dyn Store, at: OffsetDateTime) -> User {
    create(store, Uuid::new_v4(), &unique_email("user"), Role::User, at).await
}

/// Issues a fresh token in `family_id` and stores it; returns it.
async fn issue(
    store: &dyn Store,
    user_id: Uuid,
    family_id: Uuid,
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> RefreshToken {
    let token = RefreshToken {
        id: Uuid::new_v4(),
        family_id,
        user_id,
        token_hash: random_hash(),
        issued_at,
        expires_at,
    };
    store
        .insert_refresh_token(&token)
        .await
        .expect("insert_refresh_token");
    token
}

fn replacement(expires_at: OffsetDateTime) -> Replacement {
    Replacement {
        id: Uuid::new_v4(),
        token_hash: random_hash(),
        expires_at,
    }
}

async fn rotate(
    store: &dyn Store,
    hash: &[u8],
    next: &Replacement,
    at: OffsetDateTime,
) -> Rotation {
    store
        .rotate_refresh_token(hash, next, at)
        .await
        .expect("rotate_refresh_token")
}

async fn find(store: &dyn Store, id: Uuid) -> User {
    store
        .find_user(id)
        .await
        .expect("find_user")
        .expect("user exists")
}

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

mod key_rotation {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        crate::on_sqlite_raw(super::key_rotation).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        crate::on_postgres_raw(super::key_rotation).await;
    }
}

mod batch_messages {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        crate::on_sqlite_raw(super::batch_messages).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        crate::on_postgres_raw(super::batch_messages).await;
    }
}

conformance!(
    user_round_trip,
    duplicate_email_is_a_conflict,
    empty_profile_created_with_user,
    profile_round_trip,
    list_users_pagination,
    user_updates,
    last_active_and_active_count,
    active_count_sub_second_boundary,
    refresh_rotation_and_reuse,
    expired_revoked_and_unknown_tokens_are_invalid,
    expiry_sub_second_boundary,
    revoke_refresh_family,
    revoke_user_sessions,
    login_throttling,
    offsets_are_normalised,
    concurrent_rotation_rotates_once,
    sessions_and_messages,
    idempotency_claims,
    job_queue_leases_and_retries,
    concurrent_claims_take_different_jobs,
    trusted_contacts,
    memories_and_vectors,
    wellbeing_round_trip,
    notifications_and_reminders,
);

async fn user_round_trip(store: Arc<dyn Store>) {
    let t = now();
    let id = Uuid::new_v4();
    let email = unique_email("alice");
    let created = create(&*store, id, &email, Role::Clinician, t).await;

    let expected = User {
        id,
        email: email.clone(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        role: Role::Clinician,
        token_version: 0,
        created_at: t,
        updated_at: t,
        last_active: None,
        subscription_tier: "free".to_owned(),
        onboarding_completed: false,
        disabled_at: None,
    };
    assert_eq!(created, expected, "create_user returns the stored row");
    // Equality of OffsetDateTime is by instant; check the exact microseconds too.
    assert_eq!(
        created.created_at.unix_timestamp_nanos(),
        t.unix_timestamp_nanos()
    );
    assert_eq!(
        created.updated_at.unix_timestamp_nanos(),
        t.unix_timestamp_nanos()
    );

    let by_id = store.find_user(id).await.unwrap();
    assert_eq!(by_id.as_ref(), Some(&expected), "find_user");
    let by_email = store.find_user_by_email(&email).await.unwrap();
    assert_eq!(by_email.as_ref(), Some(&expected), "find_user_by_email");

    // Every role survives the round trip.
    for role in [Role::User, Role::Admin] {
        let other = create(&*store, Uuid::new_v4(), &unique_email("r"), role, t).await;
        assert_eq!(find(&*store, other.id).await.role, role);
    }

    assert_eq!(store.find_user(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(
        store
            .find_user_by_email("nobody@example.org")
            .await
            .unwrap(),
        None
    );
}

async fn duplicate_email_is_a_conflict(store: Arc<dyn Store>) {
    let t = now();
    let email = unique_email("dup");
    let first = create(&*store, Uuid::new_v4(), &email, Role::User, t).await;

    let second_id = Uuid::new_v4();
    let err = store
        .create_user(&NewUser {
            id: second_id,
            email: email.clone(),
            password_hash: "other".to_owned(),
            role: Role::Admin,
            now: t + Duration::seconds(1),
        })
        .await
        .expect_err("a second user with the same e-mail must be refused");
    assert!(
        matches!(err, StoreError::Conflict("email")),
        "expected Conflict(\"email\"), got {err:?}"
    );

    // Nothing of the refused user was stored, and the first one is untouched.
    assert_eq!(store.find_user(second_id).await.unwrap(), None);
    assert_eq!(store.get_profile(second_id).await.unwrap(), None);
    assert_eq!(
        store.find_user_by_email(&email).await.unwrap(),
        Some(first.clone())
    );

    // A clashing id is a conflict too, but not on the e-mail.
    let err = store
        .create_user(&NewUser {
            id: first.id,
            email: unique_email("other"),
            password_hash: "x".to_owned(),
            role: Role::User,
            now: t,
        })
        .await
        .expect_err("a second user with the same id must be refused");
    assert!(
        matches!(err, StoreError::Conflict("unique")),
        "expected Conflict(\"unique\"), got {err:?}"
    );
    assert_eq!(find(&*store, first.id).await, first);
}

async fn empty_profile_created_with_user(store: Arc<dyn Store>) {
    let t = now();
    let user = some_user(&*store, t).await;
    let profile = store
        .get_profile(user.id)
        .await
        .unwrap()
        .expect("create_user creates the profile");
    assert_eq!(profile, Profile::empty(user.id, t));
    assert_eq!(profile.language, "en");
    assert_eq!(profile.goals, json!([]));
    assert_eq!(profile.mental_health_history, None);
    assert_eq!(profile.privacy_settings, json!({}));

    assert_eq!(store.get_profile(Uuid::new_v4()).await.unwrap(), None);
}

async fn profile_round_trip(store: Arc<dyn Store>) {
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let t1 = t0 + Duration::minutes(5);

    let full = Profile {
        user_id: user.id,
        display_name: Some("Zoë “Z” Ørsted".to_owned()),
        age_range: Some("25-34".to_owned()),
        timezone: Some("Europe/Berlin".to_owned()),
        language: "de".to_owned(),
        country: Some("DE".to_owned()),
        goals: json!(["sleep better", "less anxiety", {"custom": "walk 🌱", "weight": 3}]),
        mental_health_history: Some(json!({
            "diagnoses": ["GAD"],
            "therapy_before": true,
            "notes": null,
            "years": 4,
            "nested": {"deep": [1, 2, {"x": "y"}]}
        })),
        therapeutic_preferences: json!({"approaches": ["cbt", "act"], "tone": "warm"}),
        communication_preferences: json!({"reminders": false, "channel": "push", "hour": 20}),
        privacy_settings: json!({"share_with_clinician": false, "retention_days": 30}),
        onboarding: json!({"steps": ["welcome", "goals"], "skipped": []}),
        created_at: t0,
        updated_at: t1,
    };
    assert!(
        store.save_profile(&full).await.unwrap(),
        "save_profile on an existing profile"
    );
    let got = store.get_profile(user.id).await.unwrap().unwrap();
    assert_eq!(got, full, "every field set");
    assert_eq!(
        got.updated_at.unix_timestamp_nanos(),
        t1.unix_timestamp_nanos()
    );

    // Unset every optional field again.
    let t2 = t1 + Duration::minutes(5);
    let sparse = Profile {
        display_name: None,
        age_range: None,
        timezone: None,
        language: "fr".to_owned(),
        country: None,
        goals: json!([]),
        mental_health_history: None,
        therapeutic_preferences: json!({}),
        communication_preferences: json!({"reminders": true}),
        privacy_settings: json!({}),
        onboarding: json!({"steps": ["welcome", "goals", "privacy"]}),
        updated_at: t2,
        ..full.clone()
    };
    assert!(store.save_profile(&sparse).await.unwrap());
    assert_eq!(
        store.get_profile(user.id).await.unwrap(),
        Some(sparse.clone()),
        "optional fields unset"
    );

    // created_at is not editable.
    let moved = Profile {
        created_at: t0 + Duration::days(1),
        ..sparse.clone()
    };
    assert!(store.save_profile(&moved).await.unwrap());
    assert_eq!(
        store
            .get_profile(user.id)
            .await
            .unwrap()
            .unwrap()
            .created_at,
        t0
    );

    // No profile for an unknown user, and saving one does not create it.
    let ghost = Profile::empty(Uuid::new_v4(), t0);
    assert!(!store.save_profile(&ghost).await.unwrap());
    assert_eq!(store.get_profile(ghost.user_id).await.unwrap(), None);
}

async fn list_users_pagination(store: Arc<dyn Store>) {
    let t = now();
    // Ids chosen to catch ordering that is not byte-wise (high bit set, small values),
    // created in an order that is neither ascending nor descending.
    let mut ids = vec![
        Uuid::from_u128(0xff00_0000_0000_4000_8000_0000_0000_0001),
        Uuid::from_u128(1),
        Uuid::new_v4(),
        Uuid::from_u128(0x7fff_ffff_ffff_4fff_bfff_ffff_ffff_ffff),
        Uuid::new_v4(),
        Uuid::from_u128(0x8000_0000_0000_4000_8000_0000_0000_0000),
        Uuid::new_v4(),
    ];
    for (i, id) in ids.iter().enumerate() {
        create(&*store, *id, &unique_email(&format!("u{i}")), Role::User, t).await;
    }
    ids.sort();

    let all: Vec<Uuid> = store
        .list_users(None, 100)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(all, ids, "all users, ordered by id");

    let first: Vec<Uuid> = store
        .list_users(None, 3)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(first, ids[..3], "limit honoured");

    let next: Vec<Uuid> = store
        .list_users(Some(ids[2]), 3)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(next, ids[3..6], "after is exclusive");

    // Walk every page of two.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store.list_users(after, 2).await.unwrap();
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        after = page.last().map(|u| u.id);
        walked.extend(page.iter().map(|u| u.id));
    }
    assert_eq!(
        walked, ids,
        "paging by cursor visits everyone once, in order"
    );

    assert!(store.list_users(Some(ids[6]), 10).await.unwrap().is_empty());
    assert!(store.list_users(None, 0).await.unwrap().is_empty());
    // A cursor that is not a user id still works.
    let below_all = Uuid::nil();
    assert_eq!(
        store.list_users(Some(below_all), 100).await.unwrap().len(),
        7
    );

    // Full rows come back, not just ids.
    let listed = store.list_users(Some(ids[0]), 1).await.unwrap();
    assert_eq!(listed, vec![find(&*store, ids[1]).await]);
}

async fn user_updates(store: Arc<dyn Store>) {
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let unknown = Uuid::new_v4();

    // Role
    let t1 = t0 + Duration::seconds(10);
    assert!(store.set_user_role(user.id, Role::Admin, t1).await.unwrap());
    let u = find(&*store, user.id).await;
    assert_eq!(u.role, Role::Admin);
    assert_eq!(u.updated_at, t1);
    assert_eq!(u.created_at, t0);
    assert!(
        store
            .set_user_role(user.id, Role::Clinician, t1)
            .await
            .unwrap()
    );
    assert_eq!(find(&*store, user.id).await.role, Role::Clinician);
    assert!(!store.set_user_role(unknown, Role::Admin, t1).await.unwrap());

    // Disabled, in another offset, then re-enabled.
    let t2 = t1 + Duration::seconds(10);
    let disabled_at = (t2 - Duration::seconds(3)).to_offset(offset(5, 30));
    assert!(
        store
            .set_user_disabled(user.id, Some(disabled_at), t2)
            .await
            .unwrap()
    );
    let u = find(&*store, user.id).await;
    assert_eq!(u.disabled_at, Some(disabled_at));
    assert_eq!(u.updated_at, t2);
    let t3 = t2 + Duration::seconds(10);
    assert!(store.set_user_disabled(user.id, None, t3).await.unwrap());
    let u = find(&*store, user.id).await;
    assert_eq!(u.disabled_at, None);
    assert_eq!(u.updated_at, t3);
    assert!(
        !store
            .set_user_disabled(unknown, Some(t3), t3)
            .await
            .unwrap()
    );

    // Onboarding
    let t4 = t3 + Duration::seconds(10);
    assert!(
        store
            .set_onboarding_completed(user.id, true, t4)
            .await
            .unwrap()
    );
    let u = find(&*store, user.id).await;
    assert!(u.onboarding_completed);
    assert_eq!(u.updated_at, t4);
    assert!(
        store
            .set_onboarding_completed(user.id, false, t4)
            .await
            .unwrap()
    );
    assert!(!find(&*store, user.id).await.onboarding_completed);
    assert!(
        !store
            .set_onboarding_completed(unknown, true, t4)
            .await
            .unwrap()
    );

    // None of it touched the other user or the token version.
    assert_eq!(find(&*store, other.id).await, other);
    assert_eq!(find(&*store, user.id).await.token_version, 0);
}

async fn last_active_and_active_count(store: Arc<dyn Store>) {
    let t = now();
    let a = some_user(&*store, t).await;
    let b = some_user(&*store, t).await;
    let _never = some_user(&*store, t).await;
    let long_ago = t - Duration::days(365);
    assert_eq!(store.count_active_users(long_ago).await.unwrap(), 0);

    let ta = t + Duration::minutes(1);
    let tb = t + Duration::minutes(10);
    store.touch_last_active(a.id, ta).await.unwrap();
    store.touch_last_active(b.id, tb).await.unwrap();
    assert_eq!(find(&*store, a.id).await.last_active, Some(ta));
    assert_eq!(find(&*store, b.id).await.last_active, Some(tb));

    assert_eq!(store.count_active_users(long_ago).await.unwrap(), 2);
    assert_eq!(
        store.count_active_users(ta).await.unwrap(),
        2,
        "since is inclusive"
    );
    assert_eq!(
        store
            .count_active_users(ta + Duration::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.count_active_users(tb).await.unwrap(),
        1,
        "since is inclusive"
    );
    assert_eq!(
        store
            .count_active_users(tb + Duration::seconds(1))
            .await
            .unwrap(),
        0
    );

    // Touching again moves last_active.
    let ta2 = tb + Duration::minutes(5);
    store.touch_last_active(a.id, ta2).await.unwrap();
    assert_eq!(find(&*store, a.id).await.last_active, Some(ta2));
    assert_eq!(
        store
            .count_active_users(tb + Duration::seconds(1))
            .await
            .unwrap(),
        1
    );

    // Unknown users are ignored.
    store.touch_last_active(Uuid::new_v4(), ta2).await.unwrap();
    assert_eq!(store.count_active_users(long_ago).await.unwrap(), 2);
}

/// Activity and `since` within the same second, with fractional parts of
/// different lengths: the comparison must be by instant.
async fn active_count_sub_second_boundary(store: Arc<dyn Store>) {
    let s = whole_second_now();
    let user = some_user(&*store, s - Duration::hours(1)).await;
    let seen = s + Duration::milliseconds(250); // ….25
    store.touch_last_active(user.id, seen).await.unwrap();

    assert_eq!(
        store.count_active_users(seen).await.unwrap(),
        1,
        "since == last_active"
    );
    assert_eq!(
        store.count_active_users(s).await.unwrap(),
        1,
        "since = whole second before last_active (…:SS vs …:SS.25)"
    );
    assert_eq!(
        store
            .count_active_users(s + Duration::milliseconds(200))
            .await
            .unwrap(),
        1,
        "since = …:SS.2, last_active = …:SS.25"
    );
    assert_eq!(
        store
            .count_active_users(seen + Duration::microseconds(1))
            .await
            .unwrap(),
        0,
        "since = …:SS.250001, one microsecond after last_active (…:SS.25)"
    );
    assert_eq!(
        store
            .count_active_users(s + Duration::seconds(1))
            .await
            .unwrap(),
        0,
        "since = next whole second"
    );
}

async fn refresh_rotation_and_reuse(store: Arc<dyn Store>) {
    let t = now();
    let user = some_user(&*store, t).await;
    let family = Uuid::new_v4();
    let exp = t + Duration::days(30);
    let first = issue(&*store, user.id, family, t, exp).await;

    // A second, independent family of the same user.
    let other_family = Uuid::new_v4();
    let other = issue(&*store, user.id, other_family, t, exp).await;

    assert!(
        store
            .refresh_family_active(user.id, family, t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.refresh_token_family(&first.token_hash).await.unwrap(),
        Some((user.id, family))
    );

    // Rotate: the presented token is consumed, the replacement joins its family.
    let r1 = replacement(t + Duration::days(31));
    let t1 = t + Duration::minutes(10);
    assert_eq!(
        rotate(&*store, &first.token_hash, &r1, t1).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: family
        }
    );
    assert_eq!(
        store.refresh_token_family(&r1.token_hash).await.unwrap(),
        Some((user.id, family)),
        "the replacement is stored in the presented token's family"
    );
    assert!(
        store
            .refresh_family_active(user.id, family, t1)
            .await
            .unwrap()
    );

    // The replacement rotates in turn.
    let r2 = replacement(t + Duration::days(32));
    let t2 = t1 + Duration::minutes(10);
    assert_eq!(
        rotate(&*store, &r1.token_hash, &r2, t2).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: family
        }
    );
    assert!(
        store
            .refresh_family_active(user.id, family, t2)
            .await
            .unwrap()
    );

    // Replaying the first (used) token: reuse, and the whole family is revoked.
    let r3 = replacement(t + Duration::days(33));
    let t3 = t2 + Duration::minutes(10);
    assert_eq!(
        rotate(&*store, &first.token_hash, &r3, t3).await,
        Rotation::Reused {
            user_id: user.id,
            family_id: family
        }
    );
    assert_eq!(
        store.refresh_token_family(&r3.token_hash).await.unwrap(),
        None,
        "no replacement is stored on reuse"
    );
    assert!(
        !store
            .refresh_family_active(user.id, family, t3)
            .await
            .unwrap()
    );

    // The current token of the family (r2) is now dead.
    let r4 = replacement(t + Duration::days(34));
    assert_eq!(
        rotate(&*store, &r2.token_hash, &r4, t3).await,
        Rotation::Invalid
    );
    assert_eq!(
        store.refresh_token_family(&r4.token_hash).await.unwrap(),
        None
    );

    // Replaying a used token again still reports reuse.
    let r5 = replacement(t + Duration::days(35));
    assert_eq!(
        rotate(&*store, &r1.token_hash, &r5, t3).await,
        Rotation::Reused {
            user_id: user.id,
            family_id: family
        }
    );

    // Tokens stay known for logout.
    assert_eq!(
        store.refresh_token_family(&first.token_hash).await.unwrap(),
        Some((user.id, family))
    );
    assert_eq!(
        store.refresh_token_family(&r2.token_hash).await.unwrap(),
        Some((user.id, family))
    );

    // The other family is unaffected.
    assert!(
        store
            .refresh_family_active(user.id, other_family, t3)
            .await
            .unwrap()
    );
    let r6 = replacement(t + Duration::days(36));
    assert_eq!(
        rotate(&*store, &other.token_hash, &r6, t3).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: other_family
        }
    );
}

async fn expired_revoked_and_unknown_tokens_are_invalid(store: Arc<dyn Store>) {
    let t = now();
    let user = some_user(&*store, t - Duration::days(2)).await;

    // Expired a second ago.
    let family = Uuid::new_v4();
    let expired = issue(
        &*store,
        user.id,
        family,
        t - Duration::days(1),
        t - Duration::seconds(1),
    )
    .await;
    assert!(
        !store
            .refresh_family_active(user.id, family, t)
            .await
            .unwrap()
    );
    assert!(
        store
            .refresh_family_active(user.id, family, t - Duration::seconds(2))
            .await
            .unwrap(),
        "active before it expires"
    );
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &expired.token_hash, &r, t).await,
        Rotation::Invalid
    );
    assert_eq!(
        store.refresh_token_family(&r.token_hash).await.unwrap(),
        None
    );
    // An expired token is not "used": presenting it again is still Invalid, not Reused.
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &expired.token_hash, &r, t).await,
        Rotation::Invalid
    );

    // Expiring exactly now is expired.
    let family2 = Uuid::new_v4();
    let at_now = issue(&*store, user.id, family2, t - Duration::days(1), t).await;
    assert!(
        !store
            .refresh_family_active(user.id, family2, t)
            .await
            .unwrap()
    );
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &at_now.token_hash, &r, t).await,
        Rotation::Invalid
    );

    // Still valid one second before.
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &at_now.token_hash, &r, t - Duration::seconds(1)).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: family2
        }
    );

    // Unknown.
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &random_hash(), &r, t).await,
        Rotation::Invalid
    );
    assert_eq!(
        store.refresh_token_family(&random_hash()).await.unwrap(),
        None
    );
    assert!(
        !store
            .refresh_family_active(user.id, Uuid::new_v4(), t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.refresh_token_family(&r.token_hash).await.unwrap(),
        None
    );

    // Revoked.
    let family3 = Uuid::new_v4();
    let revoked = issue(&*store, user.id, family3, t, t + Duration::days(30)).await;
    store.revoke_refresh_family(family3, t).await.unwrap();
    let r = replacement(t + Duration::days(30));
    assert_eq!(
        rotate(&*store, &revoked.token_hash, &r, t).await,
        Rotation::Invalid
    );
    assert_eq!(
        store.refresh_token_family(&r.token_hash).await.unwrap(),
        None
    );
}

/// Expiry and `now` within the same second, with fractional parts of different
/// lengths: the comparison must be by instant.
async fn expiry_sub_second_boundary(store: Arc<dyn Store>) {
    let s = whole_second_now();
    let user = some_user(&*store, s - Duration::hours(1)).await;

    // expires_at = …:SS (no fraction), now = …:SS.5: expired.
    let family = Uuid::new_v4();
    let token = issue(&*store, user.id, family, s - Duration::hours(1), s).await;
    let half = s + Duration::milliseconds(500);
    assert!(
        !store
            .refresh_family_active(user.id, family, half)
            .await
            .unwrap(),
        "family active half a second after its only token expired"
    );
    let r = replacement(s + Duration::days(1));
    assert_eq!(
        rotate(&*store, &token.token_hash, &r, half).await,
        Rotation::Invalid,
        "token rotated half a second after it expired"
    );

    // expires_at = …:SS.1, now = …:SS.15: expired.
    let family = Uuid::new_v4();
    let token = issue(
        &*store,
        user.id,
        family,
        s - Duration::hours(1),
        s + Duration::milliseconds(100),
    )
    .await;
    let later = s + Duration::milliseconds(150);
    assert!(
        !store
            .refresh_family_active(user.id, family, later)
            .await
            .unwrap(),
        "family active 50 ms after its only token expired"
    );
    let r = replacement(s + Duration::days(1));
    assert_eq!(
        rotate(&*store, &token.token_hash, &r, later).await,
        Rotation::Invalid,
        "token rotated 50 ms after it expired"
    );

    // expires_at = …:SS.5, now = …:SS (no fraction): still valid.
    let family = Uuid::new_v4();
    let token = issue(&*store, user.id, family, s - Duration::hours(1), half).await;
    assert!(
        store
            .refresh_family_active(user.id, family, s)
            .await
            .unwrap(),
        "family inactive half a second before its token expires"
    );
    let r = replacement(s + Duration::days(1));
    assert_eq!(
        rotate(&*store, &token.token_hash, &r, s).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: family
        },
        "token refused half a second before it expires"
    );
}

async fn revoke_refresh_family(store: Arc<dyn Store>) {
    let t = now();
    let user = some_user(&*store, t).await;
    let exp = t + Duration::days(30);
    let f1 = Uuid::new_v4();
    let f2 = Uuid::new_v4();
    let a = issue(&*store, user.id, f1, t, exp).await;
    let r = replacement(exp);
    assert!(matches!(
        rotate(&*store, &a.token_hash, &r, t).await,
        Rotation::Rotated { .. }
    ));
    let b = issue(&*store, user.id, f2, t, exp).await;

    let t1 = t + Duration::minutes(1);
    store.revoke_refresh_family(f1, t1).await.unwrap();
    assert!(!store.refresh_family_active(user.id, f1, t1).await.unwrap());
    assert!(
        store.refresh_family_active(user.id, f2, t1).await.unwrap(),
        "other family untouched"
    );

    // The current token of the revoked family no longer rotates.
    let r2 = replacement(exp);
    assert_eq!(
        rotate(&*store, &r.token_hash, &r2, t1).await,
        Rotation::Invalid
    );
    // Its tokens are still known (logout of an already revoked session works).
    assert_eq!(
        store.refresh_token_family(&r.token_hash).await.unwrap(),
        Some((user.id, f1))
    );

    // Revoking again, or an unknown family, is fine.
    store.revoke_refresh_family(f1, t1).await.unwrap();
    store
        .revoke_refresh_family(Uuid::new_v4(), t1)
        .await
        .unwrap();

    let r3 = replacement(exp);
    assert!(matches!(
        rotate(&*store, &b.token_hash, &r3, t1).await,
        Rotation::Rotated { family_id, .. } if family_id == f2
    ));
}

async fn revoke_user_sessions(store: Arc<dyn Store>) {
    let t = now();
    let alice = some_user(&*store, t).await;
    let bob = some_user(&*store, t).await;
    let exp = t + Duration::days(30);
    let (fa1, fa2, fb) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let a1 = issue(&*store, alice.id, fa1, t, exp).await;
    let a2 = issue(&*store, alice.id, fa2, t, exp).await;
    let b = issue(&*store, bob.id, fb, t, exp).await;

    let t1 = t + Duration::minutes(1);
    store.revoke_user_sessions(alice.id, t1).await.unwrap();

    let a = find(&*store, alice.id).await;
    assert_eq!(a.token_version, 1, "token version bumped");
    assert_eq!(a.updated_at, t1);
    assert!(
        !store
            .refresh_family_active(alice.id, fa1, t1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .refresh_family_active(alice.id, fa2, t1)
            .await
            .unwrap()
    );
    for token in [&a1, &a2] {
        let r = replacement(exp);
        assert_eq!(
            rotate(&*store, &token.token_hash, &r, t1).await,
            Rotation::Invalid
        );
    }

    // Bob is untouched.
    assert_eq!(find(&*store, bob.id).await, bob);
    assert!(store.refresh_family_active(bob.id, fb, t1).await.unwrap());
    // A family is only ever active for its own account.
    assert!(!store.refresh_family_active(alice.id, fb, t1).await.unwrap());
    let r = replacement(exp);
    assert_eq!(
        rotate(&*store, &b.token_hash, &r, t1).await,
        Rotation::Rotated {
            user_id: bob.id,
            family_id: fb
        }
    );

    // Again: the version keeps counting; new logins after the revocation are unaffected until then.
    let fa3 = Uuid::new_v4();
    issue(&*store, alice.id, fa3, t1, exp).await;
    assert!(
        store
            .refresh_family_active(alice.id, fa3, t1)
            .await
            .unwrap()
    );
    let t2 = t1 + Duration::minutes(1);
    store.revoke_user_sessions(alice.id, t2).await.unwrap();
    assert_eq!(find(&*store, alice.id).await.token_version, 2);
    assert!(
        !store
            .refresh_family_active(alice.id, fa3, t2)
            .await
            .unwrap()
    );
    assert_eq!(find(&*store, bob.id).await.token_version, 0);
}

async fn login_throttling(store: Arc<dyn Store>) {
    let t = now();
    let key = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
    let other = "0000000000000000000000000000000000000000000000000000000000000001";
    assert_eq!(store.login_throttle(key).await.unwrap(), None);

    let times = [t, t + Duration::seconds(2), t + Duration::seconds(5)];
    for (i, at) in times.iter().enumerate() {
        let n = store.record_login_failure(key, *at).await.unwrap();
        assert_eq!(n, i as i64 + 1, "failure count after {} failures", i + 1);
    }
    assert_eq!(
        store.login_throttle(key).await.unwrap(),
        Some(LoginThrottle {
            failures: 3,
            last_failure_at: times[2],
            locked_until: None,
        })
    );

    // Another key counts on its own.
    assert_eq!(store.record_login_failure(other, t).await.unwrap(), 1);

    // Lock, with an `until` in another offset.
    let until = (times[2] + Duration::minutes(15)).to_offset(offset(2, 0));
    store.lock_login(key, until).await.unwrap();
    let throttle = store.login_throttle(key).await.unwrap().unwrap();
    assert_eq!(throttle.locked_until, Some(until));
    assert_eq!(throttle.failures, 3);
    assert_eq!(throttle.last_failure_at, times[2]);
    assert_eq!(
        store
            .login_throttle(other)
            .await
            .unwrap()
            .unwrap()
            .locked_until,
        None,
        "the other key is not locked"
    );

    // A fourth failure keeps counting and keeps the lock.
    let t4 = times[2] + Duration::seconds(1);
    assert_eq!(store.record_login_failure(key, t4).await.unwrap(), 4);
    let throttle = store.login_throttle(key).await.unwrap().unwrap();
    assert_eq!(throttle.last_failure_at, t4);
    assert_eq!(throttle.locked_until, Some(until));

    // Clearing forgets everything about that key only.
    store.clear_login_failures(key).await.unwrap();
    assert_eq!(store.login_throttle(key).await.unwrap(), None);
    assert_eq!(
        store.login_throttle(other).await.unwrap().unwrap().failures,
        1
    );
    assert_eq!(
        store.record_login_failure(key, t4).await.unwrap(),
        1,
        "counting restarts"
    );
    store.clear_login_failures("never-seen").await.unwrap();
}

/// Times given in other offsets mean the same instant: the store compares them
/// as such (it normalises to UTC), and reads them back in UTC.
async fn offsets_are_normalised(store: Arc<dyn Store>) {
    let t = now();
    let plus2 = offset(2, 0);
    let minus5 = offset(-5, 0);

    // Created with a +02:00 clock.
    let user = create(
        &*store,
        Uuid::new_v4(),
        &unique_email("tz"),
        Role::User,
        t.to_offset(plus2),
    )
    .await;
    assert_eq!(user.created_at, t);
    assert!(
        user.created_at.offset().is_utc(),
        "created_at read back in UTC"
    );
    let found = find(&*store, user.id).await;
    assert_eq!(found.created_at, t);
    assert!(found.created_at.offset().is_utc());
    assert!(found.updated_at.offset().is_utc());

    // Expired an hour ago, written in +02:00 (its wall clock reads an hour ahead of UTC now).
    let f1 = Uuid::new_v4();
    let expired = issue(
        &*store,
        user.id,
        f1,
        (t - Duration::days(1)).to_offset(plus2),
        (t - Duration::hours(1)).to_offset(plus2),
    )
    .await;
    assert!(!store.refresh_family_active(user.id, f1, t).await.unwrap());
    let r = replacement(t + Duration::days(1));
    assert_eq!(
        rotate(&*store, &expired.token_hash, &r, t).await,
        Rotation::Invalid
    );

    // Valid for another hour, written in -05:00 (its wall clock reads four hours before UTC now).
    let f2 = Uuid::new_v4();
    let valid = issue(
        &*store,
        user.id,
        f2,
        t.to_offset(minus5),
        (t + Duration::hours(1)).to_offset(minus5),
    )
    .await;
    assert!(store.refresh_family_active(user.id, f2, t).await.unwrap());
    // `now` itself in +02:00: still before the expiry.
    assert!(
        store
            .refresh_family_active(user.id, f2, t.to_offset(plus2))
            .await
            .unwrap()
    );
    let r = replacement((t + Duration::days(1)).to_offset(minus5));
    assert_eq!(
        rotate(&*store, &valid.token_hash, &r, t.to_offset(plus2)).await,
        Rotation::Rotated {
            user_id: user.id,
            family_id: f2
        }
    );
    // The replacement (expiring in a day, given in -05:00) is active, and no longer
    // active once `now` (given in +02:00) passes its expiry.
    assert!(store.refresh_family_active(user.id, f2, t).await.unwrap());
    assert!(
        !store
            .refresh_family_active(
                user.id,
                f2,
                (t + Duration::days(1) + Duration::seconds(1)).to_offset(plus2)
            )
            .await
            .unwrap()
    );
    // `now` in -05:00 while the token expires in UTC terms an hour from now: valid.
    let f3 = Uuid::new_v4();
    let tok = issue(&*store, user.id, f3, t, t + Duration::hours(1)).await;
    let r = replacement(t + Duration::days(1));
    assert!(matches!(
        rotate(&*store, &tok.token_hash, &r, (t + Duration::minutes(30)).to_offset(minus5)).await,
        Rotation::Rotated { family_id, .. } if family_id == f3
    ));
    // ...and an hour and a half later in +02:00: expired.
    let f4 = Uuid::new_v4();
    let tok = issue(&*store, user.id, f4, t, t + Duration::hours(1)).await;
    let r = replacement(t + Duration::days(1));
    assert_eq!(
        rotate(
            &*store,
            &tok.token_hash,
            &r,
            (t + Duration::minutes(90)).to_offset(plus2)
        )
        .await,
        Rotation::Invalid
    );

    // Activity in +02:00, queried with `since` in -05:00.
    store
        .touch_last_active(user.id, t.to_offset(plus2))
        .await
        .unwrap();
    let seen = find(&*store, user.id).await.last_active.unwrap();
    assert_eq!(seen, t);
    assert!(seen.offset().is_utc());
    assert_eq!(
        store
            .count_active_users((t - Duration::minutes(30)).to_offset(minus5))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_active_users((t + Duration::minutes(30)).to_offset(minus5))
            .await
            .unwrap(),
        0
    );

    // Throttle times come back as the same instants, in UTC.
    store
        .record_login_failure("k", t.to_offset(plus2))
        .await
        .unwrap();
    store
        .lock_login("k", (t + Duration::minutes(15)).to_offset(minus5))
        .await
        .unwrap();
    let throttle = store.login_throttle("k").await.unwrap().unwrap();
    assert_eq!(throttle.last_failure_at, t);
    assert_eq!(throttle.locked_until, Some(t + Duration::minutes(15)));
    assert!(throttle.last_failure_at.offset().is_utc());
    assert!(throttle.locked_until.unwrap().offset().is_utc());
}

async fn concurrent_rotation_rotates_once(store: Arc<dyn Store>) {
    const TASKS: usize = 8;
    let t = now();
    let user = some_user(&*store, t).await;
    let family = Uuid::new_v4();
    let token = issue(&*store, user.id, family, t, t + Duration::days(30)).await;

    let replacements: Vec<Replacement> = (0..TASKS)
        .map(|_| replacement(t + Duration::days(31)))
        .collect();
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let mut handles = Vec::new();
    for r in replacements.clone() {
        let store = store.clone();
        let hash = token.token_hash.clone();
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            store.rotate_refresh_token(&hash, &r, t).await
        }));
    }
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(
            h.await
                .unwrap()
                .expect("concurrent rotation must not error"),
        );
    }

    let rotated = outcomes
        .iter()
        .filter(|o| matches!(o, Rotation::Rotated { .. }))
        .count();
    assert_eq!(rotated, 1, "exactly one rotation wins: {outcomes:?}");
    for o in &outcomes {
        match o {
            Rotation::Rotated { user_id, family_id } | Rotation::Reused { user_id, family_id } => {
                assert_eq!((*user_id, *family_id), (user.id, family));
            }
            Rotation::Invalid => panic!(
                "a concurrent presentation of a used token is a replay, not Invalid: {outcomes:?}"
            ),
        }
    }

    // Exactly one replacement was stored.
    let mut stored = HashSet::new();
    for r in &replacements {
        if let Some(found) = store.refresh_token_family(&r.token_hash).await.unwrap() {
            assert_eq!(found, (user.id, family));
            stored.insert(r.id);
        }
    }
    assert_eq!(stored.len(), 1, "exactly one replacement stored");
}

/// Read-only queries go to the replica pool, everything else to the primary:
/// with a replica that cannot be reached, writes and auth reads still work
/// while profile reads fail as unavailable.
#[tokio::test]
async fn read_replica_serves_read_only_queries() {
    use rebloom_store::UserStore;
    let url =
        std::env::var("REBLOOM_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    let schema = format!("t_{}", Uuid::new_v4().simple());
    let pg = PostgresStore::connect(&ConnectOptions {
        database_url: url.clone(),
        read_replica_url: Some("postgres://postgres@127.0.0.1:1/postgres".into()),
        schema: Some(schema.clone()),
        max_connections: Some(2),
    })
    .await
    .unwrap_or_else(|e| panic!("PostgreSQL at {url} is required for these tests: {e}"));
    let user = some_user(&pg, now()).await;
    assert_eq!(find(&pg, user.id).await.id, user.id);
    let mut profile = Profile::empty(user.id, now());
    profile.display_name = Some("Replica".into());
    assert!(pg.save_profile(&profile).await.unwrap());
    let read = pg.get_profile(user.id).await;
    assert!(
        matches!(read, Err(StoreError::Unavailable(_))),
        "profile read did not go to the replica: {read:?}"
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(pg.pool())
        .await
        .unwrap();
}

fn message(session: Uuid, user: Uuid, sender: Sender, text: &str, at: OffsetDateTime) -> Message {
    Message {
        id: Uuid::now_v7(),
        session_id: session,
        user_id: user,
        sender,
        content: text.to_owned(),
        message_type: "text".to_owned(),
        sentiment_score: Some(-0.5),
        emotional_tags: serde_json::json!(["anxiety"]),
        risk_level: "none".to_owned(),
        ai_confidence_score: Some(0.8),
        metadata: serde_json::json!({ "provider": "guided" }),
        created_at: at,
    }
}

async fn sessions_and_messages(store: Arc<dyn Store>) {
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let session = store
        .create_session(&NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            session_type: "general".into(),
            mood_before: Some(4),
            now: t0,
        })
        .await
        .unwrap();
    assert_eq!(
        (
            session.message_count,
            session.mood_before,
            session.started_at
        ),
        (0, Some(4), t0)
    );
    // Sessions are the owner's only.
    assert!(
        store
            .find_session(other.id, session.id)
            .await
            .unwrap()
            .is_none()
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let m = message(
            session.id,
            user.id,
            if i % 2 == 0 { Sender::User } else { Sender::Ai },
            &format!("m{i}"),
            t0,
        );
        store.insert_message(&m).await.unwrap();
        ids.push(m.id);
    }
    let found = store
        .find_session(user.id, session.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.message_count, 5);
    assert_eq!(found.last_message_at, Some(t0));
    // Newest first, with a cursor; round trip of every field.
    let page = store
        .list_messages(user.id, Some(session.id), None, 3)
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[4], ids[3], ids[2]]
    );
    assert_eq!(page[0].content, "m4");
    assert_eq!(page[0].emotional_tags, serde_json::json!(["anxiety"]));
    assert_eq!(page[0].sentiment_score, Some(-0.5));
    let rest = store
        .list_messages(user.id, Some(session.id), Some(ids[2]), 3)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );
    assert!(
        store
            .list_messages(other.id, Some(session.id), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_messages(user.id, None, None, 10)
            .await
            .unwrap()
            .len(),
        5
    );
    // Engine state and ending.
    store
        .set_engine_state(
            user.id,
            session.id,
            &serde_json::json!({"exercise": "breathing"}),
        )
        .await
        .unwrap();
    let end = SessionEnd {
        ended_at: t0 + time::Duration::minutes(9),
        duration_minutes: 9,
        mood_after: Some(6),
        summary: Some("s".into()),
    };
    let ended = store
        .end_session(user.id, session.id, &end)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            ended.duration_minutes,
            ended.mood_after,
            ended.engine_state["exercise"].as_str()
        ),
        (Some(9), Some(6), Some("breathing"))
    );
    assert!(
        store
            .end_session(user.id, session.id, &end)
            .await
            .unwrap()
            .is_none(),
        "ended twice"
    );
    assert!(
        store
            .end_session(other.id, session.id, &end)
            .await
            .unwrap()
            .is_none()
    );
    let listed = store.list_sessions(user.id, None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    // Check constraint: mood out of range is a conflict, not a crash.
    let bad = store
        .create_session(&NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            session_type: "general".into(),
            mood_before: Some(11),
            now: t0,
        })
        .await;
    assert!(matches!(bad, Err(StoreError::Conflict(_))), "{bad:?}");
}

/// A batch of messages over several sessions (more rows than one statement
/// holds) is sealed like single inserts, counted on its sessions, and stored
/// all or none.
async fn batch_messages(raw: Arc<dyn Store>) {
    let t0 = now();
    let user = some_user(&*raw, t0).await;
    let dir = tempfile::TempDir::new().unwrap();
    let ring = Arc::new(rebloom_store::crypto::KeyRing::new([5; 32], vec![]));
    let store: Arc<dyn Store> = Arc::new(rebloom_store::EncryptedStore::new(
        raw.clone(),
        keys_at(dir.path()).await,
        ring,
    ));
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let s = store
            .create_session(&NewSession {
                id: Uuid::now_v7(),
                user_id: user.id,
                session_type: "general".into(),
                mood_before: None,
                now: t0,
            })
            .await
            .unwrap();
        sessions.push(s.id);
    }
    // One single insert first: the batch adds to its count and keeps the later time.
    let late = t0 + Duration::hours(1);
    store
        .insert_message(&message(sessions[1], user.id, Sender::User, "late", late))
        .await
        .unwrap();
    store.insert_messages(&[]).await.unwrap();
    let batch: Vec<Message> = (0..250)
        .map(|i| {
            let at = t0 + Duration::seconds(i);
            let sender = if i % 2 == 0 { Sender::User } else { Sender::Ai };
            message(
                sessions[usize::from(i >= 200)],
                user.id,
                sender,
                &format!("b{i}"),
                at,
            )
        })
        .collect();
    store.insert_messages(&batch).await.unwrap();

    let first = store
        .find_session(user.id, sessions[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.message_count, first.last_message_at),
        (200, Some(t0 + Duration::seconds(199)))
    );
    let second = store
        .find_session(user.id, sessions[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (second.message_count, second.last_message_at),
        (51, Some(late))
    );
    // Opened on the way back, every field kept, in id order.
    let page = store
        .list_messages(user.id, Some(sessions[0]), None, 200)
        .await
        .unwrap();
    assert_eq!(page.len(), 200);
    assert_eq!(page[0].id, batch[199].id);
    assert_eq!(page[0].content, "b199");
    assert_eq!(page[0].emotional_tags, json!(["anxiety"]));
    assert_eq!(page[199].created_at, t0);
    // Sealed at rest, exactly as a single insert seals (the single one opens alike).
    let stored = raw.messages_by_id(user.id, &[batch[0].id]).await.unwrap();
    assert!(
        stored[0].content.starts_with("enc:v1:"),
        "ciphertext at rest"
    );
    assert_eq!(
        store.messages_by_id(user.id, &[batch[0].id]).await.unwrap()[0].content,
        "b0"
    );

    // All or none: a message of a missing session fails the whole batch.
    let mut bad: Vec<Message> = (0..3)
        .map(|i| message(sessions[0], user.id, Sender::User, &format!("x{i}"), t0))
        .collect();
    bad[2].session_id = Uuid::now_v7();
    let err = store.insert_messages(&bad).await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert!(
        store
            .messages_by_id(user.id, &[bad[0].id])
            .await
            .unwrap()
            .is_empty()
    );
    let first = store
        .find_session(user.id, sessions[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.message_count, 200);
}

async fn idempotency_claims(store: Arc<dyn Store>) {
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let stale = t0 - time::Duration::minutes(10);
    assert_eq!(
        store
            .begin_idempotent(user.id, "k", b"h1", t0, stale)
            .await
            .unwrap(),
        Idempotency::Started
    );
    assert_eq!(
        store
            .begin_idempotent(user.id, "k", b"h1", t0, stale)
            .await
            .unwrap(),
        Idempotency::InProgress
    );
    assert_eq!(
        store
            .begin_idempotent(user.id, "k", b"h2", t0, stale)
            .await
            .unwrap(),
        Idempotency::Mismatch
    );
    // Keys are per user.
    assert_eq!(
        store
            .begin_idempotent(other.id, "k", b"h2", t0, stale)
            .await
            .unwrap(),
        Idempotency::Started
    );
    let record = serde_json::json!({"status": 200, "body": {"ok": true}});
    store
        .finish_idempotent(user.id, "k", &record)
        .await
        .unwrap();
    assert_eq!(
        store
            .begin_idempotent(user.id, "k", b"h1", t0, stale)
            .await
            .unwrap(),
        Idempotency::Replay(record)
    );
    // An abandoned claim can be retried; a stale one taken over.
    assert_eq!(
        store
            .begin_idempotent(user.id, "a", b"h", t0, stale)
            .await
            .unwrap(),
        Idempotency::Started
    );
    store.abandon_idempotent(user.id, "a").await.unwrap();
    assert_eq!(
        store
            .begin_idempotent(user.id, "a", b"h", t0, stale)
            .await
            .unwrap(),
        Idempotency::Started
    );
    let later = t0 + time::Duration::minutes(11);
    assert_eq!(
        store
            .begin_idempotent(
                user.id,
                "a",
                b"h",
                later,
                later - time::Duration::minutes(10)
            )
            .await
            .unwrap(),
        Idempotency::Started
    );
    // Purging forgets records older than the cut-off (the taken-over claim is newer).
    assert_eq!(
        store
            .purge_idempotency(t0 + time::Duration::minutes(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .begin_idempotent(user.id, "k", b"h3", later, stale)
            .await
            .unwrap(),
        Idempotency::Started
    );
}

fn new_job(queue: &str, user_id: Option<Uuid>, run_at: OffsetDateTime) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        queue: queue.to_owned(),
        payload: json!({ "eventId": Uuid::new_v4(), "level": "critical" }),
        user_id,
        run_at,
        max_attempts: 3,
    }
}

async fn job_queue_leases_and_retries(store: Arc<dyn Store>) {
    let t0 = OffsetDateTime::now_utc();
    let user = some_user(&*store, t0).await;
    let a = new_job("crisis.webhook", Some(user.id), t0);
    let later = new_job("crisis.email", None, t0 + Duration::minutes(5));
    store.enqueue_job(&a, t0).await.unwrap();
    store.enqueue_job(&later, t0).await.unwrap();

    // Only the due job is claimed; the attempt is counted.
    let lease = Uuid::new_v4();
    let job = store
        .claim_job(t0, lease, t0 + Duration::seconds(60))
        .await
        .unwrap()
        .expect("a due job");
    assert_eq!(job.id, a.id);
    assert_eq!(job.queue, "crisis.webhook");
    assert_eq!(job.payload, a.payload);
    assert_eq!(job.user_id, Some(user.id));
    assert_eq!((job.attempts, job.max_attempts, job.lease), (1, 3, lease));
    assert!(
        store
            .claim_job(t0, Uuid::new_v4(), t0 + Duration::seconds(60))
            .await
            .unwrap()
            .is_none(),
        "nothing else is due"
    );

    // A retry with the wrong lease does nothing; with the right one it waits until run_at.
    assert!(
        !store
            .retry_job(a.id, Uuid::new_v4(), t0, "nope", t0)
            .await
            .unwrap()
    );
    assert!(
        store
            .retry_job(a.id, lease, t0 + Duration::seconds(10), "HTTP 500", t0)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_job(
                t0 + Duration::seconds(9),
                Uuid::new_v4(),
                t0 + Duration::seconds(70)
            )
            .await
            .unwrap()
            .is_none()
    );
    let lease2 = Uuid::new_v4();
    let again = store
        .claim_job(
            t0 + Duration::seconds(10),
            lease2,
            t0 + Duration::seconds(70),
        )
        .await
        .unwrap()
        .expect("due again");
    assert_eq!((again.id, again.attempts), (a.id, 2));

    // A worker that died: its lock runs out and another worker takes the job over;
    // the first worker's lease is then worthless.
    let t1 = t0 + Duration::seconds(71);
    let lease3 = Uuid::new_v4();
    let taken = store
        .claim_job(t1, lease3, t1 + Duration::seconds(60))
        .await
        .unwrap()
        .expect("lock expired");
    assert_eq!((taken.id, taken.attempts), (a.id, 3));
    assert!(!store.complete_job(a.id, lease2).await.unwrap());
    assert!(store.fail_job(a.id, lease3, "HTTP 500", t1).await.unwrap());
    assert!(
        !store.complete_job(a.id, lease3).await.unwrap(),
        "a failed job is not running"
    );
    // The dead-letter view finds it by id, with its error; a running job is not in it.
    let failed = store.find_failed_job(a.id).await.unwrap().expect("failed");
    assert_eq!(
        (failed.attempts, failed.last_error.as_deref()),
        (3, Some("HTTP 500"))
    );
    assert_eq!(store.failed_jobs(None, 10).await.unwrap(), vec![failed]);
    assert!(
        store
            .find_failed_job(Uuid::new_v4())
            .await
            .unwrap()
            .is_none()
    );

    // The later job; completing removes it.
    let t2 = t0 + Duration::minutes(5);
    let l = Uuid::new_v4();
    let b = store
        .claim_job(t2, l, t2 + Duration::seconds(60))
        .await
        .unwrap()
        .expect("due at five minutes");
    assert_eq!(b.id, later.id);
    assert_eq!(b.user_id, None);
    assert_eq!(
        store.job_counts().await.unwrap(),
        vec![
            JobCount {
                queue: "crisis.email".into(),
                status: "running".into(),
                count: 1
            },
            JobCount {
                queue: "crisis.webhook".into(),
                status: "failed".into(),
                count: 1
            },
        ]
    );
    assert!(store.complete_job(b.id, l).await.unwrap());
    assert!(
        store
            .claim_job(
                t2 + Duration::hours(1),
                Uuid::new_v4(),
                t2 + Duration::hours(2)
            )
            .await
            .unwrap()
            .is_none(),
        "failed jobs are not claimed"
    );
    assert_eq!(store.job_counts().await.unwrap().len(), 1);
}

async fn concurrent_claims_take_different_jobs(store: Arc<dyn Store>) {
    let t0 = OffsetDateTime::now_utc();
    for _ in 0..16 {
        store
            .enqueue_job(&new_job("q", None, t0), t0)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = store
                .claim_job(t0, Uuid::new_v4(), t0 + Duration::seconds(60))
                .await
                .unwrap()
            {
                got.push(job.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 16, "every job claimed exactly once");
    assert_eq!(unique.len(), 16);
}

async fn trusted_contacts(store: Arc<dyn Store>) {
    let t0 = OffsetDateTime::now_utc();
    let user = some_user(&*store, t0).await;
    assert!(store.get_trusted_contact(user.id).await.unwrap().is_none());
    assert!(
        !store.mark_contact_notified(user.id, t0, t0).await.unwrap(),
        "no contact, nobody to notify"
    );
    let contact = TrustedContact {
        user_id: user.id,
        name: "Sam".into(),
        email: "sam@example.org".into(),
        consented_at: t0,
        updated_at: t0,
        last_notified_at: None,
    };
    store.save_trusted_contact(&contact).await.unwrap();
    let got = store.get_trusted_contact(user.id).await.unwrap().unwrap();
    assert_eq!(
        (got.name.as_str(), got.email.as_str(), got.last_notified_at),
        ("Sam", "sam@example.org", None)
    );

    // At most once per window: the second mark within the hour is refused.
    let t1 = t0 + Duration::minutes(1);
    assert!(
        store
            .mark_contact_notified(user.id, t1, t1 - Duration::hours(1))
            .await
            .unwrap()
    );
    let t2 = t0 + Duration::minutes(30);
    assert!(
        !store
            .mark_contact_notified(user.id, t2, t2 - Duration::hours(1))
            .await
            .unwrap()
    );
    let t3 = t1 + Duration::hours(1);
    assert!(
        store
            .mark_contact_notified(user.id, t3, t3 - Duration::hours(1))
            .await
            .unwrap()
    );

    // Replacing keeps the notification time; deleting removes it.
    store
        .save_trusted_contact(&TrustedContact {
            name: "Alex".into(),
            updated_at: t3,
            ..contact.clone()
        })
        .await
        .unwrap();
    let got = store.get_trusted_contact(user.id).await.unwrap().unwrap();
    assert_eq!(got.name, "Alex");
    assert!(got.last_notified_at.is_some());

    // The longest the API accepts, sealed (longer than the text), still fits.
    let long = TrustedContact {
        name: "安".repeat(100),
        email: format!("{}@{}.example.org", "a".repeat(64), "b".repeat(170)),
        ..contact.clone()
    };
    store.save_trusted_contact(&long).await.unwrap();
    let got = store.get_trusted_contact(user.id).await.unwrap().unwrap();
    assert_eq!((got.name, got.email), (long.name, long.email));
    assert!(store.delete_trusted_contact(user.id).await.unwrap());
    assert!(!store.delete_trusted_contact(user.id).await.unwrap());
}

/// Data keys wrapped by an old master key still open after a rotation, and
/// once re-wrapped the old master key is no longer needed. The rows hold
/// ciphertext only.
async fn key_rotation(raw: Arc<dyn Store>) {
    use rebloom_store::crypto::KeyRing;
    use rebloom_store::{EncryptedStore, SafetyStore};
    let t0 = OffsetDateTime::now_utc();
    let user = some_user(&*raw, t0).await;
    let dir = tempfile::TempDir::new().unwrap();
    let keys = keys_at(dir.path()).await;
    let layer = |ring: KeyRing| EncryptedStore::new(raw.clone(), keys.clone(), Arc::new(ring));
    let old = layer(KeyRing::new([1; 32], vec![]));
    let session = old
        .create_session(&NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            session_type: "chat".into(),
            mood_before: None,
            now: t0,
        })
        .await
        .unwrap();
    let message = Message {
        id: Uuid::now_v7(),
        session_id: session.id,
        user_id: user.id,
        sender: Sender::User,
        content: "the words I said".into(),
        message_type: "text".into(),
        sentiment_score: None,
        emotional_tags: json!([]),
        risk_level: "none".into(),
        ai_confidence_score: None,
        metadata: json!({}),
        created_at: t0,
    };
    old.insert_message(&message).await.unwrap();
    let stored = raw.list_messages(user.id, None, None, 1).await.unwrap();
    assert!(
        stored[0].content.starts_with("enc:v1:"),
        "ciphertext at rest"
    );
    assert!(!stored[0].content.contains("words"));

    // New master key, old one still listed: reads work, then rotate.
    let both = layer(KeyRing::new([2; 32], vec![[1; 32]]));
    assert_eq!(
        both.list_messages(user.id, None, None, 1).await.unwrap()[0].content,
        "the words I said"
    );
    assert_eq!(both.rotate(100).await.unwrap(), 1);
    assert_eq!(
        both.rotate(100).await.unwrap(),
        0,
        "nothing left to re-wrap"
    );
    // The old master key can go.
    let new_only = layer(KeyRing::new([2; 32], vec![]));
    assert_eq!(
        new_only
            .list_messages(user.id, None, None, 1)
            .await
            .unwrap()[0]
            .content,
        "the words I said"
    );
    // A planted plaintext trusted contact (to redirect a crisis e-mail) is refused;
    // a sealed one opens.
    let contact = TrustedContact {
        user_id: user.id,
        name: "Mallory".into(),
        email: "mallory@example.org".into(),
        consented_at: t0,
        updated_at: t0,
        last_notified_at: None,
    };
    raw.save_trusted_contact(&contact).await.unwrap();
    assert!(new_only.get_trusted_contact(user.id).await.is_err());
    new_only.save_trusted_contact(&contact).await.unwrap();
    assert_eq!(
        new_only
            .get_trusted_contact(user.id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Mallory"
    );
    raw.save_safety_plan(user.id, &json!({"peopleToAsk": []}), t0)
        .await
        .unwrap();
    assert!(new_only.get_safety_plan(user.id).await.is_err());
    // Without the right master key nothing opens.
    let stranger = layer(KeyRing::new([3; 32], vec![]));
    assert!(
        stranger
            .list_messages(user.id, None, None, 1)
            .await
            .is_err()
    );
}

async fn memories_and_vectors(store: Arc<dyn Store>) {
    use rebloom_store::{Memory, MemorySettings, MemorySource, StoredVector, VectorOf};
    let t0 = OffsetDateTime::now_utc();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let session = store
        .create_session(&NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            session_type: "general".into(),
            mood_before: None,
            now: t0,
        })
        .await
        .unwrap();
    let message = Message {
        id: Uuid::now_v7(),
        session_id: session.id,
        user_id: user.id,
        sender: Sender::User,
        content: "My sister Anna is visiting".into(),
        message_type: "text".into(),
        sentiment_score: None,
        emotional_tags: json!([]),
        risk_level: "none".into(),
        ai_confidence_score: None,
        metadata: json!({}),
        created_at: t0,
    };
    store.insert_message(&message).await.unwrap();
    let memory = Memory {
        id: Uuid::now_v7(),
        user_id: user.id,
        kind: "person".into(),
        content: "Your sister Anna".into(),
        sources: vec![MemorySource {
            message_id: message.id,
            session_id: session.id,
            at: t0,
        }],
        mention_count: 1,
        origin: "conversation".into(),
        created_at: t0,
        updated_at: t0,
        last_seen_at: t0,
    };
    store.insert_memory(&memory).await.unwrap();
    let listed = store.list_memories(user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].content, "Your sister Anna");
    assert_eq!(listed[0].sources, memory.sources);
    assert!(store.list_memories(other.id).await.unwrap().is_empty());
    assert!(
        store
            .find_memory(other.id, memory.id)
            .await
            .unwrap()
            .is_none(),
        "not another person's"
    );

    let mut edited = listed[0].clone();
    edited.content = "Your older sister Anna".into();
    edited.origin = "person".into();
    edited.mention_count = 2;
    edited.last_seen_at = t0 + Duration::minutes(5);
    assert!(store.update_memory(&edited).await.unwrap());
    let found = store
        .find_memory(user.id, memory.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.content, "Your older sister Anna");
    assert_eq!((found.origin.as_str(), found.mention_count), ("person", 2));
    let mut foreign = edited.clone();
    foreign.user_id = other.id;
    assert!(
        !store.update_memory(&foreign).await.unwrap(),
        "no update across people"
    );

    // Vectors: one per memory or message, replaced on upsert, per model.
    let v1 = StoredVector::new(user.id, VectorOf::Memory(memory.id), "m1", &[0.6, 0.8], t0);
    store.upsert_vector(&v1).await.unwrap();
    let v2 = StoredVector::new(user.id, VectorOf::Memory(memory.id), "m1", &[1.0, 0.0], t0);
    store.upsert_vector(&v2).await.unwrap();
    let vm = StoredVector::new(
        user.id,
        VectorOf::Message {
            message_id: message.id,
            session_id: session.id,
        },
        "m1",
        &[0.0, 1.0],
        t0,
    );
    store.upsert_vector(&vm).await.unwrap();
    let mut vectors = store.user_vectors(user.id, "m1").await.unwrap();
    vectors.sort_by_key(|v| v.id);
    assert_eq!(vectors.len(), 2, "the memory's vector was replaced");
    assert!(
        vectors
            .iter()
            .any(|v| v.of == VectorOf::Memory(memory.id) && v.values() == vec![1.0, 0.0])
    );
    assert!(
        vectors
            .iter()
            .any(|v| matches!(v.of, VectorOf::Message { .. }) && v.values() == vec![0.0, 1.0])
    );
    assert!(
        store
            .user_vectors(user.id, "other-model")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.user_vectors(other.id, "m1").await.unwrap().is_empty());

    // Sources: the person's own messages only.
    assert_eq!(
        store.messages_by_id(user.id, &[message.id]).await.unwrap()[0].content,
        message.content
    );
    assert!(
        store
            .messages_by_id(other.id, &[message.id])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.messages_by_id(user.id, &[]).await.unwrap().is_empty());

    // Settings.
    assert!(store.get_memory_settings(user.id).await.unwrap().is_none());
    let settings = MemorySettings {
        paused: true,
        never_remember: vec!["my ex".into(), "work".into()],
    };
    store
        .save_memory_settings(user.id, &settings, t0)
        .await
        .unwrap();
    assert_eq!(
        store.get_memory_settings(user.id).await.unwrap(),
        Some(settings)
    );
    let cleared = MemorySettings::default();
    store
        .save_memory_settings(user.id, &cleared, t0)
        .await
        .unwrap();
    assert_eq!(
        store.get_memory_settings(user.id).await.unwrap(),
        Some(cleared)
    );

    // Deleting a memory takes its vector; deleting all takes message vectors too.
    assert!(!store.delete_memory(other.id, memory.id).await.unwrap());
    assert!(store.delete_memory(user.id, memory.id).await.unwrap());
    assert!(
        store
            .find_memory(user.id, memory.id)
            .await
            .unwrap()
            .is_none()
    );
    let left = store.user_vectors(user.id, "m1").await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(matches!(left[0].of, VectorOf::Message { .. }));
    store
        .insert_memory(&Memory {
            id: Uuid::now_v7(),
            ..memory.clone()
        })
        .await
        .unwrap();
    assert_eq!(store.delete_memories(user.id).await.unwrap(), 1);
    assert!(store.list_memories(user.id).await.unwrap().is_empty());
    assert!(store.user_vectors(user.id, "m1").await.unwrap().is_empty());
}

async fn wellbeing_round_trip(store: Arc<dyn Store>) {
    use rebloom_store::{Goal, GoalProgress, MoodEntry, QuestionnaireResponse};
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let h = time::Duration::hours;
    let entry = |at: OffsetDateTime, score: i32| MoodEntry {
        id: Uuid::now_v7(),
        user_id: user.id,
        session_id: None,
        mood_score: score,
        anxiety_level: Some(3),
        stress_level: None,
        energy_level: Some(8),
        notes: Some("a long walk".into()),
        triggers: vec!["work".into(), "Sleep".into()],
        recorded_at: at,
        updated_at: None,
    };
    let early = entry(t0 - h(48), 3);
    let mid = entry(t0 - h(24), 5);
    let mut late = entry(t0, 7);
    late.notes = None;
    late.triggers = Vec::new();
    for e in [&late, &early, &mid] {
        store.insert_mood(e).await.unwrap();
    }
    // [from, to): oldest first, the end excluded, at most `limit`.
    let got = store.list_moods(user.id, t0 - h(48), t0, 10).await.unwrap();
    assert_eq!(got, vec![early.clone(), mid.clone()]);
    let got = store
        .list_moods(user.id, t0 - h(100), t0 + h(1), 2)
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        store
            .list_moods(user.id, t0 - h(100), t0 + h(1), 10)
            .await
            .unwrap()[2],
        late
    );
    assert!(
        store
            .list_moods(other.id, t0 - h(100), t0 + h(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.find_mood(other.id, mid.id).await.unwrap().is_none());
    let mut changed = mid.clone();
    changed.mood_score = 6;
    changed.notes = None;
    changed.triggers = vec!["family".into()];
    changed.updated_at = Some(t0);
    assert!(store.update_mood(&changed).await.unwrap());
    assert_eq!(
        store.find_mood(user.id, mid.id).await.unwrap(),
        Some(changed)
    );
    let mut foreign = mid.clone();
    foreign.user_id = other.id;
    assert!(
        !store.update_mood(&foreign).await.unwrap(),
        "not theirs to change"
    );
    assert!(!store.delete_mood(other.id, mid.id).await.unwrap());
    assert!(store.delete_mood(user.id, mid.id).await.unwrap());
    assert!(store.find_mood(user.id, mid.id).await.unwrap().is_none());

    let goal = Goal {
        id: Uuid::now_v7(),
        user_id: user.id,
        title: "Sleep better".into(),
        description: Some("Up at seven".into()),
        category: Some("sleep".into()),
        target_date: Some(time::macros::date!(2099 - 01 - 31)),
        status: "active".into(),
        progress_percentage: 0,
        created_at: t0,
        updated_at: t0,
        completed_at: None,
    };
    store.insert_goal(&goal).await.unwrap();
    assert_eq!(store.list_goals(user.id).await.unwrap(), vec![goal.clone()]);
    let mut done = goal.clone();
    done.progress_percentage = 100;
    done.status = "completed".into();
    done.completed_at = Some(t0 + h(1));
    done.updated_at = t0 + h(1);
    let step = |pct: i32, at: OffsetDateTime| GoalProgress {
        id: Uuid::now_v7(),
        goal_id: goal.id,
        user_id: user.id,
        progress_percentage: pct,
        note: Some(format!("at {pct}")),
        recorded_at: at,
    };
    let s1 = step(40, t0);
    let s2 = step(100, t0 + h(1));
    let mut half = goal.clone();
    half.progress_percentage = 40;
    assert!(store.record_goal_progress(&half, &s1).await.unwrap());
    assert!(store.record_goal_progress(&done, &s2).await.unwrap());
    assert_eq!(
        store.find_goal(user.id, goal.id).await.unwrap(),
        Some(done.clone())
    );
    assert_eq!(
        store.goal_progress(user.id, Some(goal.id)).await.unwrap(),
        vec![s1.clone(), s2.clone()]
    );
    // All the person's progress at once, across goals, in time order; nobody else's.
    let second = Goal {
        id: Uuid::now_v7(),
        title: "Read more".into(),
        ..goal.clone()
    };
    store.insert_goal(&second).await.unwrap();
    let s3 = GoalProgress {
        goal_id: second.id,
        ..step(20, t0 + time::Duration::minutes(30))
    };
    assert!(store.record_goal_progress(&second, &s3).await.unwrap());
    assert_eq!(
        store.goal_progress(user.id, None).await.unwrap(),
        vec![s1, s3, s2]
    );
    assert!(
        store
            .goal_progress(other.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.delete_goal(user.id, second.id).await.unwrap());
    // A goal that is gone takes no progress, and nothing is half-written.
    let mut missing = goal.clone();
    missing.id = Uuid::now_v7();
    let orphan = GoalProgress {
        goal_id: missing.id,
        ..step(10, t0)
    };
    assert!(!store.record_goal_progress(&missing, &orphan).await.unwrap());
    assert!(
        store
            .goal_progress(user.id, Some(missing.id))
            .await
            .unwrap()
            .is_empty()
    );
    let mut renamed = done.clone();
    renamed.title = "Sleep well".into();
    renamed.description = None;
    renamed.target_date = None;
    assert!(store.update_goal(&renamed).await.unwrap());
    assert_eq!(
        store.find_goal(user.id, goal.id).await.unwrap(),
        Some(renamed)
    );
    assert!(store.find_goal(other.id, goal.id).await.unwrap().is_none());
    assert!(!store.delete_goal(other.id, goal.id).await.unwrap());
    assert!(store.delete_goal(user.id, goal.id).await.unwrap());
    assert!(
        store
            .goal_progress(user.id, Some(goal.id))
            .await
            .unwrap()
            .is_empty(),
        "history goes with it"
    );

    let response =
        |instrument: &str, answers: Vec<i32>, at: OffsetDateTime| QuestionnaireResponse {
            id: Uuid::now_v7(),
            user_id: user.id,
            instrument: instrument.into(),
            total_score: answers.iter().sum(),
            answers,
            severity: "mild".into(),
            session_id: None,
            completed_at: at,
        };
    let q1 = response("phq9", vec![1, 1, 1, 1, 1, 1, 0, 0, 0], t0 - h(24));
    let q2 = response("gad7", vec![1, 1, 1, 1, 1, 0, 0], t0 - h(12));
    let q3 = response("phq9", vec![0, 1, 1, 1, 1, 1, 0, 0, 1], t0);
    for q in [&q1, &q2, &q3] {
        store.insert_questionnaire(q).await.unwrap();
    }
    assert_eq!(
        store.list_questionnaires(user.id, None, 10).await.unwrap(),
        vec![q3.clone(), q2.clone(), q1.clone()]
    );
    assert_eq!(
        store
            .list_questionnaires(user.id, Some("phq9"), 10)
            .await
            .unwrap(),
        vec![q3.clone(), q1]
    );
    assert_eq!(
        store
            .list_questionnaires(user.id, Some("phq9"), 1)
            .await
            .unwrap(),
        vec![q3.clone()]
    );
    assert!(
        store
            .list_questionnaires(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Insights: one per type and period; acknowledged once; the scheduler's view.
    use rebloom_store::Insight;
    let week = time::macros::date!(2026 - 11 - 16);
    let insight = Insight {
        id: Uuid::now_v7(),
        user_id: user.id,
        insight_type: "weekly".into(),
        title: "Your week".into(),
        content: json!({ "mood": { "average": 6.33, "evidence": [q3.id] } }),
        confidence_score: Some(0.43),
        period_start: Some(week),
        generated_at: t0,
        acknowledged_at: None,
    };
    assert!(store.save_insight(&insight).await.unwrap());
    let twin = Insight {
        id: Uuid::now_v7(),
        title: "again".into(),
        ..insight.clone()
    };
    assert!(!store.save_insight(&twin).await.unwrap(), "one per week");
    assert_eq!(
        store.list_insights(user.id, None, 10).await.unwrap(),
        vec![insight.clone()]
    );
    assert!(
        store
            .list_insights(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.list_insights(user.id, Some(week), 10).await.unwrap(),
        vec![insight.clone()]
    );
    let next_week = time::macros::date!(2026 - 11 - 23);
    assert!(
        store
            .list_insights(user.id, Some(next_week), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .acknowledge_insight(other.id, insight.id, t0)
            .await
            .unwrap()
    );
    assert!(
        store
            .acknowledge_insight(user.id, insight.id, t0 + h(1))
            .await
            .unwrap()
    );
    assert!(
        store
            .acknowledge_insight(user.id, insight.id, t0 + h(2))
            .await
            .unwrap()
    );
    assert_eq!(
        store.list_insights(user.id, None, 10).await.unwrap()[0].acknowledged_at,
        Some(t0 + h(1)),
        "the first reading counts"
    );
    let mut due = Vec::new();
    let mut after = None;
    loop {
        let page = store.insights_due(after, 100).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.user_id);
        due.extend(page);
    }
    let mine = due.iter().find(|d| d.user_id == user.id).unwrap();
    assert_eq!(mine.last_weekly, Some(week));
    let theirs = due.iter().find(|d| d.user_id == other.id).unwrap();
    assert_eq!(theirs.last_weekly, None);

    // Erasure takes everything with the person.
    assert!(store.delete_user(user.id).await.unwrap());
    assert!(
        store
            .list_insights(user.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_moods(user.id, t0 - h(100), t0 + h(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_questionnaires(user.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn notifications_and_reminders(store: Arc<dyn Store>) {
    use rebloom_store::{Notification, ReminderSettings};
    let t0 = now();
    let user = some_user(&*store, t0).await;
    let other = some_user(&*store, t0).await;
    let note = |n: i64| Notification {
        id: Uuid::now_v7(),
        user_id: user.id,
        kind: "reminder".into(),
        title: format!("Check-in {n}"),
        body: "How are you?".into(),
        link: Some("/mood".into()),
        created_at: t0 + time::Duration::minutes(n),
        read_at: None,
    };
    let (a, b, c) = (note(1), note(2), note(3));
    for n in [&a, &b, &c] {
        store.insert_notification(n).await.unwrap();
    }
    assert_eq!(
        store.list_notifications(user.id, None, 2).await.unwrap(),
        vec![c.clone(), b.clone()]
    );
    assert_eq!(
        store
            .list_notifications(user.id, Some(b.id), 10)
            .await
            .unwrap(),
        vec![a.clone()]
    );
    assert!(
        store
            .list_notifications(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count_unread(user.id).await.unwrap(), 3);
    assert_eq!(store.mark_read(other.id, Some(a.id), t0).await.unwrap(), 0);
    assert_eq!(store.mark_read(user.id, Some(a.id), t0).await.unwrap(), 1);
    assert_eq!(
        store.mark_read(user.id, Some(a.id), t0).await.unwrap(),
        0,
        "read once"
    );
    assert_eq!(store.count_unread(user.id).await.unwrap(), 2);
    assert_eq!(store.mark_read(user.id, None, t0).await.unwrap(), 2);
    assert_eq!(
        store
            .find_notification(user.id, a.id)
            .await
            .unwrap()
            .unwrap()
            .read_at,
        Some(t0)
    );

    let due = t0 + time::Duration::hours(1);
    let mut r = ReminderSettings {
        user_id: user.id,
        enabled: true,
        local_time: "09:00".into(),
        days: vec![1, 3, 5],
        email: false,
        quiet_start: Some("22:00".into()),
        quiet_end: Some("07:00".into()),
        next_due_at: Some(due),
        last_sent_at: None,
        updated_at: t0,
    };
    store.save_reminders(&r).await.unwrap();
    assert_eq!(store.get_reminders(user.id).await.unwrap(), Some(r.clone()));
    r.days = vec![1, 2, 3, 4, 5, 6, 7];
    store.save_reminders(&r).await.unwrap();
    assert_eq!(store.get_reminders(user.id).await.unwrap(), Some(r.clone()));
    assert!(
        store
            .due_reminders(t0, 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.user_id != user.id)
    );
    let found = store.due_reminders(due, 1000).await.unwrap();
    assert!(found.iter().any(|d| d.user_id == user.id));
    // Two replicas race: one wins.
    let next = due + time::Duration::days(1);
    assert!(
        store
            .advance_reminder(user.id, due, Some(next), due)
            .await
            .unwrap()
    );
    assert!(
        !store
            .advance_reminder(user.id, due, Some(next), due)
            .await
            .unwrap()
    );
    let after = store.get_reminders(user.id).await.unwrap().unwrap();
    assert_eq!(
        (after.next_due_at, after.last_sent_at),
        (Some(next), Some(due))
    );
    r.enabled = false;
    r.next_due_at = Some(due);
    store.save_reminders(&r).await.unwrap();
    assert!(
        store
            .due_reminders(next, 1000)
            .await
            .unwrap()
            .iter()
            .all(|d| d.user_id != user.id),
        "disabled"
    );

    assert!(store.delete_user(user.id).await.unwrap());
    assert!(
        store
            .list_notifications(user.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get_reminders(user.id).await.unwrap().is_none());
}
