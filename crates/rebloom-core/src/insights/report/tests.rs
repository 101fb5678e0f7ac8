#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use jiff::civil::date;
use rebloom_store::Sender;

fn at(d: Date, hour: i8) -> OffsetDateTime {
    let z = d
        .at(hour, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap();
    OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).unwrap()
}

fn mood(d: Date, score: i32) -> MoodEntry {
    MoodEntry {
        id: Uuid::now_v7(),
        user_id: Uuid::nil(),
        session_id: None,
        mood_score: score,
        anxiety_level: None,
        stress_level: None,
        energy_level: None,
        notes: None,
        triggers: Vec::new(),
        recorded_at: at(d, 20),
        updated_at: None,
    }
}

fn said(d: Date, emotions: &[&str]) -> Message {
    Message {
        id: Uuid::now_v7(),
        session_id: Uuid::nil(),
        user_id: Uuid::nil(),
        sender: Sender::User,
        content: String::new(),
        message_type: "text".into(),
        sentiment_score: Some(-0.5),
        emotional_tags: json!(emotions),
        risk_level: "none".into(),
        ai_confidence_score: None,
        metadata: json!({}),
        created_at: at(d, 12),
    }
}

/// Days their messages named anxiety had lower moods: found from the
/// message tags and the check-ins, with both cited.
#[test]
fn emotions_in_messages_are_associated_with_mood() {
    let calendar = Calendar::named(None);
    let start = date(2026, 11, 16); // a Monday
    let day = |n: i64| start.checked_sub(jiff::Span::new().days(n)).unwrap();
    // Four anxious days (mood 3), four calm days (mood 7), in the four weeks before the week ends.
    let anxious = [-1, 3, 10, 17];
    let calm = [-3, 5, 12, 19];
    let mut moods = Vec::new();
    let mut messages = Vec::new();
    for n in anxious {
        moods.push(mood(day(n), 3));
        messages.push(said(day(n), &["anxiety"]));
    }
    for n in calm {
        moods.push(mood(day(n), 7));
        messages.push(said(day(n), &["calm"]));
    }
    let report = weekly(&WeekData {
        calendar: &calendar,
        start,
        moods: &moods,
        messages: &messages,
        goals: &[],
    });
    let triggers = report["triggers"].as_array().unwrap();
    let anxiety = triggers.iter().find(|t| t["trigger"] == "anxiety").unwrap();
    assert_eq!(anxiety["source"], "messages");
    assert_eq!(anxiety["association"], "lower");
    assert_eq!(anxiety["withAverage"], json!(3.0));
    assert_eq!(anxiety["withoutAverage"], json!(7.0));
    assert_eq!(anxiety["daysWith"], 4);
    assert_eq!(anxiety["evidence"].as_array().unwrap().len(), 4);
    assert_eq!(anxiety["moodEvidence"].as_array().unwrap().len(), 4);
    let calm = triggers.iter().find(|t| t["trigger"] == "calm").unwrap();
    assert_eq!(calm["association"], "higher");
    // Only this week's messages count as this week's emotions.
    let week: Vec<&str> = report["emotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["emotion"].as_str().unwrap())
        .collect();
    assert_eq!(week, ["anxiety", "calm"]);
    assert_eq!(report["engagement"]["messages"], 2);
    // A message-only association is not turned into "plan more of that".
    assert!(!report["suggestion"].as_str().unwrap().contains("\"calm\""));
}
