//! Sending e-mail, as a port: the server's SMTP client implements [`Mailer`]
//! (`rebloom-server/src/notify.rs`). Reminders, trusted contacts and
//! clinicians are e-mailed through it; none of it holds anything a person
//! wrote.

use async_trait::async_trait;

use crate::jobs::JobError;

/// Who an e-mail goes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// Shown beside the address when it can be (`Sam <sam@example.org>`).
    pub name: Option<String>,
    pub email: String,
}

impl Recipient {
    pub fn to(email: &str) -> Recipient {
        Recipient {
            name: None,
            email: email.to_owned(),
        }
    }
}

/// Sends e-mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one plain-text e-mail to `to`; an address that is not one, or
    /// a refusal, is permanent, and a failure to reach the server is worth a
    /// retry.
    async fn send(&self, to: &Recipient, subject: &str, body: String) -> Result<(), JobError>;
}
