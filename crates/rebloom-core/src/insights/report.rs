//! The weekly report itself: deterministic statistics over one week of the
//! person's own calendar, every figure with the entries it came from. Mood
//! trend (direction and size against the week before), the best and hardest
//! days, triggers associated with mood (`detectEmotionalTriggers`: mean mood
//! with and without each check-in tag, and on days their messages named an
//! emotion, over the last four weeks), the emotions of their messages, goal
//! progress, engagement, improvement areas, and one gentle suggestion.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rebloom_store::{Goal, GoalProgress, Message, MoodEntry, Sender};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::conversation::analysis::emotion_tags;
use crate::wellbeing::calendar::Calendar;
use crate::wellbeing::engagement::streaks;
use crate::wellbeing::trends::{Stat, round2};

/// Days of mood entries behind trigger associations.
pub const TRIGGER_DAYS: i64 = 28;
/// A mood difference (points on 1-10) worth reporting for a trigger.
const TRIGGER_MIN_DIFF: f64 = 1.0;

/// What one week's report is computed from.
pub struct WeekData<'a> {
    pub calendar: &'a Calendar,
    pub start: Date,
    /// Mood entries from 28 days before `start` to the end of the week.
    pub moods: &'a [MoodEntry],
    /// The person's messages from the start of the trigger window to the end of the week.
    pub messages: &'a [Message],
    pub goals: &'a [(Goal, Vec<GoalProgress>)],
}

fn mean(values: &[i32]) -> Option<f64> {
    Stat::of(values.iter().copied()).map(|s| s.avg)
}

/// The report for the week starting `start` (a Monday).
pub fn weekly(data: &WeekData<'_>) -> Value {
    let start = data.start;
    let end = start
        .checked_add(jiff::Span::new().days(7))
        .unwrap_or(start);
    let prev_start = start
        .checked_sub(jiff::Span::new().days(7))
        .unwrap_or(start);
    let trigger_start = end
        .checked_sub(jiff::Span::new().days(TRIGGER_DAYS))
        .unwrap_or(start);
    let dated: Vec<(Date, &MoodEntry)> = data
        .moods
        .iter()
        .map(|m| (data.calendar.date_of(m.recorded_at), m))
        .collect();
    let week: Vec<&(Date, &MoodEntry)> = dated
        .iter()
        .filter(|(d, _)| *d >= start && *d < end)
        .collect();
    let prev: Vec<&(Date, &MoodEntry)> = dated
        .iter()
        .filter(|(d, _)| *d >= prev_start && *d < start)
        .collect();
    let ids = |v: &[&(Date, &MoodEntry)]| v.iter().map(|(_, m)| m.id).collect::<Vec<Uuid>>();
    let scores =
        |v: &[&(Date, &MoodEntry)]| v.iter().map(|(_, m)| m.mood_score).collect::<Vec<i32>>();

    // Mood trend.
    let avg = mean(&scores(&week));
    let prev_avg = mean(&scores(&prev));
    let change = match (avg, prev_avg) {
        (Some(a), Some(p)) => Some(round2(a - p)),
        _ => None,
    };
    let direction = change.map(|c| {
        if c >= 0.5 {
            "up"
        } else if c <= -0.5 {
            "down"
        } else {
            "steady"
        }
    });
    let size = change.map(|c| match c.abs() {
        x if x < 0.5 => "none",
        x if x < 1.0 => "small",
        x if x < 2.0 => "moderate",
        _ => "large",
    });
    let level = |f: fn(&MoodEntry) -> Option<i32>| {
        let v: Vec<i32> = week.iter().filter_map(|(_, m)| f(m)).collect();
        mean(&v)
    };
    let mood = json!({
        "entries": week.len(),
        "average": avg,
        "min": week.iter().map(|(_, m)| m.mood_score).min(),
        "max": week.iter().map(|(_, m)| m.mood_score).max(),
        "previousEntries": prev.len(),
        "previousAverage": prev_avg,
        "change": change,
        "direction": direction,
        "size": size,
        "anxietyAverage": level(|m| m.anxiety_level),
        "stressAverage": level(|m| m.stress_level),
        "energyAverage": level(|m| m.energy_level),
        "evidence": ids(&week),
        "previousEvidence": ids(&prev),
    });

    // Best and hardest days: highest and lowest daily mean (earliest on ties).
    let mut by_day: BTreeMap<Date, Vec<&MoodEntry>> = BTreeMap::new();
    for (d, m) in &week {
        by_day.entry(*d).or_default().push(m);
    }
    let day_view = |(d, entries): (&Date, &Vec<&MoodEntry>)| {
        let s: Vec<i32> = entries.iter().map(|m| m.mood_score).collect();
        json!({
            "date": d.to_string(),
            "weekday": format!("{:?}", d.weekday()),
            "average": mean(&s),
            "evidence": entries.iter().map(|m| m.id).collect::<Vec<_>>(),
            "triggers": entries.iter().flat_map(|m| m.triggers.iter().map(|t| t.to_lowercase())).collect::<BTreeSet<_>>(),
        })
    };
    let daily: Vec<(Date, f64)> = by_day
        .iter()
        .filter_map(|(d, e)| {
            mean(&e.iter().map(|m| m.mood_score).collect::<Vec<_>>()).map(|a| (*d, a))
        })
        .collect();
    let best = daily.iter().fold(None::<(Date, f64)>, |acc, x| match acc {
        Some(a) if a.1 >= x.1 => Some(a),
        _ => Some(*x),
    });
    let hardest = daily.iter().fold(None::<(Date, f64)>, |acc, x| match acc {
        Some(a) if a.1 <= x.1 => Some(a),
        _ => Some(*x),
    });
    let best_day = best.and_then(|(d, _)| by_day.get_key_value(&d).map(day_view));
    let hardest_day = match (best, hardest) {
        (Some(b), Some(h)) if daily.len() > 1 && b.0 != h.0 => {
            by_day.get_key_value(&h.0).map(day_view)
        }
        _ => None,
    };

    let in_week = |t: OffsetDateTime| {
        let d = data.calendar.date_of(t);
        d >= start && d < end
    };

    // Triggers: mean mood with and without each tag, over the last four weeks.
    let window: Vec<&(Date, &MoodEntry)> = dated
        .iter()
        .filter(|(d, _)| *d >= trigger_start && *d < end)
        .collect();
    let tags: BTreeSet<String> = window
        .iter()
        .flat_map(|(_, m)| m.triggers.iter().map(|t| t.to_lowercase()))
        .collect();
    let mut triggers: Vec<Value> = Vec::new();
    for tag in &tags {
        let tagged = |m: &MoodEntry| m.triggers.iter().any(|t| t.to_lowercase() == *tag);
        let with: Vec<&MoodEntry> = window
            .iter()
            .map(|(_, m)| *m)
            .filter(|m| tagged(m))
            .collect();
        let without: Vec<&MoodEntry> = window
            .iter()
            .map(|(_, m)| *m)
            .filter(|m| !tagged(m))
            .collect();
        if with.len() < 2 || without.len() < 2 {
            continue;
        }
        let w: Vec<i32> = with.iter().map(|m| m.mood_score).collect();
        let wo: Vec<i32> = without.iter().map(|m| m.mood_score).collect();
        let (Some(a), Some(b)) = (mean(&w), mean(&wo)) else {
            continue;
        };
        let diff = round2(a - b);
        if diff.abs() < TRIGGER_MIN_DIFF {
            continue;
        }
        triggers.push(json!({
            "trigger": tag,
            "association": if diff < 0.0 { "lower" } else { "higher" },
            "withAverage": a,
            "withoutAverage": b,
            "difference": diff,
            "source": "check-ins",
            "entriesWith": with.len(),
            "entriesWithout": without.len(),
            "evidence": with.iter().map(|m| m.id).collect::<Vec<_>>(),
        }));
    }
    // Emotions named in their own messages: mean daily mood on days with the
    // emotion against days without (among days with check-ins), same window.
    let mut daily_mood: BTreeMap<Date, Vec<&MoodEntry>> = BTreeMap::new();
    for (d, m) in &window {
        daily_mood.entry(*d).or_default().push(m);
    }
    let mut emotion_days: BTreeMap<String, (BTreeSet<Date>, Vec<Uuid>)> = BTreeMap::new();
    for m in data.messages.iter().filter(|m| m.sender == Sender::User) {
        let d = data.calendar.date_of(m.created_at);
        if d < trigger_start || d >= end {
            continue;
        }
        for e in emotion_tags(m) {
            let entry = emotion_days.entry(e.to_owned()).or_default();
            entry.0.insert(d);
            entry.1.push(m.id);
        }
    }
    for (emotion, (days, message_ids)) in &emotion_days {
        let side = |with: bool| {
            daily_mood
                .iter()
                .filter(|(d, _)| days.contains(d) == with)
                .filter_map(|(_, es)| {
                    mean(&es.iter().map(|m| m.mood_score).collect::<Vec<_>>())
                        .map(|avg| (avg, es.iter().map(|m| m.id).collect::<Vec<_>>()))
                })
                .collect::<Vec<(f64, Vec<Uuid>)>>()
        };
        let (w, wo) = (side(true), side(false));
        if w.len() < 2 || wo.len() < 2 {
            continue;
        }
        let avg =
            |v: &[(f64, Vec<Uuid>)]| round2(v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64);
        let (a, b) = (avg(&w), avg(&wo));
        let diff = round2(a - b);
        if diff.abs() < TRIGGER_MIN_DIFF {
            continue;
        }
        triggers.push(json!({
            "trigger": emotion,
            "source": "messages",
            "association": if diff < 0.0 { "lower" } else { "higher" },
            "withAverage": a,
            "withoutAverage": b,
            "difference": diff,
            "daysWith": w.len(),
            "daysWithout": wo.len(),
            "evidence": message_ids,
            "moodEvidence": w.iter().flat_map(|x| x.1.iter().copied()).collect::<Vec<_>>(),
        }));
    }
    triggers.sort_by(|a, b| {
        let d = |v: &Value| v["difference"].as_f64().unwrap_or(0.0).abs();
        d(b).total_cmp(&d(a))
    });

    // Emotions in their own messages this week.
    let own: Vec<&Message> = data
        .messages
        .iter()
        .filter(|m| m.sender == Sender::User && in_week(m.created_at))
        .collect();
    let mut emotions: BTreeMap<String, Vec<&Message>> = BTreeMap::new();
    for m in &own {
        for e in emotion_tags(m) {
            emotions.entry(e.to_owned()).or_default().push(m);
        }
    }
    let mut emotion_list: Vec<Value> = emotions
        .iter()
        .map(|(e, ms)| {
            json!({
                "emotion": e,
                "messages": ms.len(),
                "evidence": ms.iter().map(|m| m.id).collect::<Vec<_>>(),
            })
        })
        .collect();
    emotion_list.sort_by_key(|v| std::cmp::Reverse(v["messages"].as_u64().unwrap_or(0)));
    let sentiments: Vec<f64> = own.iter().filter_map(|m| m.sentiment_score).collect();
    let sentiment = (!sentiments.is_empty())
        .then(|| round2(sentiments.iter().sum::<f64>() / sentiments.len() as f64));

    // Goals: progress recorded this week.
    let goals: Vec<Value> = data
        .goals
        .iter()
        .filter_map(|(g, history)| {
            let this_week: Vec<&GoalProgress> =
                history.iter().filter(|p| in_week(p.recorded_at)).collect();
            let last = this_week.last()?;
            let before = history
                .iter()
                .rfind(|p| data.calendar.date_of(p.recorded_at) < start)
                .map_or(0, |p| p.progress_percentage);
            Some(json!({
                "id": g.id,
                "title": g.title,
                "status": g.status,
                "progressFrom": before,
                "progressTo": last.progress_percentage,
                "updates": this_week.len(),
                "completedThisWeek": g.completed_at.is_some_and(in_week),
                "evidence": this_week.iter().map(|p| p.id).collect::<Vec<_>>(),
            }))
        })
        .collect();

    // Engagement: days with a check-in, a message or progress.
    let mut active: BTreeSet<Date> = week.iter().map(|(d, _)| *d).collect();
    active.extend(own.iter().map(|m| data.calendar.date_of(m.created_at)));
    active.extend(
        data.goals
            .iter()
            .flat_map(|(_, h)| h.iter())
            .filter(|p| in_week(p.recorded_at))
            .map(|p| data.calendar.date_of(p.recorded_at)),
    );
    active.retain(|d| *d >= start && *d < end);
    let (_, longest) = streaks(&active, end.yesterday().unwrap_or(start));
    let sessions: BTreeSet<Uuid> = own.iter().map(|m| m.session_id).collect();
    let engagement = json!({
        "activeDays": active.len(),
        "longestStreak": longest,
        "sessions": sessions.len(),
        "messages": own.len(),
        "moodCheckIns": week.len(),
        "goalUpdates": goals.iter().map(|g| g["updates"].as_u64().unwrap_or(0)).sum::<u64>(),
    });

    // Improvement areas, each with the figure behind it.
    let mut areas: Vec<Value> = Vec::new();
    let f = |v: &Value| v.as_f64();
    if let Some(a) = f(&mood["anxietyAverage"]).filter(|a| *a >= 6.0) {
        areas.push(json!({ "area": "anxiety", "because": format!("anxiety averaged {a} of 10") }));
    }
    if let Some(s) = f(&mood["stressAverage"]).filter(|s| *s >= 6.0) {
        areas.push(json!({ "area": "stress", "because": format!("stress averaged {s} of 10") }));
    }
    if let Some(e) = f(&mood["energyAverage"]).filter(|e| *e <= 4.0) {
        areas.push(json!({ "area": "energy", "because": format!("energy averaged {e} of 10") }));
    }
    if direction == Some("down") {
        areas.push(json!({ "area": "mood", "because": format!("mood was {} points lower than the week before", change.map_or(0.0, f64::abs)) }));
    }
    if let Some(t) = triggers.iter().find(|t| t["association"] == "lower") {
        areas.push(json!({ "area": "trigger", "trigger": t["trigger"], "because": format!("mood averaged {} with \"{}\" and {} without", t["withAverage"], t["trigger"].as_str().unwrap_or_default(), t["withoutAverage"]) }));
    }
    if active.len() <= 2 {
        areas.push(json!({ "area": "routine", "because": format!("{} active day(s) this week", active.len()) }));
    }

    let suggestion = suggest(&areas, &triggers, direction, week.is_empty());
    let confidence = (week.len() as f64 / 7.0).min(1.0);
    json!({
        "period": {
            "start": start.to_string(),
            "end": end.yesterday().unwrap_or(start).to_string(),
            "timezone": data.calendar.name(),
        },
        "mood": mood,
        "bestDay": best_day,
        "hardestDay": hardest_day,
        "triggers": triggers,
        "triggerWindowDays": TRIGGER_DAYS,
        "emotions": emotion_list,
        "sentimentAverage": sentiment,
        "goals": goals,
        "engagement": engagement,
        "improvementAreas": areas,
        "suggestion": suggestion,
        "confidence": round2(confidence),
        "method": "statistics",
    })
}

/// One gentle suggestion, from the most pressing area (or encouragement).
fn suggest(
    areas: &[Value],
    triggers: &[Value],
    direction: Option<&str>,
    no_entries: bool,
) -> String {
    if no_entries {
        return "There were no mood check-ins this week. A quick one each evening, even a single tap, \
                makes next week's picture clearer."
            .to_owned();
    }
    if let Some(lift) = triggers
        .iter()
        .find(|t| t["association"] == "higher" && t["source"] == "check-ins")
    {
        return format!(
            "Your mood was higher on days you tagged \"{}\". Could you plan a little more of that this week?",
            lift["trigger"].as_str().unwrap_or_default()
        );
    }
    match areas.first().and_then(|a| a["area"].as_str()) {
        Some("anxiety") => "Anxiety ran high this week. A two-minute slow-breathing pause (in for 4, out for 6) once a day might help take the edge off.".to_owned(),
        Some("stress") => "Stress was high this week. Is there one task you could drop, share or postpone?".to_owned(),
        Some("energy") => "Energy was low this week. A steady wake-up time and a short walk in daylight can help.".to_owned(),
        Some("mood") => "This week was harder than the last. Be gentle with yourself, and consider telling someone you trust how it has been.".to_owned(),
        Some("trigger") => "One tag went with lower moods. Noticing it is a first step; what could make those moments a little easier?".to_owned(),
        Some("routine") => "Checking in on more days helps you see patterns. Maybe set a daily reminder at a time that suits you.".to_owned(),
        _ if direction == Some("up") => "Your mood rose this week. Notice what helped, so you can come back to it.".to_owned(),
        _ => "Keep checking in; small, steady steps add up.".to_owned(),
    }
}

#[cfg(test)]
mod tests;
