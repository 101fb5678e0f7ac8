//! Mood check-ins as the person reads them back (the architecture's fields:
//! mood 1-10, anxiety, stress and energy, notes, triggers, an optional
//! session) and their trends over the person's own days, weeks and months.
//! The endpoints and the checks on what is sent are `rebloom-server`'s
//! `http::moods`.

use rebloom_store::{MoodEntry, MoodStore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Wellbeing;
use super::calendar::{Calendar, RangeParams};
use super::trends::{self, Bucket, Point, Trends};
use crate::{CoreError, CoreResult, FieldError};

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
