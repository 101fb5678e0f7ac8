//! Telling people outside the conversation: a crisis event goes to the
//! configured webhook and crisis e-mail addresses, and to the clinicians the
//! person shares data with; their trusted contact hears when (and only when)
//! the person asks. [`Notices`] decides who is told and queues it as jobs.
//! The e-mails to a trusted contact and to clinicians are written here and
//! sent through the [`Mailer`] port; the crisis webhook and the configured
//! crisis addresses are the server's (`notify.rs`). None of it ever holds
//! message text: ids, level, categories and times only.

use std::sync::Arc;

use rebloom_safety::Safety;
use rebloom_store::{CrisisEvent, GrantStore, Job, SafetyStore, Store, StoreError, UserStore};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::jobs::{JobError, Queue, job_user, payload_id};
use crate::mail::{Mailer, Recipient};

/// A crisis event for the configured webhook.
pub const CRISIS_WEBHOOK: &str = "crisis.webhook";
/// A crisis event for the configured clinicians' e-mail addresses.
pub const CRISIS_EMAIL: &str = "crisis.email";
/// A crisis event for a clinician the person shares data with (level and time).
pub const CLINICIAN_EMAIL: &str = "clinician.email";
/// The person asked us to tell their trusted contact.
pub const CONTACT_EMAIL: &str = "trusted_contact.email";

/// How often a trusted contact may be notified.
pub const CONTACT_WINDOW: time::Duration = time::Duration::hours(1);

/// Which of the server's own crisis channels are configured (e-mail at
/// all is the [`Mailer`], when there is one).
#[derive(Debug, Clone, Copy, Default)]
pub struct Channels {
    /// A crisis webhook.
    pub webhook: bool,
    /// Crisis e-mail recipients.
    pub crisis_email: bool,
}

/// Why a trusted contact could not be notified.
#[derive(Debug)]
pub enum ContactRefusal {
    NoContact,
    NoEmail,
    TooSoon,
    /// The store failed; nothing was sent.
    Store(StoreError),
}

/// Decides who hears of a crisis event or a request to tell a trusted
/// contact, and queues it.
#[derive(Clone)]
pub struct Notices {
    grants: Arc<dyn GrantStore>,
    contacts: Arc<dyn SafetyStore>,
    clock: Arc<dyn Clock>,
    users: Arc<dyn UserStore>,
    jobs: Queue,
    channels: Channels,
    audit: Audit,
    safety: Arc<Safety>,
    mailer: Option<Arc<dyn Mailer>>,
}

/// What [`Notices`] is built from, besides the store and the clock.
pub struct NoticeParts {
    pub jobs: Queue,
    /// Which channels are configured.
    pub channels: Channels,
    pub audit: Audit,
    /// The crisis lines a trusted contact is given.
    pub safety: Arc<Safety>,
    /// `None` without e-mail (no SMTP server): then nobody is e-mailed.
    pub mailer: Option<Arc<dyn Mailer>>,
}

impl Notices {
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, parts: NoticeParts) -> Notices {
        let NoticeParts {
            jobs,
            channels,
            audit,
            safety,
            mailer,
        } = parts;
        Notices {
            grants: store.clone(),
            contacts: store.clone(),
            users: store.clone(),
            clock,
            jobs,
            channels,
            audit,
            safety,
            mailer,
        }
    }

    /// Whether e-mail can be sent at all (a trusted contact needs it).
    pub fn can_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// Queues the notifications a crisis event calls for, on every
    /// configured channel. A failure is logged, never passed on: the person's
    /// reply does not wait on it.
    pub async fn crisis(&self, event: &CrisisEvent, country: Option<&str>) {
        let occurred_at = event.created_at.format(&Rfc3339).ok();
        let payload = json!({
            "type": "safety.crisis.detected",
            "eventId": event.id,
            "userId": event.user_id,
            "sessionId": event.session_id,
            "riskLevel": event.risk_level,
            "categories": event.categories,
            "interventionType": event.intervention_type,
            "country": country,
            "occurredAt": occurred_at,
        });
        let mut queues = Vec::new();
        if self.channels.webhook {
            queues.push(CRISIS_WEBHOOK);
        }
        if self.channels.crisis_email {
            queues.push(CRISIS_EMAIL);
        }
        // Clinicians the person shares data with hear of it whatever the
        // grant's scope: the level and the time only.
        if self.can_email() {
            match self
                .grants
                .active_grants_of(event.user_id, self.clock.now())
                .await
            {
                Ok(grants) => {
                    let mut clinicians: Vec<_> = grants.iter().map(|g| g.clinician_id).collect();
                    clinicians.sort();
                    clinicians.dedup();
                    for clinician_id in clinicians {
                        let payload = json!({
                            "clinicianId": clinician_id,
                            "userId": event.user_id,
                            "riskLevel": event.risk_level,
                            "occurredAt": occurred_at,
                        });
                        if let Err(e) = self
                            .jobs
                            .enqueue(CLINICIAN_EMAIL, payload, Some(event.user_id))
                            .await
                        {
                            tracing::error!(error = %e, "enqueueing a clinician notification failed");
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "reading linked clinicians failed"),
            }
        }
        for queue in queues {
            if let Err(e) = self
                .jobs
                .enqueue(queue, payload.clone(), Some(event.user_id))
                .await
            {
                tracing::error!(error = %e, queue, "enqueueing a crisis notification failed");
            }
        }
    }

    /// Asks for the person's trusted contact to be e-mailed (at most once per
    /// [`CONTACT_WINDOW`]), and records in their audit log that `person`
    /// asked (`via` the app or the conversation). Only ever called when the
    /// person asked for it. Runs on a task of its own: a caller that goes
    /// away (a client gone, a turn past its limit) cannot leave the contact
    /// marked as told with no e-mail queued.
    pub async fn notify_contact(
        &self,
        person: Actor,
        user_id: Uuid,
        via: &str,
    ) -> Result<(), ContactRefusal> {
        let (this, via) = (self.clone(), via.to_owned());
        tokio::spawn(async move { this.notify_contact_now(person, user_id, &via).await })
            .await
            .unwrap_or_else(|e| Err(ContactRefusal::Store(StoreError::Backend(e.to_string()))))
    }

    async fn notify_contact_now(
        &self,
        person: Actor,
        user_id: Uuid,
        via: &str,
    ) -> Result<(), ContactRefusal> {
        if !self.can_email() {
            return Err(ContactRefusal::NoEmail);
        }
        let now = self.clock.now();
        match self
            .contacts
            .mark_contact_notified(user_id, now, now - CONTACT_WINDOW)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return match self.contacts.get_trusted_contact(user_id).await {
                    Ok(Some(_)) => Err(ContactRefusal::TooSoon),
                    Ok(None) => Err(ContactRefusal::NoContact),
                    Err(e) => Err(ContactRefusal::Store(e)),
                };
            }
            Err(e) => return Err(ContactRefusal::Store(e)),
        }
        let payload = json!({ "userId": user_id, "requestedAt": now.unix_timestamp() });
        if let Err(e) = self
            .jobs
            .enqueue(CONTACT_EMAIL, payload, Some(user_id))
            .await
        {
            tracing::error!(error = %e, "enqueueing a trusted-contact e-mail failed");
            return Err(ContactRefusal::Store(e));
        }
        // Queued already: a failure here must not make the person ask again
        // (they would be refused as too soon).
        if let Err(e) = self
            .audit
            .record(
                person,
                Some(user_id),
                "trusted_contact.notified",
                json!({ "via": via }),
            )
            .await
        {
            tracing::error!(error = %e, "recording a trusted-contact notification failed");
        }
        Ok(())
    }

    fn mailer(&self) -> Result<&dyn Mailer, JobError> {
        self.mailer
            .as_deref()
            .ok_or_else(|| JobError::Permanent("no SMTP server configured".into()))
    }

    /// The job: the e-mail to the person's trusted contact. Read at run
    /// time: a contact removed in the meantime is not written to.
    pub async fn run_contact_email(&self, job: &Job) -> Result<(), JobError> {
        let user_id = job_user(job)?;
        let Some(contact) = self.contacts.get_trusted_contact(user_id).await? else {
            return Ok(());
        };
        let user = self.users.find_user(user_id).await?;
        let profile = self.users.get_profile(user_id).await?;
        let (Some(user), Some(profile)) = (user, profile) else {
            return Ok(());
        };
        let who = profile
            .display_name
            .filter(|n| !n.trim().is_empty())
            .map(|n| format!("{n} ({})", user.email))
            .unwrap_or(user.email);
        let (resources, known) = self
            .safety
            .directory
            .for_country(profile.country.as_deref());
        let emergency = if known {
            format!("call {} now", resources.emergency)
        } else {
            "call your local emergency number now".to_owned()
        };
        let line = resources
            .crisis_lines()
            .next()
            .map(|l| {
                format!(
                    "\n{} ({}, {}) also helps people who are worried about someone.\n",
                    l.name, l.contact, l.hours
                )
            })
            .unwrap_or_default();
        let body = format!(
            "Hello {name},\n\n\
             {who} uses Rebloom, a wellbeing companion app, and named you as someone they trust. \
             Just now they asked us to let you know that they are going through a very hard time \
             and would value you reaching out to them as soon as you can: a call, a message or a \
             visit.\n\n\
             If you believe they are in immediate danger, {emergency}.\n{line}\n\
             This message contains nothing of what they wrote. You received it because they chose \
             to give Rebloom your address and asked for it to be sent.\n",
            name = contact.name,
        );
        let to = Recipient {
            name: Some(contact.name),
            email: contact.email,
        };
        self.mailer()?
            .send(&to, "Someone who trusts you asked us to reach out", body)
            .await
    }

    /// The job: the e-mail to a linked clinician about a crisis event, the
    /// level and the time only. A grant revoked meanwhile sends nothing.
    pub async fn run_clinician_email(&self, job: &Job) -> Result<(), JobError> {
        let clinician_id = payload_id(&job.payload, "clinicianId")?;
        let user_id = payload_id(&job.payload, "userId")?;
        let linked = self
            .grants
            .active_grants_to(clinician_id, Some(user_id), self.clock.now())
            .await?;
        if linked.is_empty() {
            return Ok(());
        }
        let Some(clinician) = self.users.find_user(clinician_id).await? else {
            return Ok(());
        };
        let field = |k: &str| {
            job.payload
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned()
        };
        let level = field("riskLevel");
        let body = format!(
            "A person who shares their Rebloom data with you (user id {user_id}) had a {level}-risk \
             safety event at {}.\n\nRebloom answered with safe-messaging guidance and crisis lines \
             for their country and stays in the conversation. This e-mail holds only the level and \
             the time; what you can see beyond that depends on what they chose to share.\n",
            field("occurredAt"),
        );
        self.mailer()?
            .send(
                &Recipient::to(&clinician.email),
                &format!("Rebloom: {level}-risk event for a person you support"),
                body,
            )
            .await
    }
}
