//! The in-app inbox and check-in reminders ([`reminders`]: when the next one
//! is due, in the person's time zone). Replicas that run jobs look for due
//! reminders every 30 s; of replicas racing for one, a compare-and-set on its
//! due time lets exactly one send it. E-mail goes through the [`Mailer`] port.

pub mod reminders;

use std::sync::Arc;

use rebloom_store::{InboxStore, Notification, ReminderStore, Store, UserStore};
use serde_json::json;
use uuid::Uuid;

use crate::clock::Clock;
use crate::jobs::{JobError, Queue, job_user, payload_id};
use crate::mail::{Mailer, Recipient};
use crate::wellbeing::Wellbeing;
use crate::wellbeing::calendar::Calendar;
use crate::{CoreError, CoreResult};
pub use reminders::{next_due, parse_time};

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
        let user_id = job_user(job)?;
        let id = payload_id(&job.payload, "notificationId")?;
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

    /// A page of the person's inbox (newest first, before `before`), and how
    /// many of all their notifications are unread.
    pub async fn inbox(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> CoreResult<(Vec<Notification>, i64)> {
        let items = self
            .inbox
            .list_notifications(user_id, before, i64::from(limit))
            .await?;
        Ok((items, self.inbox.count_unread(user_id).await?))
    }

    /// Marks one of the person's notifications as read, or all of them.
    pub async fn mark_read(&self, user_id: Uuid, id: Option<Uuid>) -> CoreResult<()> {
        if let Some(id) = id
            && self.inbox.find_notification(user_id, id).await?.is_none()
        {
            return Err(CoreError::NotFound);
        }
        self.inbox.mark_read(user_id, id, self.clock.now()).await?;
        Ok(())
    }
}
