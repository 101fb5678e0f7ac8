//! The encryption layer for the job queue: nothing is sealed (payloads hold
//! ids and levels only), every call is forwarded.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::EncryptedStore;
use crate::{FailedJob, Job, JobCount, JobStore, NewJob, StoreResult};

#[async_trait]
impl JobStore for EncryptedStore {
    async fn enqueue_job(&self, job: &NewJob, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.enqueue_job(job, now).await
    }

    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: Uuid,
        locked_until: OffsetDateTime,
    ) -> StoreResult<Option<Job>> {
        self.inner.claim_job(now, lease, locked_until).await
    }

    async fn complete_job(&self, id: Uuid, lease: Uuid) -> StoreResult<bool> {
        self.inner.complete_job(id, lease).await
    }

    async fn retry_job(
        &self,
        id: Uuid,
        lease: Uuid,
        run_at: OffsetDateTime,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.retry_job(id, lease, run_at, error, now).await
    }

    async fn fail_job(
        &self,
        id: Uuid,
        lease: Uuid,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.fail_job(id, lease, error, now).await
    }

    async fn job_counts(&self) -> StoreResult<Vec<JobCount>> {
        self.inner.job_counts().await
    }

    async fn failed_jobs(&self, before: Option<Uuid>, limit: i64) -> StoreResult<Vec<FailedJob>> {
        self.inner.failed_jobs(before, limit).await
    }

    async fn find_failed_job(&self, id: Uuid) -> StoreResult<Option<FailedJob>> {
        self.inner.find_failed_job(id).await
    }

    async fn requeue_job(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        self.inner.requeue_job(id, now).await
    }
}
