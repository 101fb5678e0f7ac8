//! The person's preferences, as stored in their profile: how the companion
//! works with them (therapeutic), speaks to them (communication), and what it
//! keeps (privacy). Stored as JSON objects; read here, typed, with defaults for
//! anything unset or unreadable.

use rebloom_store::Profile;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// ISO 3166-1 alpha-2 codes (whitespace-separated) a profile's country may take;
/// the country picks the crisis lines.
pub const COUNTRIES: &str = include_str!("../data/iso3166-alpha2.txt");

/// Evidence-based approaches the companion can lean on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Approach {
    Cbt,
    Dbt,
    Act,
    Mindfulness,
    PersonCentred,
}

impl Approach {
    /// The name as stored and sent (`person-centred`).
    pub fn as_str(self) -> &'static str {
        match self {
            Approach::Cbt => "cbt",
            Approach::Dbt => "dbt",
            Approach::Act => "act",
            Approach::Mindfulness => "mindfulness",
            Approach::PersonCentred => "person-centred",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    Gentle,
    Direct,
    Encouraging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplyLength {
    Short,
    Medium,
    Long,
}

impl ReplyLength {
    /// The name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyLength::Short => "short",
            ReplyLength::Medium => "medium",
            ReplyLength::Long => "long",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TherapeuticPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<Approach>,
    /// At most 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 4)]
    pub secondary_approaches: Option<Vec<Approach>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommunicationPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_length: Option<ReplyLength>,
    /// Whether the companion addresses the person by their display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_name: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in_reminders: Option<bool>,
    /// Local time `HH:MM` for check-in reminders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "20:30", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub reminder_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "22:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_hours_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "07:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_hours_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_notifications: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivacySettings {
    /// Whether the companion may remember things across sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_enabled: Option<bool>,
    /// Whether voice recordings are kept after transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_voice_recordings: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_opt_in: Option<bool>,
    /// Conversations older than this many days are deleted (30 to 3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 30, maximum = 3650)]
    pub data_retention_days: Option<u32>,
}

/// A field that may be absent (unchanged), `null` (cleared) or a value.
pub fn double_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl TherapeuticPreferences {
    pub fn of(profile: &Profile) -> Self {
        serde_json::from_value(profile.therapeutic_preferences.clone()).unwrap_or_default()
    }
}

impl CommunicationPreferences {
    pub fn of(profile: &Profile) -> Self {
        serde_json::from_value(profile.communication_preferences.clone()).unwrap_or_default()
    }
}

impl PrivacySettings {
    pub fn of(profile: &Profile) -> Self {
        serde_json::from_value(profile.privacy_settings.clone()).unwrap_or_default()
    }
}

// The profile as the person reads it back (and as their export holds it).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub display_name: Option<String>,
    pub age_range: Option<String>,
    pub timezone: Option<String>,
    pub language: String,
    pub country: Option<String>,
    pub goals: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub mental_health_history: Option<Value>,
    pub therapeutic_preferences: TherapeuticPreferences,
    pub communication_preferences: CommunicationPreferences,
    pub privacy_settings: PrivacySettings,
    pub onboarding_step: Option<String>,
    pub onboarding_completed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ProfileView {
    pub fn new(p: &Profile, onboarding_completed: bool) -> ProfileView {
        ProfileView {
            display_name: p.display_name.clone(),
            age_range: p.age_range.clone(),
            timezone: p.timezone.clone(),
            language: p.language.clone(),
            country: p.country.clone(),
            goals: serde_json::from_value(p.goals.clone()).unwrap_or_default(),
            mental_health_history: p.mental_health_history.clone(),
            therapeutic_preferences: TherapeuticPreferences::of(p),
            communication_preferences: CommunicationPreferences::of(p),
            privacy_settings: PrivacySettings::of(p),
            onboarding_step: p
                .onboarding
                .get("step")
                .and_then(Value::as_str)
                .map(str::to_owned),
            onboarding_completed,
            updated_at: p.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_the_stored_ones() {
        use Approach::*;
        for a in [Cbt, Dbt, Act, Mindfulness, PersonCentred] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for l in [ReplyLength::Short, ReplyLength::Medium, ReplyLength::Long] {
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
    }
}
