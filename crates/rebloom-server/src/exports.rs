//! Data export (GDPR Art. 15/20): the job that gathers everything held about
//! a person into a ZIP — machine-readable `data.json` and a readable
//! `conversations.md` — sealed at rest with their data key, and the expiry of
//! exports nobody fetched in time. `routes::export` is the way in.

use std::io::Write;

use rebloom_store::Job;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::app::AppState;
use crate::app::JobHandler;
use rebloom_core::conversation::history::{all_messages, all_sessions};
use rebloom_core::conversation::views::MessageView;
use rebloom_core::jobs::JobError;

/// The job queue's name for building an export.
pub const EXPORT_JOB: &str = "export.build";
/// How long a ready export can be downloaded.
const READY_FOR: time::Duration = time::Duration::hours(24);

/// The jobs of this area.
pub const JOBS: &[(&str, JobHandler)] = &[(EXPORT_JOB, |s, j| {
    Box::pin(async move { build(&s, &j).await })
})];

/// Expires ready exports nobody fetched in time and deletes their files.
pub async fn purge_expired(state: &AppState) {
    match state.store.expire_exports(state.clock.now()).await {
        Ok(expired) => {
            for e in expired {
                if let Some(name) = e.file {
                    let _ = tokio::fs::remove_file(export_dir(state, e.user_id).join(name)).await;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "expiring exports failed"),
    }
}

pub fn export_dir(state: &AppState, user_id: Uuid) -> std::path::PathBuf {
    state
        .config
        .data_dir
        .join("exports")
        .join(user_id.to_string())
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The job: gathers, zips, seals and stores the export.
pub async fn build(state: &AppState, job: &Job) -> Result<(), JobError> {
    let (Some(user_id), Some(id)) = (
        job.user_id,
        job.payload
            .get("exportId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()),
    ) else {
        return Err(JobError::Permanent("bad export payload".into()));
    };
    let Some(user) = state.store.find_user(user_id).await? else {
        return Ok(()); // erased in the meantime
    };
    let profile = state.store.get_profile(user_id).await?;
    // Every session and message, oldest first.
    let sessions = all_sessions(state.store.as_ref(), user_id).await?;
    let messages = all_messages(state.store.as_ref(), user_id, None).await?;
    let plan = state.store.get_safety_plan(user_id).await?;
    let contact = state.store.get_trusted_contact(user_id).await?;
    let crisis = state.store.list_crisis_events(user_id, 10_000).await?;
    let memories = state.store.list_memories(user_id).await?;
    let memory_settings = state
        .store
        .get_memory_settings(user_id)
        .await?
        .unwrap_or_default();
    let moods = state
        .store
        .list_moods(
            user_id,
            time::OffsetDateTime::UNIX_EPOCH,
            state.clock.now() + time::Duration::days(1),
            i64::MAX,
        )
        .await?;
    let goals = state.wellbeing.goals_with_history(user_id, None).await?;
    let questionnaires = state
        .store
        .list_questionnaires(user_id, None, i64::MAX)
        .await?;
    let insights = state.store.list_insights(user_id, None, i64::MAX).await?;
    let notifications = state
        .store
        .list_notifications(user_id, None, i64::MAX)
        .await?;
    let reminders = state.store.get_reminders(user_id).await?;
    let audit = state.store.list_audit(user_id, None, 10_000).await?;

    let data = json!({
        "format": "rebloom-export-v1",
        "exportedAt": ts(state.clock.now()),
        "account": {
            "id": user.id, "email": user.email, "role": user.role.as_str(),
            "createdAt": ts(user.created_at), "lastActive": user.last_active.map(ts),
        },
        "profile": profile.as_ref().map(|p| rebloom_core::preferences::ProfileView::new(p, user.onboarding_completed)),
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
        "questionnairesFhir": rebloom_core::wellbeing::questionnaires::history::bundle(&questionnaires),
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
    let key = match state.vault.existing_key(user_id).await {
        Ok(k) => k,
        Err(e) => match state.store.find_user(user_id).await? {
            // Nothing of theirs was ever sealed: their first key.
            Some(_) => state.vault.data_key(user_id).await?,
            None => return Err(JobError::Permanent(format!("account gone: {e}"))),
        },
    };
    let aad = rebloom_store::crypto::aad("files", "export", &name, user_id);
    let sealed = rebloom_store::crypto::seal_file(&key, &aad, &zip)
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let dir = export_dir(state, user_id);
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
    let now = state.clock.now();
    let finished = state
        .store
        .finish_export(id, Some((&name, size)), now, now + READY_FOR)
        .await?;
    if !finished {
        // The export (or the whole account) went while it was built.
        let _ = tokio::fs::remove_file(export_dir(state, user_id).join(&name)).await;
    }
    Ok(())
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
