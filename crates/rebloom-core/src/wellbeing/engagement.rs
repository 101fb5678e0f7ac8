//! Engagement (`calculateEngagementMetrics`): active days, streaks, sessions
//! per week, messages, check-ins, goal updates and questionnaires over a
//! range of the person's own days. The endpoint is `rebloom-server`'s
//! `http::engagement`.

use std::collections::BTreeSet;

use jiff::civil::Date;
use rebloom_store::Sender;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Wellbeing;
use super::calendar::RangeParams;
use super::trends::round2;
use crate::CoreResult;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    pub timezone: String,
    pub from: String,
    pub to: String,
    /// Days with a message, a check-in, goal progress or a questionnaire.
    pub active_days: usize,
    /// Active days in a row up to today (or yesterday, while today is young).
    pub current_streak: usize,
    pub longest_streak: usize,
    pub sessions: usize,
    pub sessions_per_week: f64,
    pub messages: usize,
    pub mood_check_ins: usize,
    pub goal_updates: usize,
    pub questionnaires: usize,
    /// Guided exercises taken to their end.
    pub exercises_completed: usize,
    /// The active days (YYYY-MM-DD), oldest first.
    pub days: Vec<String>,
}

/// Longest run of consecutive days in `days`, and the run ending at `today`
/// (or at yesterday when today is not active yet).
pub fn streaks(days: &BTreeSet<Date>, today: Date) -> (usize, usize) {
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<Date> = None;
    for d in days {
        run = match previous {
            Some(p) if p.tomorrow().ok() == Some(*d) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*d);
    }
    let mut current = 0;
    let mut d = if days.contains(&today) {
        Some(today)
    } else {
        today.yesterday().ok()
    };
    while let Some(day) = d.filter(|x| days.contains(x)) {
        current += 1;
        d = day.yesterday().ok();
    }
    (current, longest)
}

impl Wellbeing {
    /// The person's engagement over `q`'s range of their days.
    pub async fn engagement_in(&self, user_id: Uuid, q: &RangeParams) -> CoreResult<Engagement> {
        let calendar = self.calendar(user_id).await?;
        let now = self.clock.now();
        let (from, to) = calendar.range(q, now)?;
        let (start, end) = calendar.bounds(from, to)?;
        let within = |t: time::OffsetDateTime| t >= start && t < end;
        let moods = self
            .moods
            .list_moods(user_id, start, end, super::moods::MAX_ENTRIES)
            .await?;
        let all = self.messages_between(user_id, start, end).await?;
        let exercises_completed = all
            .iter()
            .filter(|m| {
                m.sender == Sender::Ai
                    && m.metadata
                        .get("exerciseCompleted")
                        .is_some_and(|v| v.is_string())
            })
            .count();
        let messages: Vec<_> = all
            .into_iter()
            .filter(|m| m.sender == Sender::User)
            .collect();
        let progress: Vec<_> = self
            .goals
            .goal_progress(user_id, None)
            .await?
            .into_iter()
            .filter(|p| within(p.recorded_at))
            .collect();
        let questionnaires: Vec<_> = self
            .questionnaires
            .list_questionnaires(user_id, None, 1_000)
            .await?
            .into_iter()
            .filter(|r| within(r.completed_at))
            .collect();
        let mut days: BTreeSet<Date> = BTreeSet::new();
        days.extend(moods.iter().map(|m| calendar.date_of(m.recorded_at)));
        days.extend(messages.iter().map(|m| calendar.date_of(m.created_at)));
        days.extend(progress.iter().map(|p| calendar.date_of(p.recorded_at)));
        days.extend(
            questionnaires
                .iter()
                .map(|r| calendar.date_of(r.completed_at)),
        );
        let sessions: BTreeSet<uuid::Uuid> = messages.iter().map(|m| m.session_id).collect();
        let span_days = f64::from((to - from).get_days() + 1);
        let (current_streak, longest_streak) = streaks(&days, calendar.date_of(now));
        Ok(Engagement {
            timezone: calendar.name().to_owned(),
            from: from.to_string(),
            to: to.to_string(),
            active_days: days.len(),
            current_streak,
            longest_streak,
            sessions: sessions.len(),
            sessions_per_week: round2(sessions.len() as f64 * 7.0 / span_days),
            messages: messages.len(),
            mood_check_ins: moods.len(),
            goal_updates: progress.len(),
            questionnaires: questionnaires.len(),
            exercises_completed,
            days: days.iter().map(ToString::to_string).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn streaks_count_consecutive_days() {
        let days: BTreeSet<Date> = [1, 2, 3, 5, 6, 8, 9, 10, 11]
            .iter()
            .map(|d| date(2026, 11, *d))
            .collect();
        assert_eq!(streaks(&days, date(2026, 11, 11)), (4, 4));
        // Today not active yet: the run up to yesterday still counts.
        assert_eq!(streaks(&days, date(2026, 11, 12)), (4, 4));
        assert_eq!(streaks(&days, date(2026, 11, 13)), (0, 4));
        assert_eq!(streaks(&BTreeSet::new(), date(2026, 11, 13)), (0, 0));
        let two: BTreeSet<Date> = [date(2026, 2, 28), date(2026, 3, 1)].into();
        assert_eq!(streaks(&two, date(2026, 3, 1)), (2, 2));
    }
}
