//! Sending crisis events to the configured webhook and e-mail addresses, as
//! the jobs `rebloom_core::notices` queues (it decides who is told). None of
//! them ever holds message text: ids, level, categories and times only.
//!
//! Webhooks are signed like Stripe's: `Rebloom-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256(secret, "<t>.<body>")>`; receivers recompute it and reject old
//! timestamps. E-mail goes through SMTP (lettre); the `Notifier` is also the
//! [`Mailer`] that reminders, trusted contacts and clinicians are e-mailed
//! through (`rebloom_core::mail`).

use std::time::Duration;

use anyhow::Context;
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

use rebloom_core::jobs::JobError;
use rebloom_core::mail::{Mailer, Recipient};
use rebloom_core::notices::{CRISIS_EMAIL, CRISIS_WEBHOOK, Channels};

use crate::app::JobHandler;
use crate::config::Config;

/// The jobs of crisis notification to the configured webhook and addresses.
pub const JOBS: &[(&str, JobHandler)] = &[
    (CRISIS_WEBHOOK, |s, j| {
        Box::pin(async move { s.notifier.crisis_webhook(&j.payload).await })
    }),
    (CRISIS_EMAIL, |s, j| {
        Box::pin(async move { s.notifier.crisis_email(&j.payload).await })
    }),
];

/// The outgoing channels, built once from configuration.
pub struct Notifier {
    http: reqwest::Client,
    webhook: Option<(String, SecretString)>,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    crisis_to: Vec<Mailbox>,
}

impl Notifier {
    pub fn from_config(config: &Config) -> anyhow::Result<Notifier> {
        let webhook = match (&config.crisis_webhook_url, &config.crisis_webhook_secret) {
            (Some(url), Some(secret)) => {
                reqwest::Url::parse(url).context("REBLOOM_CRISIS_WEBHOOK_URL is not a URL")?;
                if secret.expose_secret().len() < 16 {
                    anyhow::bail!("REBLOOM_CRISIS_WEBHOOK_SECRET must be at least 16 characters");
                }
                Some((url.clone(), secret.clone()))
            }
            (Some(_), None) => {
                anyhow::bail!("REBLOOM_CRISIS_WEBHOOK_URL needs REBLOOM_CRISIS_WEBHOOK_SECRET")
            }
            (None, _) => None,
        };
        let smtp = config
            .smtp_url
            .as_ref()
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map(|b| b.timeout(Some(Duration::from_secs(20))).build())
                    .context("REBLOOM_SMTP_URL is not a valid SMTP URL")
            })
            .transpose()?;
        let from: Mailbox = config
            .smtp_from
            .parse()
            .context("REBLOOM_SMTP_FROM is not a mailbox")?;
        let crisis_to = config
            .crisis_email_to
            .iter()
            .map(|a| a.trim().parse::<Mailbox>())
            .collect::<Result<Vec<_>, _>>()
            .context("REBLOOM_CRISIS_EMAIL_TO holds an invalid address")?;
        if !crisis_to.is_empty() && smtp.is_none() {
            anyhow::bail!("REBLOOM_CRISIS_EMAIL_TO needs REBLOOM_SMTP_URL");
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("webhook HTTP client")?;
        Ok(Notifier {
            http,
            webhook,
            smtp,
            from,
            crisis_to,
        })
    }

    /// What is configured, for deciding who is told (`rebloom_core::notices`).
    pub fn channels(&self) -> Channels {
        Channels {
            webhook: self.webhook.is_some(),
            crisis_email: !self.crisis_to.is_empty(),
        }
    }

    /// Whether e-mail can be sent at all (an SMTP server is configured).
    pub fn can_email(&self) -> bool {
        self.smtp.is_some()
    }

    /// The channels a crisis event goes to, for the start-up banner.
    pub fn describe(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.webhook.is_some() {
            on.push("webhook");
        }
        if !self.crisis_to.is_empty() {
            on.push("e-mail");
        }
        on
    }

    /// Posts a crisis event to the webhook, signed.
    pub async fn crisis_webhook(&self, payload: &Value) -> Result<(), JobError> {
        let Some((url, secret)) = &self.webhook else {
            return Err(JobError::Permanent("no webhook configured".into()));
        };
        let body = serde_json::to_vec(payload).map_err(|e| JobError::Permanent(e.to_string()))?;
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(secret.expose_secret().as_bytes(), t, &body)?;
        let event_id = payload
            .get("eventId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Rebloom-Signature", format!("t={t},v1={signature}"))
            .header("Rebloom-Event-Id", event_id)
            .body(body)
            .send()
            .await
            .map_err(|e| JobError::Retry(format!("webhook unreachable: {}", e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(JobError::Retry(format!("webhook answered {status}")))
        } else {
            Err(JobError::Permanent(format!("webhook answered {status}")))
        }
    }

    /// E-mails a crisis event to the configured clinicians.
    pub async fn crisis_email(&self, payload: &Value) -> Result<(), JobError> {
        if self.crisis_to.is_empty() {
            return Err(JobError::Permanent("no crisis e-mail recipients".into()));
        }
        let field = |k: &str| {
            payload
                .get(k)
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| "unknown".into())
        };
        let level = field("riskLevel");
        let subject = format!("Rebloom safety alert: {level} risk");
        let body = format!(
            "A Rebloom user's message was assessed as {level} risk.\n\n\
             Risk level: {level}\n\
             Categories: {}\n\
             What Rebloom did: {}\n\
             When: {}\n\
             Country: {}\n\
             User id: {}\n\
             Event id: {}\n\n\
             Rebloom answered with safe-messaging guidance and crisis lines for the person's \
             country, and stays in the conversation with them. This e-mail deliberately \
             contains nothing of what the person wrote.\n",
            field("categories"),
            field("interventionType"),
            field("occurredAt"),
            field("country"),
            field("userId"),
            field("eventId"),
        );
        // One message to every recipient: a retry never repeats it to some.
        self.send_mail(&self.crisis_to, &subject, body).await
    }

    pub(crate) async fn send_mail(
        &self,
        to: &[Mailbox],
        subject: &str,
        body: String,
    ) -> Result<(), JobError> {
        let Some(smtp) = &self.smtp else {
            return Err(JobError::Permanent("no SMTP server configured".into()));
        };
        let mut builder = lettre::Message::builder().from(self.from.clone());
        for m in to {
            builder = builder.to(m.clone());
        }
        let message = builder
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| JobError::Permanent(format!("building the e-mail: {e}")))?;
        smtp.send(message).await.map(|_| ()).map_err(|e| {
            // The server's text may repeat an address: keep only the code.
            let code = e
                .status()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "no reply (connection, TLS or time-out)".into());
            if e.is_permanent() {
                JobError::Permanent(format!("SMTP refused: {code}"))
            } else {
                JobError::Retry(format!("SMTP failed: {code}"))
            }
        })
    }
}

#[async_trait::async_trait]
impl Mailer for Notifier {
    async fn send(&self, to: &Recipient, subject: &str, body: String) -> Result<(), JobError> {
        // With the name when it makes a valid mailbox, else the address alone.
        let named = to.name.as_deref().and_then(|name| {
            format!("{} <{}>", name.replace(['<', '>', '"'], ""), to.email)
                .parse::<Mailbox>()
                .ok()
        });
        let to = match named {
            Some(m) => m,
            None => to
                .email
                .parse::<Mailbox>()
                .map_err(|e| JobError::Permanent(format!("address: {e}")))?,
        };
        self.send_mail(&[to], subject, body).await
    }
}

fn sign(secret: &[u8], t: i64, body: &[u8]) -> Result<String, JobError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|e| JobError::Permanent(format!("webhook secret: {e}")))?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(hex::encode(mac.finalize().into_bytes()))
}
