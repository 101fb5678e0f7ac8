//! Rows as the rest of Rebloom sees them, independent of the backend.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

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

/// One issued refresh token. Only its SHA-256 is stored.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Failed-login bookkeeping for one account key.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginThrottle {
    pub failures: i64,
    pub last_failure_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}
