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

/// One conversation session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_type: String,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub duration_minutes: Option<i32>,
    pub message_count: i32,
    pub mood_before: Option<i32>,
    pub mood_after: Option<i32>,
    pub summary: Option<String>,
    /// The guided engine's state for this session.
    pub engine_state: Value,
    pub last_message_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_type: String,
    pub mood_before: Option<i32>,
    pub now: OffsetDateTime,
}

/// How a session ended.
#[derive(Debug, Clone)]
pub struct SessionEnd {
    pub ended_at: OffsetDateTime,
    pub duration_minutes: i32,
    pub mood_after: Option<i32>,
    pub summary: Option<String>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    User,
    Ai,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::User => "user",
            Sender::Ai => "ai",
        }
    }

    pub fn parse(s: &str) -> Option<Sender> {
        match s {
            "user" => Some(Sender::User),
            "ai" => Some(Sender::Ai),
            _ => None,
        }
    }
}

/// One message with its analysis, as in the architecture's `messages` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub sender: Sender,
    pub content: String,
    /// `text`, `voice` or `image`.
    pub message_type: String,
    /// In [-1, 1].
    pub sentiment_score: Option<f64>,
    pub emotional_tags: Value,
    /// `none`, `low`, `moderate`, `high` or `critical`.
    pub risk_level: String,
    /// In [0, 1].
    pub ai_confidence_score: Option<f64>,
    /// Provider, model, safety categories, exercise; never message text.
    pub metadata: Value,
    pub created_at: OffsetDateTime,
}

impl Message {
    /// A text message of the companion in `session_id`, with no analysis of its own.
    pub fn companion(
        session_id: Uuid,
        user_id: Uuid,
        content: String,
        risk_level: &str,
        metadata: Value,
        created_at: OffsetDateTime,
    ) -> Message {
        Message {
            id: Uuid::now_v7(),
            session_id,
            user_id,
            sender: Sender::Ai,
            content,
            message_type: "text".to_owned(),
            sentiment_score: None,
            emotional_tags: Value::Array(Vec::new()),
            risk_level: risk_level.to_owned(),
            ai_confidence_score: None,
            metadata,
            created_at,
        }
    }
}

/// Where a request with an idempotency key stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Idempotency {
    /// First time: go ahead, then record the response.
    Started,
    /// Done before: answer this again.
    Replay(Value),
    /// The first request with this key is still being processed.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// A high or critical assessment and what was done about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisEvent {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    /// `high` or `critical`.
    pub risk_level: String,
    pub categories: Value,
    /// `crisis_resources` or `emergency_services`.
    pub intervention_type: String,
    pub created_at: OffsetDateTime,
}

/// A background job to enqueue. The payload holds ids and levels only.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    /// What kind of work it is, e.g. `crisis.webhook`.
    pub queue: String,
    pub payload: Value,
    /// The person it concerns: their jobs go when their account does.
    pub user_id: Option<Uuid>,
    pub run_at: OffsetDateTime,
    pub max_attempts: i32,
}

/// A job claimed by a worker. `lease` proves the claim: completing or retrying
/// with an old lease (the job was reclaimed after its lock ran out) does nothing.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub queue: String,
    pub payload: Value,
    pub user_id: Option<Uuid>,
    /// Including this one.
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease: Uuid,
}

/// Jobs per queue and status (`pending`, `running`, `failed`), for metrics and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    pub queue: String,
    pub status: String,
    pub count: i64,
}

/// Someone the person trusts, named with their explicit consent.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedContact {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub consented_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_notified_at: Option<OffsetDateTime>,
}

/// An entry to append to the audit log: who did what to whose data. Never
/// health content.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub actor_id: Option<Uuid>,
    /// `user`, `clinician`, `admin` or `system`.
    pub actor_role: String,
    /// The person whose data or account it concerns.
    pub subject_id: Option<Uuid>,
    /// e.g. `account.erased`, `admin.role_changed`, `trusted_contact.notified`.
    pub action: String,
    /// Small, content-free details.
    pub detail: Value,
    pub at: OffsetDateTime,
}

/// An entry of the audit log as stored, with its place in the hash chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub subject_id: Option<Uuid>,
    pub action: String,
    /// Canonical JSON text (sorted keys), as hashed.
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl AuditEntry {
    /// The hash this entry must have: SHA-256 over the previous hash and the
    /// entry's fields, length-prefixed so no two entries can collide by
    /// shifting text between fields.
    pub fn compute_hash(&self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(&self.prev_hash);
        field(&self.seq.to_be_bytes());
        field(self.id.as_bytes());
        field(&(self.at.unix_timestamp_nanos() / 1000).to_be_bytes());
        field(
            self.actor_id
                .map(|u| *u.as_bytes())
                .unwrap_or_default()
                .as_slice(),
        );
        field(self.actor_role.as_bytes());
        field(
            self.subject_id
                .map(|u| *u.as_bytes())
                .unwrap_or_default()
                .as_slice(),
        );
        field(self.action.as_bytes());
        field(self.detail.as_bytes());
        h.finalize().to_vec()
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    Intact {
        entries: i64,
    },
    /// The first entry (by sequence number) where the chain breaks, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// A data export and where it is in its life.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `pending`, `ready`, `downloaded`, `expired` or `failed`.
    pub status: String,
    /// The sealed ZIP's file name under the data directory's `exports/`.
    pub file: Option<String>,
    pub size_bytes: Option<i64>,
    pub created_at: OffsetDateTime,
    pub ready_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub downloaded_at: Option<OffsetDateTime>,
}

/// A person's consent for one clinician to see part of their data for a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub clinician_id: Uuid,
    /// `mood`, `summaries`, `conversations` (the chosen sessions) or `everything`.
    pub scope: String,
    /// With `conversations`: the sessions shared.
    pub session_ids: Vec<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl Grant {
    pub fn active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// Something the companion remembers about a person, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `person`, `goal`, `stressor`, `coping` or `note`.
    pub kind: String,
    pub content: String,
    /// The messages it was learnt from (ids only), oldest first.
    pub sources: Vec<MemorySource>,
    /// How often it came up.
    pub mention_count: i32,
    /// `conversation` (learnt) or `person` (written or edited by them).
    pub origin: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// A message a memory was learnt from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemorySource {
    pub message_id: Uuid,
    pub session_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What a memory vector belongs to: a memory or one of the person's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorOf {
    Memory(Uuid),
    Message { message_id: Uuid, session_id: Uuid },
}

/// A sentence embedding of a memory or a message, for exact per-person search.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    pub id: Uuid,
    pub user_id: Uuid,
    pub of: VectorOf,
    /// The embedding model; vectors of different models are never compared.
    pub model: String,
    /// The values as little-endian `f32`s (see [`StoredVector::values`]).
    pub bytes: Vec<u8>,
    pub created_at: OffsetDateTime,
}

impl StoredVector {
    pub fn new(
        user_id: Uuid,
        of: VectorOf,
        model: &str,
        values: &[f32],
        now: OffsetDateTime,
    ) -> StoredVector {
        StoredVector {
            id: Uuid::now_v7(),
            user_id,
            of,
            model: model.to_owned(),
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            created_at: now,
        }
    }

    pub fn values(&self) -> Vec<f32> {
        self.bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
}

/// A person's memory settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemorySettings {
    /// Nothing new is learnt while paused; what is kept is still used.
    pub paused: bool,
    /// Topics never to remember (words or short phrases).
    pub never_remember: Vec<String>,
}

/// A mood check-in. Notes and triggers are sealed; the levels are not, so
/// they can be aggregated.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    /// 1 (very low) to 10 (very good).
    pub mood_score: i32,
    /// 1 to 10 each, when given.
    pub anxiety_level: Option<i32>,
    pub stress_level: Option<i32>,
    pub energy_level: Option<i32>,
    pub notes: Option<String>,
    /// What the person tagged as affecting their mood ("work", "sleep").
    pub triggers: Vec<String>,
    pub recorded_at: OffsetDateTime,
    pub updated_at: Option<OffsetDateTime>,
}

/// A goal of the person's. Title and description are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub target_date: Option<time::Date>,
    /// `active`, `completed`, `paused` or `archived`.
    pub status: String,
    pub progress_percentage: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

/// One step of a goal's progress history. The note is sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    pub id: Uuid,
    pub goal_id: Uuid,
    pub user_id: Uuid,
    pub progress_percentage: i32,
    pub note: Option<String>,
    pub recorded_at: OffsetDateTime,
}

/// A completed standardised questionnaire (PHQ-9, GAD-7). Like mood levels,
/// its numbers are not sealed (so they can be aggregated and trended).
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionnaireResponse {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `phq9` or `gad7`.
    pub instrument: String,
    /// Each item's answer, 0 to 3, in the instrument's order.
    pub answers: Vec<i32>,
    pub total_score: i32,
    pub severity: String,
    pub session_id: Option<Uuid>,
    pub completed_at: OffsetDateTime,
}

/// A generated insight (the weekly report). Title and content are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `weekly`.
    pub insight_type: String,
    pub title: String,
    pub content: serde_json::Value,
    pub confidence_score: Option<f64>,
    /// The first local day of the period it covers.
    pub period_start: Option<time::Date>,
    pub generated_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// Who may be due an insight: a person's id, time zone and latest weekly period.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightDue {
    pub user_id: Uuid,
    pub timezone: Option<String>,
    pub last_weekly: Option<time::Date>,
}

/// A job that used up its attempts (the dead-letter view). Payloads are not
/// shown: they hold ids only, and operators need the error, not the data.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedJob {
    pub id: Uuid,
    pub queue: String,
    pub user_id: Option<Uuid>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub failed_at: OffsetDateTime,
}

/// A message in the person's in-app inbox. Title and body are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `reminder`, `insight`, …
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where in the app it leads, e.g. `/insights`.
    pub link: Option<String>,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

/// When the person wants a check-in reminder, in their own time.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    pub user_id: Uuid,
    pub enabled: bool,
    /// Local time of day, `HH:MM`.
    pub local_time: String,
    /// ISO weekdays (1 = Monday … 7 = Sunday).
    pub days: Vec<u8>,
    /// Also by e-mail (when the server can send e-mail).
    pub email: bool,
    /// Quiet hours, `HH:MM` to `HH:MM` local (may wrap past midnight).
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub next_due_at: Option<OffsetDateTime>,
    pub last_sent_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}
