//! The durable job queue: jobs to enqueue, claimed, counted and failed,
//! behind [`JobStore`].

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A background job to enqueue. The payload holds ids and levels only.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    /// What kind of work it is, e.g. `crisis.webhook`.
    pub queue: String,
    pub payload: Value,
    /// The person it concerns: their jobs go when their account does.
    pub user_id: Option<Uuid>,
    pub run_at: OffsetDateTime,
    pub max_attempts: i32,
}

/// A job claimed by a worker. `lease` proves the claim: completing or retrying
/// with an old lease (the job was reclaimed after its lock ran out) does nothing.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub queue: String,
    pub payload: Value,
    pub user_id: Option<Uuid>,
    /// Including this one.
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease: Uuid,
}

/// Jobs per queue and status (`pending`, `running`, `failed`), for metrics and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCount {
    pub queue: String,
    pub status: String,
    pub count: i64,
}

/// A job that used up its attempts (the dead-letter view). Payloads are not
/// shown: they hold ids only, and operators need the error, not the data.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedJob {
    pub id: Uuid,
    pub queue: String,
    pub user_id: Option<Uuid>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub failed_at: OffsetDateTime,
}

/// A durable job queue shared by every replica: claims are leases, so a job
/// whose worker died runs again once its lock runs out.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn enqueue_job(&self, job: &NewJob, now: OffsetDateTime) -> StoreResult<()>;
    /// Claims the oldest due job (pending and due, or running with an expired
    /// lock), counting the attempt; `None` when nothing is due.
    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: Uuid,
        locked_until: OffsetDateTime,
    ) -> StoreResult<Option<Job>>;
    /// Done: the job is removed. False when the lease is no longer held.
    async fn complete_job(&self, id: Uuid, lease: Uuid) -> StoreResult<bool>;
    /// Failed this time: run again at `run_at`.
    async fn retry_job(
        &self,
        id: Uuid,
        lease: Uuid,
        run_at: OffsetDateTime,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Failed for good: kept as `failed` for operators to see.
    async fn fail_job(
        &self,
        id: Uuid,
        lease: Uuid,
        error: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn job_counts(&self) -> StoreResult<Vec<JobCount>>;
    /// Jobs that failed for good, latest failure first, before `before` (by id).
    async fn failed_jobs(&self, before: Option<Uuid>, limit: i64) -> StoreResult<Vec<FailedJob>>;
    /// One job that failed for good.
    async fn find_failed_job(&self, id: Uuid) -> StoreResult<Option<FailedJob>>;
    /// Puts a failed job back in the queue, due at `now`, with fresh attempts;
    /// false when there is no such failed job.
    async fn requeue_job(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool>;
}
