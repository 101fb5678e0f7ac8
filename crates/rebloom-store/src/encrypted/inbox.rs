//! The encryption layer for the inbox: titles and bodies are sealed with the
//! person's data key (an insight's title can name a goal), and must be; kinds,
//! links and times are not.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{InboxStore, Notification, StoreResult};

fn aad(column: &str, n: &Notification) -> String {
    row_aad("notifications", column, n.id, n.user_id)
}

impl EncryptedStore {
    async fn open_notification(&self, mut n: Notification) -> StoreResult<Notification> {
        let (title_aad, body_aad) = (aad("title", &n), aad("body", &n));
        n.title = self
            .open_sealed_text(n.user_id, &title_aad, std::mem::take(&mut n.title))
            .await?;
        n.body = self
            .open_sealed_text(n.user_id, &body_aad, std::mem::take(&mut n.body))
            .await?;
        Ok(n)
    }
}

#[async_trait]
impl InboxStore for EncryptedStore {
    async fn insert_notification(&self, n: &Notification) -> StoreResult<()> {
        let mut sealed = n.clone();
        sealed.title = self
            .seal_text(n.user_id, &aad("title", n), &n.title)
            .await?;
        sealed.body = self.seal_text(n.user_id, &aad("body", n), &n.body).await?;
        self.inner.insert_notification(&sealed).await
    }

    async fn list_notifications(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        let stored = self
            .inner
            .list_notifications(user_id, before, limit)
            .await?;
        let mut out = Vec::with_capacity(stored.len());
        for n in stored {
            out.push(self.open_notification(n).await?);
        }
        Ok(out)
    }

    async fn find_notification(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<Notification>> {
        match self.inner.find_notification(user_id, id).await? {
            Some(n) => Ok(Some(self.open_notification(n).await?)),
            None => Ok(None),
        }
    }

    async fn count_unread(&self, user_id: Uuid) -> StoreResult<i64> {
        self.inner.count_unread(user_id).await
    }

    async fn mark_read(
        &self,
        user_id: Uuid,
        id: Option<Uuid>,
        at: OffsetDateTime,
    ) -> StoreResult<u64> {
        self.inner.mark_read(user_id, id, at).await
    }
}
