//! The Notifications service without any transport, on real SQLite and real
//! PostgreSQL with the manual clock: a reminder due is sent once (the inbox,
//! then the e-mail job through the `Mailer` port) and moves to the person's
//! next chosen day; nothing is e-mailed without a mailer. The HTTP suite
//! checks the same through a real SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use rebloom_core::clock::{Clock, ManualClock};
use rebloom_core::jobs::{Handler, Jobs, Queue};
use rebloom_core::mail::Mailer;
use rebloom_core::notifications::{EMAIL, Notifications, next_due};
use rebloom_core::wellbeing::Wellbeing;
use rebloom_core::wellbeing::calendar::Calendar;
use rebloom_store::{ReminderSettings, Store};
use support::{Outbox, on_postgres, on_sqlite};
use time::macros::datetime;
use uuid::Uuid;

const EMAIL_JOBS: &[(&str, Handler<Notifications>)] =
    &[(EMAIL, |n, j| Box::pin(async move { n.run_email(&j).await }))];

/// The service over `store` on `clock`, with its e-mail job's worker.
fn service(
    store: &Arc<dyn Store>,
    clock: &ManualClock,
    mailer: Option<Arc<Outbox>>,
) -> (Notifications, Jobs<Notifications>) {
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let jobs = Jobs::new(Queue::new(store.clone(), clock.clone()), &[EMAIL_JOBS]);
    let notifications = Notifications::new(
        store,
        clock.clone(),
        Wellbeing::new(store, clock),
        jobs.queue().clone(),
        mailer.map(|m| m as Arc<dyn Mailer>),
    );
    (notifications, jobs)
}

/// A person in Berlin called Sam, with reminders at 09:00 on Mondays, by
/// e-mail too; the clock on Sunday 6 December 2026, 12:00 UTC.
async fn person(store: &Arc<dyn Store>, clock: &ManualClock) -> (Uuid, ReminderSettings) {
    let id = support::person(store, clock.now(), "Europe/Berlin", Some("Sam")).await;
    let mut settings = ReminderSettings {
        user_id: id,
        enabled: true,
        local_time: "09:00".to_owned(),
        days: vec![1],
        email: true,
        quiet_start: None,
        quiet_end: None,
        next_due_at: None,
        last_sent_at: None,
        updated_at: clock.now(),
    };
    settings.next_due_at = next_due(
        &settings,
        &Calendar::named(Some("Europe/Berlin")),
        clock.now(),
    );
    store.save_reminders(&settings).await.unwrap();
    (id, settings)
}

async fn a_reminder_is_sent_once_and_e_mailed(store: Arc<dyn Store>) {
    let clock = ManualClock::new(datetime!(2026-12-06 12:00 UTC));
    let outbox = Arc::new(Outbox::default());
    let (notifications, jobs) = service(&store, &clock, Some(outbox.clone()));
    let (me, settings) = person(&store, &clock).await;
    // Monday 7 December, 09:00 in Berlin is 08:00 UTC.
    assert_eq!(settings.next_due_at, Some(datetime!(2026-12-07 08:00 UTC)));
    assert_eq!(notifications.tick().await.unwrap(), 0, "not due yet");

    // To Monday 7 December, 08:00:30 UTC.
    clock.advance(time::Duration::hours(20) + time::Duration::seconds(30));
    assert_eq!(notifications.tick().await.unwrap(), 1);
    assert_eq!(notifications.tick().await.unwrap(), 0, "sent once");
    let inbox = store.list_notifications(me, None, 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        (inbox[0].kind.as_str(), inbox[0].link.as_deref()),
        ("reminder", Some("/mood"))
    );
    // The next one is the Monday after, at 09:00 in Berlin.
    let after = store.get_reminders(me).await.unwrap().unwrap();
    assert_eq!(after.next_due_at, Some(datetime!(2026-12-14 08:00 UTC)));

    // The e-mail goes out as a job, to the account's address, by name.
    assert!(jobs.run_one(&notifications).await.unwrap());
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1);
    let (to, subject, body) = &sent[0];
    assert_eq!(to.email, format!("{me}@example.org"));
    assert_eq!(subject, "Time for a check-in");
    assert!(body.starts_with("Hello Sam,"), "{body}");
    assert!(!jobs.run_one(&notifications).await.unwrap(), "one e-mail");
}

async fn nothing_is_e_mailed_without_a_mailer(store: Arc<dyn Store>) {
    let clock = ManualClock::new(datetime!(2026-12-06 12:00 UTC));
    let (notifications, jobs) = service(&store, &clock, None);
    assert!(!notifications.can_email());
    let (me, _) = person(&store, &clock).await;
    // To Monday 7 December, 08:00:30 UTC.
    clock.advance(time::Duration::hours(20) + time::Duration::seconds(30));
    assert_eq!(notifications.tick().await.unwrap(), 1);
    assert_eq!(store.count_unread(me).await.unwrap(), 1);
    assert!(
        !jobs.run_one(&notifications).await.unwrap(),
        "no e-mail job without a mailer"
    );
}

#[tokio::test]
async fn reminders_on_sqlite() {
    on_sqlite(a_reminder_is_sent_once_and_e_mailed).await;
    on_sqlite(nothing_is_e_mailed_without_a_mailer).await;
}

#[tokio::test]
async fn reminders_on_postgres() {
    on_postgres(a_reminder_is_sent_once_and_e_mailed).await;
    on_postgres(nothing_is_e_mailed_without_a_mailer).await;
}
