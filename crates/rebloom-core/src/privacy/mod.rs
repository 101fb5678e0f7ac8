//! A person's rights over their data: the export of everything held about
//! them ([`export`], GDPR Art. 15/20) and erasure (Art. 17); and the voice
//! recordings they chose to keep ([`recordings`]).
//!
//! [`Privacy`] holds the whole store (an export reads every aggregate, an
//! erasure deletes them all), the encryption layer for the person's data key
//! (their files are sealed with it; erasure destroys it), the directory of
//! people's files, the clock, wellbeing (goals with their history), the
//! audit log, the event bus and the job queue.

pub mod export;
pub mod recordings;

use std::path::PathBuf;
use std::sync::Arc;

use rebloom_store::{EncryptedStore, Store};
use serde_json::json;
use uuid::Uuid;

use crate::CoreResult;
use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::events::{self, Event, EventBus};
use crate::jobs::Queue;
use crate::wellbeing::Wellbeing;

/// Exports and erasure.
#[derive(Clone)]
pub struct Privacy {
    store: Arc<dyn Store>,
    vault: Arc<EncryptedStore>,
    /// The data directory: people's files live in `audio/` and `exports/`,
    /// a folder per person.
    files: PathBuf,
    clock: Arc<dyn Clock>,
    wellbeing: Wellbeing,
    audit: Audit,
    events: EventBus,
    jobs: Queue,
}

/// What [`Privacy`] is built from, besides the sealed store.
pub struct PrivacyParts {
    pub files: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub wellbeing: Wellbeing,
    pub audit: Audit,
    pub events: EventBus,
    pub jobs: Queue,
}

impl Privacy {
    pub fn new(vault: Arc<EncryptedStore>, parts: PrivacyParts) -> Privacy {
        let PrivacyParts {
            files,
            clock,
            wellbeing,
            audit,
            events,
            jobs,
        } = parts;
        Privacy {
            store: vault.clone(),
            vault,
            files,
            clock,
            wellbeing,
            audit,
            events,
            jobs,
        }
    }

    /// Erases the person for good, once the way in confirmed it is them.
    /// Their data key is destroyed first (crypto-shredding: their content in
    /// every backup becomes unreadable), then every row that belongs to them
    /// (the schema's cascades), their files and their sign-in throttling
    /// record (`login_key`). The record of the erasure outlives the account
    /// (ids only).
    pub async fn erase(&self, actor: Actor, user_id: Uuid, login_key: &str) -> CoreResult<()> {
        self.audit
            .record(actor, Some(user_id), "account.erased", json!({}))
            .await?;
        // 1. The key: from here on nothing of theirs can be read, anywhere.
        self.vault.destroy_key(user_id).await?;
        // 2. Their rows, through the cascades.
        self.store.delete_user(user_id).await?;
        // 3. Their files and their throttling record.
        for kind in ["audio", "exports"] {
            let dir = self.files.join(kind).join(user_id.to_string());
            if let Err(e) = tokio::fs::remove_dir_all(&dir).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::error!(error = %e, kind, "removing the person's files failed");
            }
        }
        self.store.clear_login_failures(login_key).await?;
        metrics::counter!("account_erasures_total").increment(1);
        self.events.publish(Event {
            name: events::USER_DELETED,
            user_id,
            session_id: None,
            message_id: None,
            detail: json!({}),
        });
        Ok(())
    }
}
