//! The audit log's SQL, shared by both backends (see `mod.rs`). Appends are
//! serialised by updating the one-row `audit_head` first in the transaction
//! (a row lock on PostgreSQL, the write lock on SQLite).

macro_rules! audit_impl {
    ($store:ident, $row:ident) => {
        mod audit {
            use async_trait::async_trait;
            use sqlx::Row;
            use uuid::Uuid;

            use super::{$row, $store};
            use crate::{AuditEntry, AuditStore, AuditVerdict, NewAudit, StoreError, StoreResult, utc};

            const COLUMNS: &str = "seq, id, at, actor_id, actor_role, subject_id, action, detail, prev_hash, hash";

            fn entry_from_row(r: &$row) -> StoreResult<AuditEntry> {
                Ok(AuditEntry {
                    seq: r.try_get("seq")?,
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_role: r.try_get("actor_role")?,
                    subject_id: r.try_get("subject_id")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            }

            #[async_trait]
            impl AuditStore for $store {
                #[tracing::instrument(skip_all, fields(action = %e.action))]
                async fn append_audit(&self, e: &NewAudit) -> StoreResult<AuditEntry> {
                    let mut tx = self.pool.begin().await?;
                    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE one = 1 RETURNING seq, hash")
                        .fetch_one(&mut *tx)
                        .await?;
                    let seq: i64 = head.try_get("seq")?;
                    let prev_hash: Vec<u8> = head.try_get("hash")?;
                    // Microseconds, as both backends keep them.
                    let at = e.at.replace_nanosecond(e.at.nanosecond() / 1000 * 1000)
                        .map_err(|err| StoreError::Backend(err.to_string()))?;
                    let mut entry = AuditEntry {
                        seq,
                        id: Uuid::now_v7(),
                        at,
                        actor_id: e.actor_id,
                        actor_role: e.actor_role.clone(),
                        subject_id: e.subject_id,
                        action: e.action.clone(),
                        detail: serde_json::to_string(&e.detail).map_err(|err| StoreError::Backend(err.to_string()))?,
                        prev_hash,
                        hash: Vec::new(),
                    };
                    entry.hash = entry.compute_hash();
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    )))
                    .bind(entry.seq)
                    .bind(entry.id)
                    .bind(utc(entry.at))
                    .bind(entry.actor_id)
                    .bind(&entry.actor_role)
                    .bind(entry.subject_id)
                    .bind(&entry.action)
                    .bind(&entry.detail)
                    .bind(&entry.prev_hash)
                    .bind(&entry.hash)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE audit_head SET hash = $1 WHERE one = 1")
                        .bind(&entry.hash)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(entry)
                }

                #[tracing::instrument(skip_all, fields(user_id = %subject_id))]
                async fn list_audit(&self, subject_id: Uuid, before_seq: Option<i64>, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE subject_id = $1 AND ($2 IS NULL OR seq < $2) \
                         ORDER BY seq DESC LIMIT $3"
                    )))
                    .bind(subject_id)
                    .bind(before_seq)
                    .bind(i64::from(limit))
                    .fetch_all(&self.read)
                    .await?;
                    rows.iter().map(entry_from_row).collect()
                }

                #[tracing::instrument(skip_all)]
                async fn verify_audit(&self) -> StoreResult<AuditVerdict> {
                    // The head first: entries appended while this runs are past
                    // it and not judged (an append writes both in one transaction).
                    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE one = 1")
                        .fetch_one(&self.pool)
                        .await?;
                    let head_seq: i64 = head.try_get("seq")?;
                    let head_hash: Vec<u8> = head.try_get("hash")?;
                    let mut prev = vec![0u8; 32];
                    let mut expected_seq = 1i64;
                    let mut after = 0i64;
                    while after < head_seq {
                        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1000"
                        )))
                        .bind(after)
                        .bind(head_seq)
                        .fetch_all(&self.pool)
                        .await?;
                        if rows.is_empty() {
                            break;
                        }
                        for r in &rows {
                            let e = entry_from_row(r)?;
                            if e.seq != expected_seq {
                                return Ok(AuditVerdict::Broken { seq: expected_seq, reason: "entry missing".into() });
                            }
                            if e.prev_hash != prev {
                                return Ok(AuditVerdict::Broken { seq: e.seq, reason: "does not follow the entry before".into() });
                            }
                            if e.compute_hash() != e.hash {
                                return Ok(AuditVerdict::Broken { seq: e.seq, reason: "altered".into() });
                            }
                            prev = e.hash;
                            after = e.seq;
                            expected_seq += 1;
                        }
                    }
                    if after != head_seq || prev != head_hash {
                        return Ok(AuditVerdict::Broken { seq: after + 1, reason: "entries removed from the end".into() });
                    }
                    Ok(AuditVerdict::Intact { entries: after })
                }
            }
        }
    };
}

pub(crate) use audit_impl;
