//! Crisis notices without any transport, on real SQLite and real PostgreSQL
//! with the manual clock: a person's request reaches their trusted contact
//! once an hour at most, audited, with their country's emergency number and
//! nothing they wrote; a crisis e-mails the clinicians they share data with
//! (the level and the time), and a grant revoked before the job runs sends
//! nothing. The HTTP suite checks the same through a real SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use rebloom_core::audit::{Actor, Audit};
use rebloom_core::clock::{Clock, ManualClock};
use rebloom_core::jobs::{Handler, Jobs, Queue};
use rebloom_core::mail::Mailer;
use rebloom_core::notices::{
    CLINICIAN_EMAIL, CONTACT_EMAIL, Channels, ContactRefusal, NoticeParts, Notices,
};
use rebloom_safety::Safety;
use rebloom_store::{CrisisEvent, Grant, NewUser, Role, Store, TrustedContact};
use serde_json::json;
use support::{Outbox, on_postgres, on_sqlite};
use time::macros::datetime;
use uuid::Uuid;

const NOTICE_JOBS: &[(&str, Handler<Notices>)] = &[
    (CONTACT_EMAIL, |n, j| {
        Box::pin(async move { n.run_contact_email(&j).await })
    }),
    (CLINICIAN_EMAIL, |n, j| {
        Box::pin(async move { n.run_clinician_email(&j).await })
    }),
];

/// The service over `store` on `clock` with e-mail (into `outbox`), and
/// its jobs' worker.
fn service(
    store: &Arc<dyn Store>,
    clock: &ManualClock,
    outbox: &Arc<Outbox>,
) -> (Notices, Jobs<Notices>) {
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let jobs = Jobs::new(Queue::new(store.clone(), clock.clone()), &[NOTICE_JOBS]);
    let notices = Notices::new(
        store,
        clock.clone(),
        NoticeParts {
            jobs: jobs.queue().clone(),
            channels: Channels {
                webhook: false,
                crisis_email: false,
            },
            audit: Audit::new(store.clone(), clock),
            safety: Arc::new(Safety::new().unwrap()),
            mailer: Some(outbox.clone() as Arc<dyn Mailer>),
        },
    );
    (notices, jobs)
}

async fn the_trusted_contact_hears_once_an_hour(store: Arc<dyn Store>) {
    let clock = ManualClock::new(datetime!(2026-12-07 20:00 UTC));
    let outbox = Arc::new(Outbox::default());
    let (notices, jobs) = service(&store, &clock, &outbox);
    let me = support::person(&store, clock.now(), "Europe/Madrid", Some("Lucía")).await;
    let mut profile = store.get_profile(me).await.unwrap().unwrap();
    profile.country = Some("ES".to_owned());
    store.save_profile(&profile).await.unwrap();
    let person = Actor::Person {
        id: me,
        role: Role::User,
    };

    // Without a contact named, nothing is queued.
    assert!(matches!(
        notices.notify_contact(person, me, "app").await,
        Err(ContactRefusal::NoContact)
    ));
    store
        .save_trusted_contact(&TrustedContact {
            user_id: me,
            name: "Ana".to_owned(),
            email: "ana@example.org".to_owned(),
            consented_at: clock.now(),
            updated_at: clock.now(),
            last_notified_at: None,
        })
        .await
        .unwrap();
    notices
        .notify_contact(person, me, "conversation")
        .await
        .unwrap();
    assert!(matches!(
        notices.notify_contact(person, me, "app").await,
        Err(ContactRefusal::TooSoon)
    ));
    let audit = store.list_audit(me, None, 10).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "trusted_contact.notified")
            .count(),
        1
    );

    assert!(jobs.run_one(&notices).await.unwrap());
    assert!(!jobs.run_one(&notices).await.unwrap(), "one e-mail");
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1);
    let (to, subject, body) = &sent[0];
    assert_eq!(
        (to.name.as_deref(), to.email.as_str()),
        (Some("Ana"), "ana@example.org")
    );
    assert_eq!(subject, "Someone who trusts you asked us to reach out");
    assert!(body.starts_with("Hello Ana,"), "{body}");
    assert!(
        body.contains(&format!("Lucía ({me}@example.org)")),
        "{body}"
    );
    // Spain's emergency number.
    assert!(body.contains("call 112 now"), "{body}");

    // An hour later they may ask again.
    clock.advance(time::Duration::hours(1));
    notices.notify_contact(person, me, "app").await.unwrap();
}

async fn clinicians_hear_of_a_crisis_while_their_grant_holds(store: Arc<dyn Store>) {
    let clock = ManualClock::new(datetime!(2026-12-07 20:00 UTC));
    let outbox = Arc::new(Outbox::default());
    let (notices, jobs) = service(&store, &clock, &outbox);
    let me = support::person(&store, clock.now(), "Europe/Berlin", None).await;
    let clinician = Uuid::now_v7();
    store
        .create_user(&NewUser {
            id: clinician,
            email: format!("dr-{clinician}@example.org"),
            password_hash: "x".to_owned(),
            role: Role::Clinician,
            now: clock.now(),
        })
        .await
        .unwrap();
    let grant = Grant {
        id: Uuid::now_v7(),
        user_id: me,
        clinician_id: clinician,
        scope: "mood".to_owned(),
        session_ids: Vec::new(),
        created_at: clock.now(),
        expires_at: clock.now() + time::Duration::days(90),
        revoked_at: None,
    };
    store.create_grant(&grant).await.unwrap();
    let event = CrisisEvent {
        id: Uuid::now_v7(),
        user_id: me,
        session_id: None,
        message_id: None,
        risk_level: "critical".to_owned(),
        categories: json!(["suicidal_ideation"]),
        intervention_type: "emergency_services".to_owned(),
        created_at: clock.now(),
    };
    notices.crisis(&event, Some("DE")).await;
    assert!(jobs.run_one(&notices).await.unwrap());
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1);
    let (to, subject, body) = &sent[0];
    assert_eq!(to.email, format!("dr-{clinician}@example.org"));
    assert_eq!(
        subject,
        "Rebloom: critical-risk event for a person you support"
    );
    assert!(body.contains(&me.to_string()), "{body}");

    // Revoked before the job runs: nothing goes out.
    notices.crisis(&event, Some("DE")).await;
    store.revoke_grant(me, grant.id, clock.now()).await.unwrap();
    assert!(jobs.run_one(&notices).await.unwrap());
    assert_eq!(outbox.sent().len(), 1);
}

#[tokio::test]
async fn notices_on_sqlite() {
    on_sqlite(the_trusted_contact_hears_once_an_hour).await;
    on_sqlite(clinicians_hear_of_a_crisis_while_their_grant_holds).await;
}

#[tokio::test]
async fn notices_on_postgres() {
    on_postgres(the_trusted_contact_hears_once_an_hour).await;
    on_postgres(clinicians_hear_of_a_crisis_while_their_grant_holds).await;
}
