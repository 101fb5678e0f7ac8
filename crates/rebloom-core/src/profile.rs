//! A person's account as they see it, and their profile: the patch of the
//! profile and of the preferences, checked field by field (every wrong field
//! said at once), and [`Profiles`], which reads and writes them. Registration
//! checks its optional profile with the same rules.

use std::sync::Arc;

use rebloom_store::{Profile, Role, Store, User, UserStore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::Clock;
use crate::preferences::{
    CommunicationPreferences, PrivacySettings, ProfileView, TherapeuticPreferences, double_option,
};
use crate::{CoreError, CoreResult, FieldError};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    #[schema(value_type = crate::schemas::RoleName, example = "user")]
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_active: Option<OffsetDateTime>,
    pub onboarding_completed: bool,
    pub subscription_tier: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            role: u.role,
            created_at: u.created_at,
            last_active: u.last_active,
            onboarding_completed: u.onboarding_completed,
            subscription_tier: u.subscription_tier.clone(),
        }
    }
}

/// A partial profile: absent fields stay as they are; `null` clears nullable ones.
/// Preference objects are merged key by key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::schemas::DisplayName>)]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::schemas::AgeRange>)]
    pub age_range: Option<Option<String>>,
    /// An IANA time zone the server's time-zone database knows, e.g. `Europe/Berlin`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "Europe/Berlin", max_length = 64,
        pattern = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")]
    pub timezone: Option<Option<String>>,
    /// A language and an optional region or script, e.g. `en`, `es-MX`, `zh-Hant`.
    #[serde(default)]
    #[schema(
        example = "en",
        pattern = r"^[\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[A-Za-z]{2,3}([-_]([A-Za-z]{2}|[A-Za-z]{4}))?[\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub language: Option<String>,
    /// For crisis resources; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::schemas::Country>)]
    pub country: Option<Option<String>>,
    /// Up to 20 goals in the person's own words, each 1 to 200 characters
    /// without control characters (repeats are dropped).
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::schemas::GoalText>>, max_items = 20)]
    pub goals: Option<Vec<String>>,
    /// Free-form, optional: a JSON object of at most 16 KiB.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub mental_health_history: Option<Option<Value>>,
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub therapeutic_preferences: Option<TherapeuticPreferences>,
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub communication_preferences: Option<CommunicationPreferences>,
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub privacy_settings: Option<PrivacySettings>,
    /// The onboarding step the person reached.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::OnboardingStep>)]
    pub onboarding_step: Option<String>,
    #[serde(default)]
    pub onboarding_completed: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferencesPatch {
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub therapeutic_preferences: Option<TherapeuticPreferences>,
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub communication_preferences: Option<CommunicationPreferences>,
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub privacy_settings: Option<PrivacySettings>,
}

pub const AGE_RANGES: &[&str] = &["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
pub const ONBOARDING_STEPS: &[&str] = &[
    "welcome",
    "name",
    "age",
    "goals",
    "approach",
    "country",
    "privacy",
    "reminders",
    "done",
];
const MAX_GOALS: usize = 20;
const MAX_HISTORY_BYTES: usize = 16 * 1024;

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

fn valid_hhmm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}

/// `en`, `es-MX`, `zh-Hant`: a language subtag and an optional region or script.
fn normalize_language(s: &str) -> Option<String> {
    let mut parts = s.trim().split(['-', '_']);
    let lang = parts.next()?;
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = lang.to_ascii_lowercase();
    if let Some(sub) = parts.next() {
        match sub.len() {
            2 if sub.chars().all(|c| c.is_ascii_alphabetic()) => {
                out.push('-');
                out.push_str(&sub.to_ascii_uppercase());
            }
            4 if sub.chars().all(|c| c.is_ascii_alphabetic()) => {
                out.push('-');
                out.push_str(&sub[..1].to_ascii_uppercase());
                out.push_str(&sub[1..].to_ascii_lowercase());
            }
            _ => return None,
        }
    }
    parts.next().is_none().then_some(out)
}

/// JSON merge of a typed preferences patch into the stored object: the keys the
/// patch sets replace the stored ones; the others stay.
fn merge<T: Serialize>(stored: &mut Value, patch: &T) {
    let Ok(Value::Object(patch)) = serde_json::to_value(patch) else {
        return;
    };
    if !stored.is_object() {
        *stored = Value::Object(Default::default());
    }
    if let Value::Object(map) = stored {
        map.extend(patch);
    }
}

fn validate_communication(c: &CommunicationPreferences, errors: &mut Vec<FieldError>) {
    for (name, v) in [
        ("reminderTime", &c.reminder_time),
        ("quietHoursStart", &c.quiet_hours_start),
        ("quietHoursEnd", &c.quiet_hours_end),
    ] {
        if let Some(v) = v
            && !valid_hhmm(v)
        {
            errors.push(FieldError::new(
                format!("communicationPreferences.{name}"),
                "invalid_time",
                "Use a 24-hour time HH:MM.",
            ));
        }
    }
}

/// Applies the preference parts of a patch (validated) to the profile.
fn apply_preferences(
    therapeutic: &Option<TherapeuticPreferences>,
    communication: &Option<CommunicationPreferences>,
    privacy: &Option<PrivacySettings>,
    profile: &mut Profile,
    errors: &mut Vec<FieldError>,
) {
    if let Some(t) = therapeutic {
        if t.secondary_approaches.as_ref().is_some_and(|v| v.len() > 4) {
            errors.push(FieldError::new(
                "therapeuticPreferences.secondaryApproaches",
                "too_many",
                "Choose at most 4.",
            ));
        }
        merge(&mut profile.therapeutic_preferences, t);
    }
    if let Some(c) = communication {
        validate_communication(c, errors);
        merge(&mut profile.communication_preferences, c);
    }
    if let Some(p) = privacy {
        if p.data_retention_days
            .is_some_and(|d| !(30..=3650).contains(&d))
        {
            errors.push(FieldError::new(
                "privacySettings.dataRetentionDays",
                "out_of_range",
                "Choose between 30 and 3650 days.",
            ));
        }
        merge(&mut profile.privacy_settings, p);
    }
}

/// Validates the patch and applies it to `profile`; returns every invalid field.
pub fn validate_profile_patch(patch: &ProfilePatch, profile: &mut Profile) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(name) = &patch.display_name {
        profile.display_name = match name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) if n.chars().count() > 100 => {
                errors.push(FieldError::new(
                    "displayName",
                    "too_long",
                    "Use at most 100 characters.",
                ));
                None
            }
            Some(n) if has_control(n) => {
                errors.push(FieldError::new(
                    "displayName",
                    "invalid_characters",
                    "Remove control characters.",
                ));
                None
            }
            Some(n) => Some(n.to_owned()),
        };
    }
    if let Some(age) = &patch.age_range {
        if let Some(a) = age
            && !AGE_RANGES.contains(&a.as_str())
        {
            errors.push(FieldError::new(
                "ageRange",
                "invalid_choice",
                format!("Choose one of {}.", AGE_RANGES.join(", ")),
            ));
        }
        profile.age_range = age.clone();
    }
    if let Some(tz) = &patch.timezone {
        if let Some(t) = tz
            && jiff::tz::db().get(t).is_err()
        {
            errors.push(FieldError::new(
                "timezone",
                "invalid_timezone",
                "Use an IANA time zone such as Europe/Berlin.",
            ));
        }
        profile.timezone = tz.clone();
    }
    if let Some(lang) = &patch.language {
        match normalize_language(lang) {
            Some(l) => profile.language = l,
            None => errors.push(FieldError::new(
                "language",
                "invalid_language",
                "Use a language tag such as en or es-MX.",
            )),
        }
    }
    if let Some(country) = &patch.country {
        profile.country = match country.as_deref().map(|c| c.trim().to_ascii_uppercase()) {
            None => None,
            Some(c)
                if c.len() == 2
                    && crate::preferences::COUNTRIES
                        .split_whitespace()
                        .any(|k| k == c) =>
            {
                Some(c)
            }
            Some(_) => {
                errors.push(FieldError::new(
                    "country",
                    "invalid_country",
                    "Use an ISO 3166-1 alpha-2 code such as GB.",
                ));
                None
            }
        };
    }
    if let Some(goals) = &patch.goals {
        if goals.len() > MAX_GOALS {
            errors.push(FieldError::new(
                "goals",
                "too_many",
                format!("Keep at most {MAX_GOALS} goals."),
            ));
        }
        let mut clean = Vec::with_capacity(goals.len());
        for (i, g) in goals.iter().enumerate() {
            let g = g.trim();
            if g.is_empty() || g.chars().count() > 200 || has_control(g) {
                errors.push(FieldError::new(
                    format!("goals[{i}]"),
                    "invalid_goal",
                    "Each goal is 1 to 200 characters of text.",
                ));
            } else if !clean.contains(&g) {
                clean.push(g);
            }
        }
        profile.goals = Value::from(clean);
    }
    if let Some(history) = &patch.mental_health_history {
        match history {
            None => profile.mental_health_history = None,
            Some(v @ Value::Object(_)) if v.to_string().len() <= MAX_HISTORY_BYTES => {
                profile.mental_health_history = Some(v.clone())
            }
            Some(Value::Object(_)) => errors.push(FieldError::new(
                "mentalHealthHistory",
                "too_large",
                "Keep it under 16 KiB.",
            )),
            Some(_) => errors.push(FieldError::new(
                "mentalHealthHistory",
                "invalid_type",
                "Send a JSON object.",
            )),
        }
    }
    apply_preferences(
        &patch.therapeutic_preferences,
        &patch.communication_preferences,
        &patch.privacy_settings,
        profile,
        &mut errors,
    );
    if let Some(step) = &patch.onboarding_step {
        if ONBOARDING_STEPS.contains(&step.as_str()) {
            merge(
                &mut profile.onboarding,
                &serde_json::json!({ "step": step }),
            );
        } else {
            errors.push(FieldError::new(
                "onboardingStep",
                "invalid_choice",
                format!("Choose one of {}.", ONBOARDING_STEPS.join(", ")),
            ));
        }
    }
    errors
}

/// Reads and changes a person's profile and preferences.
#[derive(Clone)]
pub struct Profiles {
    users: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
}

impl Profiles {
    /// The port it needs, taken from the (sealed) store.
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>) -> Profiles {
        Profiles {
            users: store.clone(),
            clock,
        }
    }

    /// The person's profile as stored (for a way in that acts on its settings).
    pub async fn load(&self, user_id: Uuid) -> CoreResult<Profile> {
        self.users
            .get_profile(user_id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The profile of `account`.
    pub async fn profile(&self, account: &User) -> CoreResult<ProfileView> {
        let profile = self.load(account.id).await?;
        Ok(ProfileView::new(&profile, account.onboarding_completed))
    }

    /// Changes the profile of `account`: absent fields stay, `null` clears,
    /// preference objects merge; nothing is written when a field is wrong.
    pub async fn patch_profile(
        &self,
        account: &User,
        patch: &ProfilePatch,
    ) -> CoreResult<ProfileView> {
        let mut profile = self.load(account.id).await?;
        let errors = validate_profile_patch(patch, &mut profile);
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let now = self.clock.now();
        profile.updated_at = now;
        self.users.save_profile(&profile).await?;
        let mut completed = account.onboarding_completed;
        if let Some(done) = patch.onboarding_completed
            && done != completed
        {
            self.users
                .set_onboarding_completed(account.id, done, now)
                .await?;
            completed = done;
        }
        Ok(ProfileView::new(&profile, completed))
    }

    /// Changes the therapeutic, communication and privacy preferences of
    /// `account` (merged key by key).
    pub async fn patch_preferences(
        &self,
        account: &User,
        patch: &PreferencesPatch,
    ) -> CoreResult<ProfileView> {
        let mut profile = self.load(account.id).await?;
        let mut errors = Vec::new();
        apply_preferences(
            &patch.therapeutic_preferences,
            &patch.communication_preferences,
            &patch.privacy_settings,
            &mut profile,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        profile.updated_at = self.clock.now();
        self.users.save_profile(&profile).await?;
        Ok(ProfileView::new(&profile, account.onboarding_completed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(valid_hhmm("00:00") && valid_hhmm("23:59"));
        assert!(
            !valid_hhmm("24:00")
                && !valid_hhmm("7:00")
                && !valid_hhmm("12:60")
                && !valid_hhmm("+1:00")
        );
        assert_eq!(normalize_language("es_mx").as_deref(), Some("es-MX"));
        assert_eq!(normalize_language("zh-hant").as_deref(), Some("zh-Hant"));
        assert_eq!(normalize_language("EN").as_deref(), Some("en"));
        assert_eq!(normalize_language("english"), None);
        assert_eq!(normalize_language("en-US-x"), None);
    }
}
