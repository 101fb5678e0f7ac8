//! The in-app inbox, behind [`InboxStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A message in the person's in-app inbox. Title and body are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `reminder`, `insight`, …
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where in the app it leads, e.g. `/insights`.
    pub link: Option<String>,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

/// The in-app inbox.
#[async_trait]
pub trait InboxStore: Send + Sync + 'static {
    async fn insert_notification(&self, n: &Notification) -> StoreResult<()>;
    /// The person's notifications, newest first, before `before` (by id).
    async fn list_notifications(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Notification>>;
    async fn find_notification(&self, user_id: Uuid, id: Uuid)
    -> StoreResult<Option<Notification>>;
    async fn count_unread(&self, user_id: Uuid) -> StoreResult<i64>;
    /// Marks one (`Some(id)`) or all as read; returns how many changed.
    async fn mark_read(
        &self,
        user_id: Uuid,
        id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<u64>;
}
