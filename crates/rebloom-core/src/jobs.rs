//! Background jobs: a durable queue in the store (so jobs survive restarts and
//! every replica shares them) and a worker per replica that runs them with
//! retries and exponential back-off.
//!
//! Better than an external job library here: the queue lives in our own
//! migrations and schemas (per-test and per-deployment schemas keep working),
//! uses the injected clock (so back-off is tested without sleeping), and its
//! rows go with the person's account (`ON DELETE CASCADE`). Payloads hold ids
//! and levels, never message text.
//!
//! Services enqueue through a [`Queue`]. Each area says which queues it runs
//! (a list of `(queue, handler)`); the wiring gathers them into [`Jobs`], and
//! the worker runs a job by its queue. A handler gets the context `C` the
//! wiring chose (the server's state) and the job.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rebloom_store::{FailedJob, Job, JobStore, NewJob, StoreResult};
use serde_json::Value;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::{CoreError, CoreResult};

/// How long a claimed job is locked before another worker may take it over.
const LOCK: time::Duration = time::Duration::minutes(5);
/// A single run may take this long before it counts as failed.
const RUN_LIMIT: Duration = Duration::from_secs(60);
const MAX_ATTEMPTS: i32 = 10;

/// What running one job gives.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

/// Runs one job of a queue, given the wiring's context.
pub type Handler<C> = fn(C, Job) -> JobFuture;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (network, 5xx, 429, SMTP transient).
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help (bad payload, 4xx, not configured).
    #[error("{0}")]
    Permanent(String),
}

impl From<rebloom_store::StoreError> for JobError {
    fn from(e: rebloom_store::StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

impl From<CoreError> for JobError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(_) | CoreError::NotFound => JobError::Permanent(e.to_string()),
            _ => JobError::Retry(e.to_string()),
        }
    }
}

/// The id in a job's payload under `field`; a payload without it is a
/// permanent failure (retrying cannot mend it).
pub fn payload_id(payload: &Value, field: &str) -> Result<Uuid, JobError> {
    payload
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| JobError::Permanent(format!("payload without {field}")))
}

/// The person a job is about; a job about nobody is a permanent failure.
pub fn job_user(job: &Job) -> Result<Uuid, JobError> {
    job.user_id
        .ok_or_else(|| JobError::Permanent("a job without a person".into()))
}

/// Where jobs are put: the store's queue, and this replica's worker to wake.
#[derive(Clone)]
pub struct Queue {
    store: Arc<dyn JobStore>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
}

impl Queue {
    pub fn new(store: Arc<dyn JobStore>, clock: Arc<dyn Clock>) -> Queue {
        Queue {
            store,
            clock,
            wake: Arc::default(),
        }
    }

    /// Stores a job due now and wakes the worker.
    pub async fn enqueue(
        &self,
        queue: &str,
        payload: Value,
        user_id: Option<Uuid>,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        self.enqueue_at(Uuid::now_v7(), queue, payload, user_id, now)
            .await
    }

    /// Stores a job with this id, due at `run_at`. The same id queued twice
    /// (a job computed alike on two replicas) is a [`StoreError::Conflict`]
    /// while the first is pending.
    ///
    /// [`StoreError::Conflict`]: rebloom_store::StoreError::Conflict
    pub async fn enqueue_at(
        &self,
        id: Uuid,
        queue: &str,
        payload: Value,
        user_id: Option<Uuid>,
        run_at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        self.store
            .enqueue_job(
                &NewJob {
                    id,
                    queue: queue.to_owned(),
                    payload,
                    user_id,
                    run_at,
                    max_attempts: MAX_ATTEMPTS,
                },
                self.clock.now(),
            )
            .await?;
        metrics::counter!("jobs_enqueued_total", "queue" => queue.to_owned()).increment(1);
        self.wake.notify_one();
        Ok(())
    }

    /// Makes the worker look for due jobs now (after the clock moved, in tests).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Jobs that used up their attempts, latest first: up to `limit` after
    /// the job `before` (a page's last).
    pub async fn failed(&self, before: Option<Uuid>, limit: u32) -> CoreResult<Vec<FailedJob>> {
        Ok(self.store.failed_jobs(before, i64::from(limit)).await?)
    }

    /// Puts a failed job back in the queue with fresh attempts, audited first
    /// (as `by`'s action on the person the job is about).
    pub async fn retry_failed(&self, audit: &Audit, by: Actor, id: Uuid) -> CoreResult<()> {
        let job = self
            .store
            .find_failed_job(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        audit
            .record(
                by,
                job.user_id,
                "admin.job_retried",
                serde_json::json!({ "jobId": id, "queue": job.queue }),
            )
            .await?;
        if !self.store.requeue_job(id, self.clock.now()).await? {
            return Err(CoreError::NotFound);
        }
        self.wake();
        Ok(())
    }
}

/// The queue and the handlers of every area, by queue name.
pub struct Jobs<C> {
    queue: Queue,
    handlers: Arc<HashMap<&'static str, Handler<C>>>,
}

impl<C> Clone for Jobs<C> {
    fn clone(&self) -> Self {
        Jobs {
            queue: self.queue.clone(),
            handlers: self.handlers.clone(),
        }
    }
}

impl<C: Clone + Send + 'static> Jobs<C> {
    /// The registry: each area's `(queue, handler)` list.
    pub fn new(queue: Queue, areas: &[&[(&'static str, Handler<C>)]]) -> Jobs<C> {
        Jobs {
            queue,
            handlers: Arc::new(areas.iter().flat_map(|a| a.iter().copied()).collect()),
        }
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// This replica's worker: runs due jobs one after another, polling every
    /// `poll` and woken by each enqueue, until the task is dropped.
    pub async fn work(&self, context: C, poll: Duration) {
        loop {
            match self.run_one(&context).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "claiming a job failed"),
            }
            tokio::select! {
                _ = self.queue.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claims and runs one due job; false when nothing was due.
    pub async fn run_one(&self, context: &C) -> StoreResult<bool> {
        let store = &self.queue.store;
        let now = self.queue.clock.now();
        let lease = Uuid::new_v4();
        let Some(job) = store.claim_job(now, lease, now + LOCK).await? else {
            return Ok(false);
        };
        let started = std::time::Instant::now();
        // A job reclaimed after its worker died as often as it may run: give up.
        let result = if job.attempts > job.max_attempts {
            Err(JobError::Permanent("out of attempts".into()))
        } else {
            match self.handlers.get(job.queue.as_str()) {
                None => Err(JobError::Permanent(format!("unknown queue {}", job.queue))),
                Some(handler) => {
                    // On its own task: a panic in a job is a failed run, not a dead worker.
                    let mut run = tokio::spawn(handler(context.clone(), job.clone()));
                    match tokio::time::timeout(RUN_LIMIT, &mut run).await {
                        Ok(Ok(r)) => r,
                        Ok(Err(_)) => Err(JobError::Retry("the job panicked".into())),
                        Err(_) => {
                            run.abort();
                            Err(JobError::Retry("timed out".into()))
                        }
                    }
                }
            }
        };
        let now = self.queue.clock.now();
        let outcome = match &result {
            Ok(()) => {
                store.complete_job(job.id, job.lease).await?;
                "done"
            }
            Err(JobError::Retry(e)) if job.attempts < job.max_attempts => {
                let at = now + backoff(job.attempts);
                tracing::warn!(job_id = %job.id, queue = %job.queue, attempts = job.attempts, error = %e, "job failed; retrying");
                store.retry_job(job.id, job.lease, at, e, now).await?;
                "retry"
            }
            Err(e) => {
                tracing::error!(job_id = %job.id, queue = %job.queue, attempts = job.attempts, error = %e, "job failed for good");
                store
                    .fail_job(job.id, job.lease, &e.to_string(), now)
                    .await?;
                "failed"
            }
        };
        metrics::counter!("jobs_processed_total", "queue" => job.queue.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("job_duration_seconds", "queue" => job.queue.clone())
            .record(started.elapsed().as_secs_f64());
        Ok(true)
    }
}

/// Back-off before attempt `attempts + 1`: 10 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> time::Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 9)).unwrap_or(0);
    time::Duration::seconds((10_i64 << exp).min(3600))
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_to_an_hour() {
        let secs: Vec<i64> = (1..=11).map(|a| backoff(a).whole_seconds()).collect();
        assert_eq!(
            secs,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
    }
}
