//! Mood check-ins as the person reads them back (the architecture's fields:
//! mood 1-10, anxiety, stress and energy, notes, triggers, an optional
//! session) and their trends over the person's own days, weeks and months.
//! The checks on what is sent are here too; the endpoints are
//! `rebloom-server`'s `http::moods`.

use rebloom_store::{MoodEntry, MoodStore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::calendar::{Calendar, RangeParams};
use super::trends::{self, Bucket, Point, Trends};
use super::{Wellbeing, optional_text};
use crate::{CoreError, CoreResult, FieldError};

/// Longest notes, in characters.
const MAX_NOTES: usize = 2000;
const MAX_TRIGGERS: usize = 20;
const MAX_TRIGGER: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMood {
    #[schema(minimum = 1, maximum = 10, example = 6)]
    pub mood_score: i32,
    #[schema(minimum = 1, maximum = 10)]
    pub anxiety_level: Option<i32>,
    #[schema(minimum = 1, maximum = 10)]
    pub stress_level: Option<i32>,
    #[schema(minimum = 1, maximum = 10)]
    pub energy_level: Option<i32>,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Tags such as `work` or `sleep`: up to 20.
    #[schema(value_type = Option<Vec<crate::schemas::Trigger>>, max_items = 20)]
    pub triggers: Option<Vec<String>>,
    /// One of the caller's sessions.
    pub session_id: Option<Uuid>,
    /// When it was felt (default now); not in the future, at most a year ago.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
}

/// A change to an entry: absent fields stay; `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoodChange {
    #[schema(minimum = 1, maximum = 10)]
    pub mood_score: Option<i32>,
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub anxiety_level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub stress_level: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10)]
    pub energy_level: Option<Option<i32>>,
    /// Up to 2000 characters.
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
    /// Replaces the tags: up to 20.
    #[schema(value_type = Option<Vec<crate::schemas::Trigger>>, max_items = 20)]
    pub triggers: Option<Vec<String>>,
    /// One of the caller's sessions.
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub session_id: Option<Option<Uuid>>,
    /// Not in the future, at most a year ago.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
}

fn check_level(field: &str, v: Option<i32>, errors: &mut Vec<FieldError>) {
    if let Some(v) = v
        && !(1..=10).contains(&v)
    {
        errors.push(FieldError::new(field, "out_of_range", "Use 1 to 10."));
    }
}

/// Trimmed, without repeats (ignoring case; the first spelling stays);
/// checked for number and length.
fn check_triggers(list: Vec<String>, errors: &mut Vec<FieldError>) -> Vec<String> {
    // As sent, repeats included (the document's `maxItems`).
    let sent = list.len();
    let mut out: Vec<String> = Vec::new();
    for t in list {
        let t = t.trim().to_owned();
        if t.is_empty() || t.chars().count() > MAX_TRIGGER || t.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "triggers",
                "invalid_trigger",
                format!("Each trigger is 1 to {MAX_TRIGGER} characters."),
            ));
            return out;
        }
        if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if sent > MAX_TRIGGERS {
        errors.push(FieldError::new(
            "triggers",
            "too_many",
            format!("At most {MAX_TRIGGERS} triggers."),
        ));
    }
    out
}

/// To the microsecond, as stored.
fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

fn check_time(at: OffsetDateTime, now: OffsetDateTime, errors: &mut Vec<FieldError>) {
    if at > now + time::Duration::minutes(5) || at < now - time::Duration::days(366) {
        errors.push(FieldError::new(
            "recordedAt",
            "out_of_range",
            "Not in the future and at most a year ago.",
        ));
    }
}

/// Entries read for one list or trend at most.
pub const MAX_ENTRIES: i64 = 10_000;

// GraphQL's `Mood` gives the same fields.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoodView {
    pub id: Uuid,
    /// 1 (very low) to 10 (very good).
    pub mood_score: i32,
    pub anxiety_level: Option<i32>,
    pub stress_level: Option<i32>,
    pub energy_level: Option<i32>,
    pub notes: Option<String>,
    pub triggers: Vec<String>,
    pub session_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// The person's own date of the entry (their time zone), YYYY-MM-DD.
    pub local_date: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl MoodView {
    pub fn new(m: MoodEntry, calendar: &Calendar) -> MoodView {
        MoodView {
            id: m.id,
            mood_score: m.mood_score,
            anxiety_level: m.anxiety_level,
            stress_level: m.stress_level,
            energy_level: m.energy_level,
            local_date: calendar.date_of(m.recorded_at).to_string(),
            notes: m.notes,
            triggers: m.triggers,
            session_id: m.session_id,
            recorded_at: m.recorded_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoodList {
    pub timezone: String,
    pub from: String,
    pub to: String,
    /// Newest first.
    pub entries: Vec<MoodView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendParams {
    /// `day` (default), `week` (Monday first) or `month`.
    #[param(value_type = Option<Bucket>)]
    pub bucket: Option<String>,
    /// As for the list: `7d`, `30d` (default), `12w`, `6m`, `1y`… (at most 731 days).
    #[param(
        pattern = r"^\+?0*([1-9]|[1-9][0-9]|[1-6][0-9]{2}|7[0-2][0-9]|73[01])d$|^\+?0*([1-9]|[1-9][0-9]|10[0-4])w$|^\+?0*([1-9]|1[0-9]|2[0-4])m$|^\+?0*[12]y$"
    )]
    pub range: Option<String>,
    /// First local day, instead of `range`; at most 731 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last local day, default today; not before `from`.
    #[param(format = Date)]
    pub to: Option<String>,
}

impl Wellbeing {
    /// Records a check-in, checked (levels 1 to 10, notes, triggers, a time
    /// not in the future and at most a year ago, one of the person's sessions).
    pub async fn record_mood(&self, user_id: Uuid, req: NewMood) -> CoreResult<MoodView> {
        let now = self.clock.now();
        let mut errors = Vec::new();
        check_level("moodScore", Some(req.mood_score), &mut errors);
        check_level("anxietyLevel", req.anxiety_level, &mut errors);
        check_level("stressLevel", req.stress_level, &mut errors);
        check_level("energyLevel", req.energy_level, &mut errors);
        let notes = optional_text("notes", req.notes, MAX_NOTES, &mut errors);
        let triggers = check_triggers(req.triggers.unwrap_or_default(), &mut errors);
        let recorded_at = micros(req.recorded_at.unwrap_or(now));
        check_time(recorded_at, now, &mut errors);
        self.check_session(user_id, req.session_id, &mut errors)
            .await?;
        CoreError::invalid_if_any(errors)?;
        let entry = MoodEntry {
            id: Uuid::now_v7(),
            user_id,
            session_id: req.session_id,
            mood_score: req.mood_score,
            anxiety_level: req.anxiety_level,
            stress_level: req.stress_level,
            energy_level: req.energy_level,
            notes,
            triggers,
            recorded_at,
            updated_at: None,
        };
        self.moods.insert_mood(&entry).await?;
        metrics::counter!("mood_entries_total").increment(1);
        Ok(MoodView::new(entry, &self.calendar(user_id).await?))
    }

    /// One of the person's check-ins.
    pub async fn mood(&self, user_id: Uuid, id: Uuid) -> CoreResult<MoodView> {
        let entry = self
            .moods
            .find_mood(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(MoodView::new(entry, &self.calendar(user_id).await?))
    }

    /// Corrects a check-in, with the checks of [`Wellbeing::record_mood`].
    pub async fn edit_mood(
        &self,
        user_id: Uuid,
        id: Uuid,
        req: MoodChange,
    ) -> CoreResult<MoodView> {
        let now = self.clock.now();
        let mut entry = self
            .moods
            .find_mood(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut errors = Vec::new();
        if let Some(v) = req.mood_score {
            check_level("moodScore", Some(v), &mut errors);
            entry.mood_score = v;
        }
        if let Some(v) = req.anxiety_level {
            check_level("anxietyLevel", v, &mut errors);
            entry.anxiety_level = v;
        }
        if let Some(v) = req.stress_level {
            check_level("stressLevel", v, &mut errors);
            entry.stress_level = v;
        }
        if let Some(v) = req.energy_level {
            check_level("energyLevel", v, &mut errors);
            entry.energy_level = v;
        }
        if let Some(v) = req.notes {
            entry.notes = optional_text("notes", v, MAX_NOTES, &mut errors);
        }
        if let Some(v) = req.triggers {
            entry.triggers = check_triggers(v, &mut errors);
        }
        if let Some(v) = req.session_id {
            self.check_session(user_id, v, &mut errors).await?;
            entry.session_id = v;
        }
        if let Some(at) = req.recorded_at {
            check_time(at, now, &mut errors);
            entry.recorded_at = micros(at);
        }
        CoreError::invalid_if_any(errors)?;
        entry.updated_at = Some(now);
        if !self.moods.update_mood(&entry).await? {
            return Err(CoreError::NotFound);
        }
        Ok(MoodView::new(entry, &self.calendar(user_id).await?))
    }

    /// Deletes a check-in.
    pub async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> CoreResult<()> {
        if self.moods.delete_mood(user_id, id).await? {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// Adds a field error unless `session` is one of the person's sessions.
    pub async fn check_session(
        &self,
        user_id: Uuid,
        session: Option<Uuid>,
        errors: &mut Vec<FieldError>,
    ) -> CoreResult<()> {
        if let Some(id) = session
            && self
                .conversations
                .find_session(user_id, id)
                .await?
                .is_none()
        {
            errors.push(FieldError::new(
                "sessionId",
                "unknown_session",
                "Not one of your sessions.",
            ));
        }
        Ok(())
    }

    /// A person's check-ins in a range of their days, newest first.
    pub async fn moods_in_range(&self, user_id: Uuid, q: &RangeParams) -> CoreResult<MoodList> {
        let calendar = self.calendar(user_id).await?;
        let (from, to) = calendar.range(q, self.clock.now())?;
        let (start, end) = calendar.bounds(from, to)?;
        let mut entries = self
            .moods
            .list_moods(user_id, start, end, MAX_ENTRIES)
            .await?;
        entries.reverse();
        Ok(MoodList {
            timezone: calendar.name().to_owned(),
            from: from.to_string(),
            to: to.to_string(),
            entries: entries
                .into_iter()
                .map(|m| MoodView::new(m, &calendar))
                .collect(),
        })
    }

    /// The person's mood trends over `q`'s range of their days, in `q`'s buckets.
    pub async fn trends_in(&self, user_id: Uuid, q: TrendParams) -> CoreResult<Trends> {
        let bucket = match q.bucket.as_deref() {
            None | Some("day") => Bucket::Day,
            Some("week") => Bucket::Week,
            Some("month") => Bucket::Month,
            Some(_) => {
                return Err(CoreError::field(
                    "bucket",
                    "invalid_bucket",
                    "One of day, week, month.",
                ));
            }
        };
        let calendar = self.calendar(user_id).await?;
        let range = RangeParams {
            range: q.range,
            from: q.from,
            to: q.to,
        };
        let (from, to) = calendar.range(&range, self.clock.now())?;
        trends_for(&*self.moods, user_id, &calendar, from, to, bucket).await
    }
}

/// Trends of a person's entries between two of their local days (inclusive).
pub async fn trends_for(
    moods: &dyn MoodStore,
    user_id: Uuid,
    calendar: &Calendar,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    bucket: Bucket,
) -> CoreResult<Trends> {
    // Whole buckets: the first week or month may start before `from`.
    let first = bucket.start(from);
    let (start, end) = calendar.bounds(first, to)?;
    let entries = moods.list_moods(user_id, start, end, MAX_ENTRIES).await?;
    let points: Vec<Point> = entries
        .iter()
        .map(|m| Point {
            date: calendar.date_of(m.recorded_at),
            mood: m.mood_score,
            anxiety: m.anxiety_level,
            stress: m.stress_level,
            energy: m.energy_level,
        })
        .collect();
    Ok(trends::compute(&points, first, to, bucket, calendar.name()))
}
