//! Data export (GDPR Art. 15/20): asked for, built by a job that gathers
//! everything held about a person into a ZIP — machine-readable `data.json`
//! and a readable `conversations.md` — sealed at rest with their data key,
//! downloaded once, and expired when nobody fetched it in time.
//! `rebloom-server`'s `http/export.rs` is the way in.

use std::io::Write;

use rebloom_store::{Export, Job};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::Privacy;
use crate::audit::Actor;
use crate::conversation::history::{all_messages, all_sessions};
use crate::conversation::views::MessageView;
use crate::jobs::{JobError, job_user, payload_id};
use crate::{CoreError, CoreResult};

/// The job queue's name for building an export.
pub const EXPORT_JOB: &str = "export.build";
/// How long a ready export can be downloaded.
const READY_FOR: time::Duration = time::Duration::hours(24);

impl Privacy {
    /// Starts an export of everything held about the person: recorded, then
    /// built by a job.
    pub async fn request_export(&self, actor: Actor, user_id: Uuid) -> CoreResult<Export> {
        let now = self.clock.now();
        let id = Uuid::now_v7();
        self.audit
            .record(
                actor,
                Some(user_id),
                "export.requested",
                json!({ "exportId": id }),
            )
            .await?;
        let export = self.store.create_export(id, user_id, now).await?;
        self.jobs
            .enqueue(EXPORT_JOB, json!({ "exportId": id }), Some(user_id))
            .await?;
        Ok(export)
    }

    /// The person's export `id`.
    pub async fn export(&self, user_id: Uuid, id: Uuid) -> CoreResult<Export> {
        self.store
            .get_export(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The ZIP of a ready export, opened: once, then its file is gone
    /// (409 `export_not_ready` while it is built; 410 `export_gone` once
    /// downloaded, expired or failed).
    pub async fn download(&self, actor: Actor, user_id: Uuid, id: Uuid) -> CoreResult<Vec<u8>> {
        let now = self.clock.now();
        let Some(export) = self.store.claim_download(user_id, id, now).await? else {
            let known = self.export(user_id, id).await?;
            return Err(if known.status == "pending" {
                CoreError::Conflict("export_not_ready")
            } else {
                CoreError::Gone("export_gone")
            });
        };
        let name = export.file.clone().unwrap_or_default();
        let path = self.export_dir(user_id).join(&name);
        let sealed = tokio::fs::read(&path)
            .await
            .map_err(|e| CoreError::Internal(e.into()))?;
        let key = self.vault.data_key(user_id).await?;
        let aad = rebloom_store::crypto::aad("files", "export", &name, user_id);
        let zip = rebloom_store::crypto::open_file(&key, &aad, &sealed)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("opening the export: {e}")))?;
        let _ = tokio::fs::remove_file(&path).await;
        self.audit
            .record(
                actor,
                Some(user_id),
                "export.downloaded",
                json!({ "exportId": id }),
            )
            .await?;
        Ok(zip.to_vec())
    }

    /// Expires ready exports nobody fetched in time and deletes their files.
    pub async fn purge_expired(&self) {
        match self.store.expire_exports(self.clock.now()).await {
            Ok(expired) => {
                for e in expired {
                    if let Some(name) = e.file {
                        let _ = tokio::fs::remove_file(self.export_dir(e.user_id).join(name)).await;
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "expiring exports failed"),
        }
    }

    fn export_dir(&self, user_id: Uuid) -> std::path::PathBuf {
        self.files.join("exports").join(user_id.to_string())
    }

    /// The job: gathers, zips, seals and stores the export.
    pub async fn build_export(&self, job: &Job) -> Result<(), JobError> {
        let user_id = job_user(job)?;
        let id = payload_id(&job.payload, "exportId")?;
        let Some(user) = self.store.find_user(user_id).await? else {
            return Ok(()); // erased in the meantime
        };
        let profile = self.store.get_profile(user_id).await?;
        // Every session and message, oldest first.
        let sessions = all_sessions(self.store.as_ref(), user_id).await?;
        let messages = all_messages(self.store.as_ref(), user_id, None).await?;
        let plan = self.store.get_safety_plan(user_id).await?;
        let contact = self.store.get_trusted_contact(user_id).await?;
        let crisis = self.store.list_crisis_events(user_id, 10_000).await?;
        let memories = self.store.list_memories(user_id).await?;
        let memory_settings = self
            .store
            .get_memory_settings(user_id)
            .await?
            .unwrap_or_default();
        let moods = self
            .store
            .list_moods(
                user_id,
                time::OffsetDateTime::UNIX_EPOCH,
                self.clock.now() + time::Duration::days(1),
                i64::MAX,
            )
            .await?;
        let goals = self.wellbeing.goals_with_history(user_id, None).await?;
        let questionnaires = self
            .store
            .list_questionnaires(user_id, None, i64::MAX)
            .await?;
        let insights = self.store.list_insights(user_id, None, i64::MAX).await?;
        let notifications = self
            .store
            .list_notifications(user_id, None, i64::MAX)
            .await?;
        let reminders = self.store.get_reminders(user_id).await?;
        let audit = self.store.list_audit(user_id, None, 10_000).await?;

        let data = json!({
            "format": "rebloom-export-v1",
            "exportedAt": ts(self.clock.now()),
            "account": {
                "id": user.id, "email": user.email, "role": user.role.as_str(),
                "createdAt": ts(user.created_at), "lastActive": user.last_active.map(ts),
            },
            "profile": profile.as_ref().map(|p| crate::preferences::ProfileView::new(p, user.onboarding_completed)),
            "sessions": sessions.iter().map(|s| json!({
                "id": s.id, "type": s.session_type, "startedAt": ts(s.started_at), "endedAt": s.ended_at.map(ts),
                "moodBefore": s.mood_before, "moodAfter": s.mood_after, "summary": s.summary,
                "messages": messages.iter().filter(|m| m.session_id == s.id).map(MessageView::from).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "safetyPlan": plan.map(|(p, at)| json!({ "plan": p, "updatedAt": ts(at) })),
            "trustedContact": contact.map(|c| json!({ "name": c.name, "email": c.email, "consentedAt": ts(c.consented_at) })),
            "memories": memories.iter().map(|m| json!({
                "id": m.id, "kind": m.kind, "content": m.content, "origin": m.origin,
                "mentionCount": m.mention_count, "createdAt": ts(m.created_at), "lastSeenAt": ts(m.last_seen_at),
                "sources": m.sources,
            })).collect::<Vec<_>>(),
            "memorySettings": { "paused": memory_settings.paused, "neverRemember": memory_settings.never_remember },
            "moods": moods.iter().map(|m| json!({
                "id": m.id, "moodScore": m.mood_score, "anxietyLevel": m.anxiety_level,
                "stressLevel": m.stress_level, "energyLevel": m.energy_level, "notes": m.notes,
                "triggers": m.triggers, "sessionId": m.session_id, "recordedAt": ts(m.recorded_at),
            })).collect::<Vec<_>>(),
            "goals": goals.iter().map(|(g, history)| json!({
                "id": g.id, "title": g.title, "description": g.description, "category": g.category,
                "targetDate": g.target_date.map(|d| d.to_string()), "status": g.status,
                "progressPercentage": g.progress_percentage, "createdAt": ts(g.created_at),
                "completedAt": g.completed_at.map(ts),
                "history": history.iter().map(|p| json!({
                    "progressPercentage": p.progress_percentage, "note": p.note, "at": ts(p.recorded_at),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "questionnaires": questionnaires.iter().map(|q| json!({
                "id": q.id, "instrument": q.instrument, "answers": q.answers, "totalScore": q.total_score,
                "severity": q.severity, "completedAt": ts(q.completed_at),
            })).collect::<Vec<_>>(),
            // The same responses as FHIR R4, for a clinician's system.
            "questionnairesFhir": crate::wellbeing::questionnaires::history::bundle(&questionnaires),
            "insights": insights.iter().map(|i| json!({
                "id": i.id, "type": i.insight_type, "title": i.title, "content": i.content,
                "periodStart": i.period_start.map(|d| d.to_string()), "generatedAt": ts(i.generated_at),
                "acknowledgedAt": i.acknowledged_at.map(ts),
            })).collect::<Vec<_>>(),
            "notifications": notifications.iter().map(|n| json!({
                "id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link,
                "createdAt": ts(n.created_at), "readAt": n.read_at.map(ts),
            })).collect::<Vec<_>>(),
            "reminders": reminders.map(|r| json!({
                "enabled": r.enabled, "localTime": r.local_time, "days": r.days, "email": r.email,
                "quietStart": r.quiet_start, "quietEnd": r.quiet_end,
            })),
            "crisisEvents": crisis.iter().map(|e| json!({
                "id": e.id, "sessionId": e.session_id, "riskLevel": e.risk_level, "categories": e.categories,
                "interventionType": e.intervention_type, "at": ts(e.created_at),
            })).collect::<Vec<_>>(),
            "audit": audit.iter().map(|e| json!({
                "seq": e.seq, "at": ts(e.at), "actorRole": e.actor_role, "action": e.action,
                "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
            })).collect::<Vec<_>>(),
        });
        let mut md = String::from("# Your conversations with Rebloom\n\n");
        for s in &sessions {
            md.push_str(&format!("## {} ({})\n\n", ts(s.started_at), s.session_type));
            for m in messages.iter().filter(|m| m.session_id == s.id) {
                let who = if m.sender == rebloom_store::Sender::User {
                    "You"
                } else {
                    "Rebloom"
                };
                md.push_str(&format!(
                    "**{who}** ({}):\n\n{}\n\n",
                    ts(m.created_at),
                    m.content
                ));
            }
            if let Some(summary) = &s.summary {
                md.push_str(&format!("_Summary:_ {summary}\n\n"));
            }
        }
        let json_bytes =
            serde_json::to_vec_pretty(&data).map_err(|e| JobError::Permanent(e.to_string()))?;
        let zip = tokio::task::spawn_blocking(move || {
            zip_files(&[
                ("data.json", &json_bytes),
                ("conversations.md", md.as_bytes()),
            ])
        })
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
        .map_err(|e| JobError::Retry(format!("zip: {e}")))?;
        let name = format!("{id}.zip.sealed");
        // Not a new key for someone erased meanwhile; whatever is written then is
        // removed below, as the export row is gone.
        let key = match self.vault.existing_key(user_id).await {
            Ok(k) => k,
            Err(e) => match self.store.find_user(user_id).await? {
                // Nothing of theirs was ever sealed: their first key.
                Some(_) => self.vault.data_key(user_id).await?,
                None => return Err(JobError::Permanent(format!("account gone: {e}"))),
            },
        };
        let aad = rebloom_store::crypto::aad("files", "export", &name, user_id);
        let sealed = rebloom_store::crypto::seal_file(&key, &aad, &zip)
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let dir = self.export_dir(user_id);
        let path = dir.join(&name);
        let size = i64::try_from(zip.len()).unwrap_or(i64::MAX);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::create_dir_all(&dir)?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)?;
            f.write_all(&sealed)?;
            f.sync_all()
        })
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
        .map_err(|e| JobError::Retry(format!("writing the export: {}", e.kind())))?;
        let now = self.clock.now();
        let finished = self
            .store
            .finish_export(id, Some((&name, size)), now, now + READY_FOR)
            .await?;
        if !finished {
            // The export (or the whole account) went while it was built.
            let _ = tokio::fs::remove_file(self.export_dir(user_id).join(&name)).await;
        }
        Ok(())
    }
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn zip_files(files: &[(&str, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, bytes) in files {
        w.start_file(*name, options)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}
