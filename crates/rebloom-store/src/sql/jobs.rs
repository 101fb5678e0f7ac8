//! The job queue's SQL, shared by both backends (see `mod.rs`). The one
//! difference: PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so replicas
//! polling at once take different jobs; SQLite has a single writer, so its
//! `UPDATE … RETURNING` is already atomic.

macro_rules! jobs_impl {
    ($store:ident, $row:ident, $skip_locked:literal) => {
        mod jobs {
            use async_trait::async_trait;
            use sqlx::Row;
            use sqlx::types::Json;
            use time::OffsetDateTime;
            use uuid::Uuid;

            use crate::{FailedJob, Job, JobCount, JobStore, NewJob, StoreError, StoreResult, utc};

            use super::{$row, $store};

            const SKIP_LOCKED: &str = $skip_locked;

            fn job_from_row(r: &$row) -> StoreResult<Job> {
                Ok(Job {
                    id: r.try_get("id")?,
                    queue: r.try_get("queue")?,
                    payload: r.try_get::<Json<serde_json::Value>, _>("payload")?.0,
                    user_id: r.try_get("user_id")?,
                    attempts: r.try_get("attempts")?,
                    max_attempts: r.try_get("max_attempts")?,
                    lease: r
                        .try_get::<Option<Uuid>, _>("lease")?
                        .ok_or_else(|| StoreError::Backend("claimed job without lease".into()))?,
                })
            }

            const FAILED_COLUMNS: &str = "id, queue, user_id, attempts, last_error, created_at, updated_at";

            fn failed_from_row(r: &$row) -> StoreResult<FailedJob> {
                Ok(FailedJob {
                    id: r.try_get("id")?,
                    queue: r.try_get("queue")?,
                    user_id: r.try_get("user_id")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    created_at: r.try_get("created_at")?,
                    failed_at: r.try_get("updated_at")?,
                })
            }

            #[async_trait]
            impl JobStore for $store {
                #[tracing::instrument(skip_all, fields(queue = %job.queue))]
                async fn enqueue_job(&self, job: &NewJob, now: OffsetDateTime) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO jobs (id, queue, payload, user_id, status, attempts, max_attempts, run_at, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $7)",
                    )
                    .bind(job.id)
                    .bind(&job.queue)
                    .bind(Json(&job.payload))
                    .bind(job.user_id)
                    .bind(job.max_attempts)
                    .bind(utc(job.run_at))
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn claim_job(
                    &self,
                    now: OffsetDateTime,
                    lease: Uuid,
                    locked_until: OffsetDateTime,
                ) -> StoreResult<Option<Job>> {
                    // The outer conditions are checked again on the row itself, so
                    // two claimers that picked the same id cannot both win.
                    let sql = format!(
                        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease = $2, \
                         locked_until = $3, updated_at = $1 \
                         WHERE id = (SELECT id FROM jobs \
                             WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1) \
                             ORDER BY run_at, id LIMIT 1{SKIP_LOCKED}) \
                         AND ((status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1)) \
                         RETURNING id, queue, payload, user_id, attempts, max_attempts, lease"
                    );
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(utc(now))
                        .bind(lease)
                        .bind(utc(locked_until))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(job_from_row).transpose()
                }

                #[tracing::instrument(skip_all, fields(job_id = %id))]
                async fn complete_job(&self, id: Uuid, lease: Uuid) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND lease = $2 AND status = 'running'")
                        .bind(id)
                        .bind(lease)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all, fields(job_id = %id))]
                async fn retry_job(
                    &self,
                    id: Uuid,
                    lease: Uuid,
                    run_at: OffsetDateTime,
                    error: &str,
                    now: OffsetDateTime,
                ) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE jobs SET status = 'pending', run_at = $3, lease = NULL, locked_until = NULL, \
                         last_error = $4, updated_at = $5 WHERE id = $1 AND lease = $2 AND status = 'running'",
                    )
                    .bind(id)
                    .bind(lease)
                    .bind(utc(run_at))
                    .bind(error)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all, fields(job_id = %id))]
                async fn fail_job(&self, id: Uuid, lease: Uuid, error: &str, now: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE jobs SET status = 'failed', lease = NULL, locked_until = NULL, last_error = $3, \
                         updated_at = $4 WHERE id = $1 AND lease = $2 AND status = 'running'",
                    )
                    .bind(id)
                    .bind(lease)
                    .bind(error)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all)]
                async fn failed_jobs(&self, before: Option<Uuid>, limit: i64) -> StoreResult<Vec<FailedJob>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {FAILED_COLUMNS} FROM jobs WHERE status = 'failed' AND ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2"
                    )))
                    .bind(before)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(failed_from_row).collect()
                }

                #[tracing::instrument(skip_all)]
                async fn find_failed_job(&self, id: Uuid) -> StoreResult<Option<FailedJob>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {FAILED_COLUMNS} FROM jobs WHERE status = 'failed' AND id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(failed_from_row).transpose()
                }

                #[tracing::instrument(skip_all)]
                async fn requeue_job(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = $2, updated_at = $2 \
                         WHERE id = $1 AND status = 'failed'",
                    )
                    .bind(id)
                    .bind(utc(now))
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all)]
                async fn job_counts(&self) -> StoreResult<Vec<JobCount>> {
                    let rows = sqlx::query(
                        "SELECT queue, status, COUNT(*) AS n FROM jobs GROUP BY queue, status ORDER BY queue, status",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(JobCount {
                                queue: r.try_get("queue")?,
                                status: r.try_get("status")?,
                                count: r.try_get("n")?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}

pub(crate) use jobs_impl;
