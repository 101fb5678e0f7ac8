//! A trusted contact: someone the person names, with their explicit consent,
//! whom Rebloom e-mails only when the person asks it to (from the app, or by
//! saying so after the companion offers it in a crisis; the asking is
//! [`crate::notices::Notices::notify_contact`]). The e-mail never holds
//! anything the person wrote.

use std::sync::Arc;

use rebloom_store::{SafetyStore, Store, TrustedContact};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::email::normalize_email;
use crate::{CoreError, CoreResult, FieldError};

const MAX_NAME: usize = 100;

/// Naming a trusted contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactRequest {
    #[schema(value_type = crate::schemas::PersonName, example = "Sam")]
    pub name: String,
    #[schema(example = "sam@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// Must be true: "This person agreed to be my trusted contact, and Rebloom
    /// may e-mail them when I ask it to."
    #[schema(schema_with = crate::schemas::must_be_true)]
    pub consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub name: String,
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub consented_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_notified_at: Option<OffsetDateTime>,
    /// Whether this server can send e-mail at all.
    pub can_notify: bool,
}

/// Naming, reading and withdrawing a person's trusted contact.
#[derive(Clone)]
pub struct TrustedContacts {
    contacts: Arc<dyn SafetyStore>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    /// E-mail can be sent (the contact can be told when the person asks).
    can_email: bool,
}

impl TrustedContacts {
    /// The port it needs, taken from the (sealed) store.
    pub fn new(
        store: &Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        can_email: bool,
    ) -> TrustedContacts {
        TrustedContacts {
            contacts: store.clone(),
            clock,
            audit,
            can_email,
        }
    }

    fn view(&self, c: TrustedContact) -> ContactView {
        ContactView {
            name: c.name,
            email: c.email,
            consented_at: c.consented_at,
            last_notified_at: c.last_notified_at,
            can_notify: self.can_email,
        }
    }

    /// The person's trusted contact.
    pub async fn contact(&self, user_id: Uuid) -> CoreResult<ContactView> {
        let contact = self
            .contacts
            .get_trusted_contact(user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(self.view(contact))
    }

    /// Names (or replaces) the person's trusted contact, with the contact's
    /// consent confirmed; every field wrong is said at once.
    pub async fn save(
        &self,
        person: Actor,
        user_id: Uuid,
        req: ContactRequest,
    ) -> CoreResult<ContactView> {
        let mut errors = Vec::new();
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control)
        {
            errors.push(FieldError::new(
                "name",
                "invalid_name",
                format!("A name of 1 to {MAX_NAME} characters."),
            ));
        }
        let email = normalize_email(&req.email);
        if email.is_none() {
            errors.push(FieldError::new(
                "email",
                "invalid_email",
                "A valid e-mail address.",
            ));
        }
        if !req.consent {
            errors.push(FieldError::new(
                "consent",
                "consent_required",
                "Confirm that this person agreed to be your trusted contact and that Rebloom may e-mail them when you ask it to.",
            ));
        }
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(CoreError::Invalid(errors));
        };
        let now = self.clock.now();
        let previous = self.contacts.get_trusted_contact(user_id).await?;
        let contact = TrustedContact {
            user_id,
            name: name.to_owned(),
            email,
            consented_at: now,
            updated_at: now,
            last_notified_at: previous.and_then(|p| p.last_notified_at),
        };
        self.audit
            .record(
                person,
                Some(user_id),
                "trusted_contact.consented",
                json!({}),
            )
            .await?;
        self.contacts.save_trusted_contact(&contact).await?;
        Ok(self.view(contact))
    }

    /// Withdraws the person's trusted contact.
    pub async fn remove(&self, person: Actor, user_id: Uuid) -> CoreResult<()> {
        if !self.contacts.delete_trusted_contact(user_id).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                person,
                Some(user_id),
                "trusted_contact.withdrawn",
                json!({}),
            )
            .await?;
        Ok(())
    }
}
