//! Check-in reminders: a person picks a local time and weekdays (and, if
//! they like, quiet hours and e-mail). The next reminder is kept as an
//! instant computed in their time zone with jiff, so it follows
//! daylight-saving changes: 09:00 in Berlin is 08:00 UTC in winter and 07:00
//! UTC in summer; a time a clock change skips (02:30 on the spring-forward
//! night) comes at the first moment after the gap. A reminder that would fall
//! in quiet hours waits for their end.

use jiff::civil::{Date, Time};
use rebloom_store::ReminderSettings;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Notifications;
use crate::wellbeing::calendar::{Calendar, from_timestamp};
use crate::{CoreError, CoreResult, FieldError};

pub fn parse_time(v: &str) -> Option<Time> {
    let (h, m) = v.split_once(':')?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// Whether local time-of-day `t` is within quiet hours `[start, end)` (which may wrap midnight).
fn quiet(t: Time, start: Time, end: Time) -> bool {
    if start <= end {
        t >= start && t < end
    } else {
        t >= start || t < end
    }
}

/// The next reminder after `now`, in `calendar`'s zone; `None` when disabled or no day is chosen.
pub fn next_due(
    s: &ReminderSettings,
    calendar: &Calendar,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    if !s.enabled || s.days.is_empty() {
        return None;
    }
    let at = parse_time(&s.local_time)?;
    let window = match (
        s.quiet_start.as_deref().and_then(parse_time),
        s.quiet_end.as_deref().and_then(parse_time),
    ) {
        (Some(a), Some(b)) if a != b => Some((a, b)),
        _ => None,
    };
    let today = calendar.date_of(now);
    for offset in 0..9 {
        let day: Date = today.checked_add(jiff::Span::new().days(offset)).ok()?;
        let weekday = day.weekday().to_monday_one_offset();
        if !s
            .days
            .iter()
            .any(|d| i8::try_from(*d).ok() == Some(weekday))
        {
            continue;
        }
        let (mut day_of, mut time_of) = (day, at);
        if let Some((start, end)) = window
            && quiet(at, start, end)
        {
            // Wait for the end of the quiet hours (the next day, when they wrap past midnight).
            if start > end && at >= start {
                day_of = day.tomorrow().ok()?;
            }
            time_of = end;
        }
        // `to_zoned` resolves a skipped time to just after the gap, a repeated one to its first.
        let zoned = day_of
            .to_datetime(time_of)
            .to_zoned(calendar.tz().clone())
            .ok()?;
        let instant = from_timestamp(zoned.timestamp());
        if instant > now {
            return Some(instant);
        }
    }
    None
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemindersView {
    pub enabled: bool,
    /// Local time, `HH:MM`.
    pub local_time: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    pub email: bool,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// The time zone the times are in (the profile's).
    pub timezone: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sent_at: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemindersChange {
    pub enabled: bool,
    /// Local time, `HH:MM` (24 h).
    #[schema(example = "20:30", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub local_time: String,
    /// ISO weekdays (1 = Monday … 7 = Sunday); default every day.
    #[schema(value_type = Option<Vec<Weekday>>)]
    pub days: Option<Vec<u8>>,
    /// Also by e-mail: only where the server can send e-mail (else 422 `email_unavailable`).
    #[serde(default)]
    pub email: bool,
    /// Quiet hours, `HH:MM` to `HH:MM` (both or neither; may wrap past midnight).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_start: Option<String>,
    /// With `quietStart`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub quiet_end: Option<String>,
}

/// An ISO weekday: 1 = Monday … 7 = Sunday.
#[derive(ToSchema)]
#[schema(value_type = u8, minimum = 1, maximum = 7)]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub struct Weekday(u8);

fn view(s: &ReminderSettings, calendar: &Calendar) -> RemindersView {
    RemindersView {
        enabled: s.enabled,
        local_time: s.local_time.clone(),
        days: s.days.clone(),
        email: s.email,
        quiet_start: s.quiet_start.clone(),
        quiet_end: s.quiet_end.clone(),
        timezone: calendar.name().to_owned(),
        next_due_at: s.next_due_at,
        last_sent_at: s.last_sent_at,
    }
}

impl Notifications {
    /// The person's reminder (off, at 20:00 every day, until they set one).
    pub async fn reminders(&self, user_id: Uuid) -> CoreResult<RemindersView> {
        let calendar = self.wellbeing.calendar(user_id).await?;
        let s = self
            .reminders
            .get_reminders(user_id)
            .await?
            .unwrap_or(ReminderSettings {
                user_id,
                enabled: false,
                local_time: "20:00".to_owned(),
                days: (1..=7).collect(),
                email: false,
                quiet_start: None,
                quiet_end: None,
                next_due_at: None,
                last_sent_at: None,
                updated_at: self.clock.now(),
            });
        Ok(view(&s, &calendar))
    }

    /// Sets the person's reminder, every field checked; the next one is
    /// computed in their time zone.
    pub async fn set_reminders(
        &self,
        user_id: Uuid,
        req: RemindersChange,
    ) -> CoreResult<RemindersView> {
        let mut errors = Vec::new();
        if parse_time(&req.local_time).is_none() {
            errors.push(FieldError::new(
                "localTime",
                "invalid_time",
                "A time such as 20:30.",
            ));
        }
        let mut days = req.days.unwrap_or_else(|| (1..=7).collect());
        days.sort_unstable();
        days.dedup();
        if days.iter().any(|d| !(1..=7).contains(d)) {
            errors.push(FieldError::new(
                "days",
                "invalid_days",
                "Weekdays 1 (Monday) to 7 (Sunday).",
            ));
        }
        match (&req.quiet_start, &req.quiet_end) {
            (None, None) => {}
            (Some(a), Some(b)) if parse_time(a).is_some() && parse_time(b).is_some() => {}
            _ => errors.push(FieldError::new(
                "quietStart",
                "invalid_quiet_hours",
                "Both quietStart and quietEnd, as times such as 22:00 and 07:00.",
            )),
        }
        if req.email && !self.can_email() {
            errors.push(FieldError::new(
                "email",
                "email_unavailable",
                "This server cannot send e-mail.",
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let calendar = self.wellbeing.calendar(user_id).await?;
        let now = self.clock.now();
        let last_sent_at = self
            .reminders
            .get_reminders(user_id)
            .await?
            .and_then(|s| s.last_sent_at);
        let mut settings = ReminderSettings {
            user_id,
            enabled: req.enabled,
            local_time: req.local_time,
            days,
            email: req.email,
            quiet_start: req.quiet_start,
            quiet_end: req.quiet_end,
            next_due_at: None,
            last_sent_at,
            updated_at: now,
        };
        settings.next_due_at = next_due(&settings, &calendar, now);
        self.reminders.save_reminders(&settings).await?;
        Ok(view(&settings, &calendar))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use time::format_description::well_known::Rfc3339;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn daily(time: &str) -> ReminderSettings {
        ReminderSettings {
            user_id: Uuid::nil(),
            enabled: true,
            local_time: time.into(),
            days: (1..=7).collect(),
            email: false,
            quiet_start: None,
            quiet_end: None,
            next_due_at: None,
            last_sent_at: None,
            updated_at: at("2027-01-01T00:00:00Z"),
        }
    }

    #[test]
    fn follows_daylight_saving_in_both_directions() {
        let berlin = Calendar::named(Some("Europe/Berlin"));
        let s = daily("09:00");
        // Winter: 09:00 CET is 08:00 UTC.
        assert_eq!(
            next_due(&s, &berlin, at("2027-03-27T09:00:00Z")),
            Some(at("2027-03-28T07:00:00Z"))
        );
        // The clocks went forward on 28 March: 09:00 CEST is 07:00 UTC.
        assert_eq!(
            next_due(&s, &berlin, at("2027-03-26T12:00:00Z")),
            Some(at("2027-03-27T08:00:00Z"))
        );
        // Back on 31 October: 09:00 CET is 08:00 UTC again.
        assert_eq!(
            next_due(&s, &berlin, at("2027-10-30T08:00:00Z")),
            Some(at("2027-10-31T08:00:00Z"))
        );
        assert_eq!(
            next_due(&s, &berlin, at("2027-10-29T12:00:00Z")),
            Some(at("2027-10-30T07:00:00Z"))
        );
        // 02:30 does not exist on 28 March 2027 in Berlin: just after the gap (03:30 CEST).
        let gap = daily("02:30");
        assert_eq!(
            next_due(&gap, &berlin, at("2027-03-27T12:00:00Z")),
            Some(at("2027-03-28T01:30:00Z"))
        );
        // 02:30 happens twice on 31 October: the first.
        assert_eq!(
            next_due(&gap, &berlin, at("2027-10-30T12:00:00Z")),
            Some(at("2027-10-31T00:30:00Z"))
        );
    }

    #[test]
    fn chosen_days_and_quiet_hours() {
        let utc = Calendar::named(None);
        let mut s = daily("21:00");
        s.days = vec![1]; // Mondays; 2027-03-01 is a Monday
        assert_eq!(
            next_due(&s, &utc, at("2027-03-01T21:00:00Z")),
            Some(at("2027-03-08T21:00:00Z"))
        );
        assert_eq!(
            next_due(&s, &utc, at("2027-03-01T20:59:00Z")),
            Some(at("2027-03-01T21:00:00Z"))
        );
        // Quiet from 20:00 to 07:00: the reminder waits for the morning after.
        s.quiet_start = Some("20:00".into());
        s.quiet_end = Some("07:00".into());
        assert_eq!(
            next_due(&s, &utc, at("2027-03-01T12:00:00Z")),
            Some(at("2027-03-02T07:00:00Z"))
        );
        // Quiet within one day (13:00-15:00) holds a 14:00 reminder to 15:00.
        let mut lunch = daily("14:00");
        lunch.quiet_start = Some("13:00".into());
        lunch.quiet_end = Some("15:00".into());
        assert_eq!(
            next_due(&lunch, &utc, at("2027-03-01T12:00:00Z")),
            Some(at("2027-03-01T15:00:00Z"))
        );
        let mut off = daily("09:00");
        off.enabled = false;
        assert_eq!(next_due(&off, &utc, at("2027-03-01T12:00:00Z")), None);
        off.enabled = true;
        off.days.clear();
        assert_eq!(next_due(&off, &utc, at("2027-03-01T12:00:00Z")), None);
        assert!(
            parse_time("24:00").is_none()
                && parse_time("9:00").is_none()
                && parse_time("09:60").is_none()
        );
    }
}
