//! The Wellbeing service without any transport: the rules of goals and mood
//! check-ins, and a person's own calendar, on real SQLite and real PostgreSQL (each test in its own
//! schema, dropped after), with the manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use rebloom_core::CoreError;
use rebloom_core::clock::{Clock, ManualClock};
use rebloom_core::wellbeing::Wellbeing;
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_store::Store;
use serde_json::json;
use support::{on_postgres, on_sqlite};
use time::macros::datetime;
use uuid::Uuid;

/// A person in Berlin, and the service over `store` on a clock at
/// 2026-12-06 23:30 UTC (already 7 December in Berlin).
async fn person(store: &Arc<dyn Store>) -> (Uuid, Wellbeing, ManualClock) {
    let clock = ManualClock::new(datetime!(2026-12-06 23:30 UTC));
    let id = support::person(store, clock.now(), "Europe/Berlin", None).await;
    let service = Wellbeing::new(store, Arc::new(clock.clone()));
    (id, service, clock)
}

/// A request body as a transport would hand it over.
fn body<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn invalid_fields(e: CoreError) -> Vec<(String, &'static str)> {
    match e {
        CoreError::Invalid(errors) => errors.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

async fn goal_rules(store: Arc<dyn Store>) {
    let (me, wellbeing, clock) = person(&store).await;
    assert_eq!(wellbeing.today(me).await.unwrap().to_string(), "2026-12-07");

    // The person's today, not UTC's: 6 December is already past in Berlin.
    let e = wellbeing
        .create_goal(
            me,
            body(json!({ "title": " ", "category": "cooking", "targetDate": "2026-12-06" })),
        )
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(e),
        [
            ("title".to_owned(), "invalid_title"),
            ("category".to_owned(), "invalid_category"),
            ("targetDate".to_owned(), "in_the_past"),
        ]
    );
    let goal = wellbeing
        .create_goal(
            me,
            body(json!({
                "title": "  Sleep better ",
                "description": "Lights out by eleven",
                "category": "sleep",
                "targetDate": "2026-12-07",
            })),
        )
        .await
        .unwrap();
    assert_eq!(
        (goal.title.as_str(), goal.status.as_str()),
        ("Sleep better", "active")
    );
    assert_eq!(goal.description.as_deref(), Some("Lights out by eleven"));

    // 100 completes it, at the clock's time; less reopens it.
    clock.advance(time::Duration::hours(1));
    let (done, history) = wellbeing
        .record_progress(
            me,
            goal.id,
            body(json!({ "progressPercentage": 100, "note": "every night this week" })),
        )
        .await
        .unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(done.completed_at, Some(clock.now()));
    assert_eq!(history.len(), 1);
    let (reopened, history) = wellbeing
        .record_progress(me, goal.id, body(json!({ "progressPercentage": 60 })))
        .await
        .unwrap();
    assert_eq!(
        (reopened.status.as_str(), reopened.completed_at),
        ("active", None)
    );
    assert_eq!(
        history
            .iter()
            .map(|p| p.progress_percentage)
            .collect::<Vec<_>>(),
        [100, 60]
    );

    // Archived (and its description cleared): progress is refused, and
    // nothing is written, until it is restored.
    let (archived, _) = wellbeing
        .edit_goal(
            me,
            goal.id,
            body(json!({ "status": "archived", "description": null })),
        )
        .await
        .unwrap();
    assert_eq!(
        (archived.status.as_str(), archived.description),
        ("archived", None)
    );
    let e = wellbeing
        .record_progress(me, goal.id, body(json!({ "progressPercentage": 70 })))
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::Conflict("goal_archived")), "{e:?}");
    let (kept, history) = wellbeing.goal(me, goal.id).await.unwrap();
    assert_eq!((kept.progress_percentage, history.len()), (60, 2));
    wellbeing
        .edit_goal(me, goal.id, body(json!({ "status": "paused" })))
        .await
        .unwrap();

    // Out of range and too long, together; an unknown status filter.
    let e = wellbeing
        .record_progress(
            me,
            goal.id,
            body(json!({ "progressPercentage": 101, "note": "n".repeat(1001) })),
        )
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(e),
        [
            ("progressPercentage".to_owned(), "out_of_range"),
            ("note".to_owned(), "too_long")
        ]
    );
    let e = wellbeing.list_goals(me, Some("done")).await.unwrap_err();
    assert_eq!(invalid_fields(e), [("status".to_owned(), "invalid_status")]);
    assert_eq!(
        wellbeing
            .list_goals(me, Some("paused"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        wellbeing
            .list_goals(me, Some("active"))
            .await
            .unwrap()
            .is_empty()
    );

    // Restored: progress is taken again.
    let (resumed, _) = wellbeing
        .record_progress(me, goal.id, body(json!({ "progressPercentage": 70 })))
        .await
        .unwrap();
    assert_eq!(
        (resumed.status.as_str(), resumed.progress_percentage),
        ("paused", 70)
    );

    // Another person's goal is not found, for reading, changing or deleting.
    let (other, _, _) = person(&store).await;
    assert!(matches!(
        wellbeing.goal(other, goal.id).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        wellbeing
            .record_progress(other, goal.id, body(json!({ "progressPercentage": 10 })))
            .await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        wellbeing.delete_goal(other, goal.id).await,
        Err(CoreError::NotFound)
    ));
    wellbeing.delete_goal(me, goal.id).await.unwrap();
    assert!(matches!(
        wellbeing.goal(me, goal.id).await,
        Err(CoreError::NotFound)
    ));
}

async fn mood_rules_on_the_persons_days(store: Arc<dyn Store>) {
    let (me, wellbeing, clock) = person(&store).await;
    // Every check at once: levels, triggers, a time in the future, a session
    // that is not theirs. Nothing is stored.
    let e = wellbeing
        .record_mood(
            me,
            body(json!({
                "moodScore": 11,
                "energyLevel": 0,
                "triggers": ["ok", ""],
                "recordedAt": "2026-12-07T01:00:00Z",
                "sessionId": Uuid::now_v7(),
            })),
        )
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(e),
        [
            ("moodScore".to_owned(), "out_of_range"),
            ("energyLevel".to_owned(), "out_of_range"),
            ("triggers".to_owned(), "invalid_trigger"),
            ("recordedAt".to_owned(), "out_of_range"),
            ("sessionId".to_owned(), "unknown_session"),
        ]
    );
    // 23:30 UTC on 6 December is 00:30 on 7 December in Berlin; repeated
    // triggers are kept once, in their first spelling.
    let entry = wellbeing
        .record_mood(
            me,
            body(json!({ "moodScore": 7, "anxietyLevel": 3, "triggers": [" Sleep ", "sleep"] })),
        )
        .await
        .unwrap();
    assert_eq!(entry.triggers, ["Sleep"]);
    assert_eq!(
        (entry.recorded_at, entry.local_date.as_str()),
        (clock.now(), "2026-12-07")
    );

    // A correction: absent fields stay, null clears.
    clock.advance(time::Duration::minutes(10));
    let edited = wellbeing
        .edit_mood(
            me,
            entry.id,
            body(json!({ "moodScore": 6, "anxietyLevel": null })),
        )
        .await
        .unwrap();
    assert_eq!(
        (edited.mood_score, edited.anxiety_level, edited.updated_at),
        (6, None, Some(clock.now()))
    );
    assert_eq!(edited.triggers, ["Sleep"]);
    let (other, _, _) = person(&store).await;
    assert!(matches!(
        wellbeing.mood(other, entry.id).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        wellbeing
            .edit_mood(other, entry.id, body(json!({ "moodScore": 1 })))
            .await,
        Err(CoreError::NotFound)
    ));

    let list = wellbeing
        .moods_in_range(
            me,
            &RangeParams {
                range: Some("7d".to_owned()),
                ..RangeParams::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (list.timezone.as_str(), list.from.as_str(), list.to.as_str()),
        ("Europe/Berlin", "2026-12-01", "2026-12-07")
    );
    assert_eq!(list.entries.len(), 1);
    assert_eq!(list.entries[0].id, entry.id);
    assert_eq!(list.entries[0].mood_score, 6);

    let e = wellbeing
        .moods_in_range(
            me,
            &RangeParams {
                range: Some("7d".to_owned()),
                from: Some("2026-12-01".to_owned()),
                to: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(e),
        [("range".to_owned(), "conflicting_range")]
    );
}

#[tokio::test]
async fn goal_rules_on_sqlite() {
    on_sqlite(goal_rules).await;
}

#[tokio::test]
async fn goal_rules_on_postgres() {
    on_postgres(goal_rules).await;
}

#[tokio::test]
async fn mood_rules_on_the_persons_days_on_sqlite() {
    on_sqlite(mood_rules_on_the_persons_days).await;
}

#[tokio::test]
async fn mood_rules_on_the_persons_days_on_postgres() {
    on_postgres(mood_rules_on_the_persons_days).await;
}
