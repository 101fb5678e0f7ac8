//! The in-app inbox and check-in reminders.
//!
//! A person picks a local time and weekdays (and, if they like, quiet hours
//! and e-mail). The next reminder is kept as an instant computed in their
//! time zone with jiff, so it follows daylight-saving changes: 09:00 in
//! Berlin is 08:00 UTC in winter and 07:00 UTC in summer; a time a
//! clock change skips (02:30 on the spring-forward night) comes at the
//! first moment after the gap. A reminder that would fall in quiet hours
//! waits for their end. Replicas that run jobs look for due reminders every
//! 30 s; of replicas racing for one, a compare-and-set on its due time lets
//! exactly one send it. E-mail goes through the [`Mailer`] port.

use std::sync::Arc;

use jiff::civil::{Date, Time};
use rebloom_store::{InboxStore, Notification, ReminderSettings, ReminderStore, Store, UserStore};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::jobs::{JobError, Queue};
use crate::mail::{Mailer, Recipient};
use crate::wellbeing::Wellbeing;
use crate::wellbeing::calendar::{Calendar, from_timestamp};

/// The job that e-mails one notification.
pub const EMAIL: &str = "notification.email";

/// The inbox and check-in reminders: what is put in a person's inbox, the
/// reminders due, and the e-mail of each notification when they asked for it.
#[derive(Clone)]
pub struct Notifications {
    inbox: Arc<dyn InboxStore>,
    reminders: Arc<dyn ReminderStore>,
    users: Arc<dyn UserStore>,
    wellbeing: Wellbeing,
    clock: Arc<dyn Clock>,
    jobs: Queue,
    /// `None` when no SMTP server is configured: nothing is e-mailed.
    mailer: Option<Arc<dyn Mailer>>,
}

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

impl Notifications {
    /// The ports it needs, taken from the (sealed) store; `mailer` when
    /// e-mail is configured.
    pub fn new(
        store: &Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        wellbeing: Wellbeing,
        jobs: Queue,
        mailer: Option<Arc<dyn Mailer>>,
    ) -> Notifications {
        Notifications {
            inbox: store.clone(),
            reminders: store.clone(),
            users: store.clone(),
            wellbeing,
            clock,
            jobs,
            mailer,
        }
    }

    /// Whether notifications can be e-mailed (an SMTP server is configured).
    pub fn can_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// Puts a notification in the person's inbox (and queues its e-mail when asked).
    pub async fn notify(
        &self,
        user_id: Uuid,
        kind: &str,
        title: String,
        body: String,
        link: Option<String>,
        email: bool,
    ) -> rebloom_store::StoreResult<Notification> {
        let n = Notification {
            id: Uuid::now_v7(),
            user_id,
            kind: kind.to_owned(),
            title,
            body,
            link,
            created_at: self.clock.now(),
            read_at: None,
        };
        self.inbox.insert_notification(&n).await?;
        metrics::counter!("notifications_total", "kind" => kind.to_owned(), "channel" => "in_app")
            .increment(1);
        if email && self.mailer.is_some() {
            self.jobs
                .enqueue(EMAIL, json!({ "notificationId": n.id }), Some(user_id))
                .await?;
        }
        Ok(n)
    }

    /// Sends every reminder due now; returns how many this replica sent.
    pub async fn tick(&self) -> rebloom_store::StoreResult<usize> {
        let now = self.clock.now();
        let mut sent = 0;
        for due in self.reminders.due_reminders(now, 500).await? {
            let Some(at) = due.next_due_at else { continue };
            let calendar = self
                .wellbeing
                .calendar(due.user_id)
                .await
                .unwrap_or_else(|_| Calendar::named(None));
            let next = next_due(&due, &calendar, now);
            if !self
                .reminders
                .advance_reminder(due.user_id, at, next, now)
                .await?
            {
                continue; // another replica sent it
            }
            self.notify(
                due.user_id,
                "reminder",
                "Time for a check-in".to_owned(),
                "How are you feeling right now? A quick mood check-in takes two taps.".to_owned(),
                Some("/mood".to_owned()),
                due.email,
            )
            .await?;
            sent += 1;
        }
        Ok(sent)
    }

    /// The job: e-mails one notification to its person (templated, plain text).
    pub async fn run_email(&self, job: &rebloom_store::Job) -> Result<(), JobError> {
        let user_id = job
            .user_id
            .ok_or_else(|| JobError::Permanent("no user".into()))?;
        let id = job
            .payload
            .get("notificationId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| JobError::Permanent("payload without notificationId".into()))?;
        let Some(n) = self.inbox.find_notification(user_id, id).await? else {
            return Ok(()); // deleted with the account
        };
        let Some(user) = self.users.find_user(user_id).await? else {
            return Ok(());
        };
        let name = self
            .users
            .get_profile(user_id)
            .await?
            .and_then(|p| p.display_name)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "there".to_owned());
        let body = format!(
            "Hello {name},\n\n{}\n\nOpen Rebloom to continue{}.\n\n\
             You get this e-mail because you turned on e-mail reminders. \
             You can change or stop them in Settings, Reminders.\n",
            n.body,
            n.link
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default(),
        );
        let Some(mailer) = &self.mailer else {
            return Err(JobError::Permanent("no SMTP server configured".into()));
        };
        mailer
            .send(&Recipient::to(&user.email), &n.title, body)
            .await?;
        metrics::counter!("notifications_total", "kind" => n.kind, "channel" => "email")
            .increment(1);
        Ok(())
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
