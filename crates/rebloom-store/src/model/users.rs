//! Users and their profiles: the account rows, and [`UserStore`], which
//! creates, finds, lists and updates them. Erasing a user is on [`crate::Store`],
//! as it reaches every aggregate.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// Who a user is to Rebloom. Stored as lower-case text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Clinician,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "clinician" => Some(Role::Clinician),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    /// Bumped to end every access token already issued (logout-all, password change, disable).
    pub token_version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_active: Option<OffsetDateTime>,
    pub subscription_tier: String,
    pub onboarding_completed: bool,
    pub disabled_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    /// Normalised (trimmed, lower-case).
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub now: OffsetDateTime,
}

/// A user's profile and preferences. JSON fields are free-form documents whose
/// shape the HTTP layer validates.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub user_id: Uuid,
    pub display_name: Option<String>,
    pub age_range: Option<String>,
    pub timezone: Option<String>,
    pub language: String,
    /// ISO 3166-1 alpha-2, upper-case; picks crisis resources.
    pub country: Option<String>,
    pub goals: Value,
    pub mental_health_history: Option<Value>,
    pub therapeutic_preferences: Value,
    pub communication_preferences: Value,
    pub privacy_settings: Value,
    /// Onboarding progress (steps done); completion itself is on the user.
    pub onboarding: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Profile {
    /// The profile every new account starts with.
    pub fn empty(user_id: Uuid, now: OffsetDateTime) -> Profile {
        Profile {
            user_id,
            display_name: None,
            age_range: None,
            timezone: None,
            language: "en".to_owned(),
            country: None,
            goals: Value::Array(Vec::new()),
            mental_health_history: None,
            therapeutic_preferences: Value::Object(Default::default()),
            communication_preferences: Value::Object(Default::default()),
            privacy_settings: Value::Object(Default::default()),
            onboarding: Value::Object(Default::default()),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Users and their profiles.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates the user and an empty profile in one transaction.
    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>>;
    /// `email` must already be normalised (trimmed, lower-case).
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Users ordered by id, after `after` when given.
    async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>>;
    async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool>;
    /// Disables (`Some`) or re-enables (`None`) an account.
    async fn set_user_disabled(
        &self,
        id: Uuid,
        disabled_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn set_onboarding_completed(
        &self,
        id: Uuid,
        completed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Users seen at or after `since`.
    async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64>;

    // Profiles
    async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>>;
    /// Overwrites every editable field of the profile; `false` if the user has none.
    async fn save_profile(&self, profile: &Profile) -> StoreResult<bool>;
}
