//! Check-in reminder settings and their schedule, behind [`ReminderStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// When the person wants a check-in reminder, in their own time.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSettings {
    pub user_id: Uuid,
    pub enabled: bool,
    /// Local time of day, `HH:MM`.
    pub local_time: String,
    /// ISO weekdays (1 = Monday … 7 = Sunday).
    pub days: Vec<u8>,
    /// Also by e-mail (when the server can send e-mail).
    pub email: bool,
    /// Quiet hours, `HH:MM` to `HH:MM` local (may wrap past midnight).
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub next_due_at: Option<OffsetDateTime>,
    pub last_sent_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

/// Check-in reminder settings, and the scheduler's claim on a due reminder.
#[async_trait]
pub trait ReminderStore: Send + Sync + 'static {
    async fn get_reminders(&self, user_id: Uuid) -> StoreResult<Option<ReminderSettings>>;
    async fn save_reminders(&self, settings: &ReminderSettings) -> StoreResult<()>;
    /// Enabled reminders due at `now`, earliest first.
    async fn due_reminders(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<ReminderSettings>>;
    /// Moves a reminder on from `due` to `next` (and records it sent at
    /// `now`), only if it is still due at `due`: of replicas racing for one
    /// reminder, exactly one gets true.
    async fn advance_reminder(
        &self,
        user_id: Uuid,
        due: OffsetDateTime,
        next: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}
