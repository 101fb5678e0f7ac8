//! Data exports, behind [`ExportStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A data export and where it is in its life.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `pending`, `ready`, `downloaded`, `expired` or `failed`.
    pub status: String,
    /// The sealed ZIP's file name under the data directory's `exports/`.
    pub file: Option<String>,
    pub size_bytes: Option<i64>,
    pub created_at: OffsetDateTime,
    pub ready_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub downloaded_at: Option<OffsetDateTime>,
}

/// Data exports: created pending, finished by a job, downloaded once.
#[async_trait]
pub trait ExportStore: Send + Sync + 'static {
    async fn create_export(
        &self,
        id: Uuid,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Export>;
    async fn get_export(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Export>>;
    /// Ready with its file and size, or failed (`None`); only from pending.
    async fn finish_export(
        &self,
        id: Uuid,
        result: Option<(&str, i64)>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Marks ready exports past their time expired and returns them (their
    /// files are then deleted).
    async fn expire_exports(&self, now: OffsetDateTime) -> StoreResult<Vec<Export>>;
    /// Marks a ready, unexpired export downloaded and returns it: once only.
    async fn claim_download(
        &self,
        user_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Export>>;
}
