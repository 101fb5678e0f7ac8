//! Data export (GDPR Art. 15/20): `POST /api/me/export` queues a job that
//! gathers everything held about the person into a ZIP — machine-readable
//! `data.json` and a readable `conversations.md` — sealed at rest with their
//! data key; the person downloads it once, within 24 hours of it being ready.

use std::io::Write;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rebloom_store::{Export, Job};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::conversation::history::{all_messages, all_sessions};
use crate::conversation::views::MessageView;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, AuthUser};
use crate::jobs::JobError;

/// The job queue's name for building an export.
pub const EXPORT_JOB: &str = "export.build";
/// How long a ready export can be downloaded.
const READY_FOR: time::Duration = time::Duration::hours(24);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_export))
        .routes(routes!(export_status))
        .routes(routes!(download_export))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    pub id: Uuid,
    /// `pending`, `ready`, `downloaded` or `failed`.
    pub status: String,
    pub size_bytes: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Present while the export can be downloaded (once).
    pub download_url: Option<String>,
}

fn view(e: Export, now: OffsetDateTime) -> ExportView {
    let downloadable = e.status == "ready" && e.expires_at.is_some_and(|x| x > now);
    ExportView {
        download_url: downloadable.then(|| format!("/api/me/export/{}/download", e.id)),
        id: e.id,
        status: if e.status == "ready" && !downloadable {
            "expired".to_owned()
        } else {
            e.status
        },
        size_bytes: e.size_bytes,
        created_at: e.created_at,
        expires_at: e.expires_at,
    }
}

/// Starts an export of everything held about the caller.
#[utoipa::path(post, path = "/api/me/export", tag = "me", security(("bearer" = [])),
    responses((status = 202, body = ExportView), (status = 401, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn request_export(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<(StatusCode, ApiJson<ExportView>)> {
    let now = state.clock.now();
    let id = Uuid::now_v7();
    crate::audit::record(
        &state,
        Some(&user),
        Some(user.id),
        "export.requested",
        json!({ "exportId": id }),
    )
    .await?;
    let export = state.store.create_export(id, user.id, now).await?;
    state
        .jobs
        .enqueue(&state, EXPORT_JOB, json!({ "exportId": id }), Some(user.id))
        .await?;
    Ok((StatusCode::ACCEPTED, ApiJson(view(export, now))))
}

/// Where an export is.
#[utoipa::path(get, path = "/api/me/export/{id}", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = ExportView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn export_status(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<ExportView>> {
    let export = state
        .store
        .get_export(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(ApiJson(view(export, state.clock.now())))
}

/// Downloads a ready export: once, then it is gone.
#[utoipa::path(get, path = "/api/me/export/{id}/download", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The ZIP", content_type = "application/zip"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`export_not_ready`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`export_gone`: downloaded already, expired or failed", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn download_export(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let Some(export) = state.store.claim_download(user.id, id, now).await? else {
        let known = state
            .store
            .get_export(user.id, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        return Err(if known.status == "pending" {
            ApiError::Conflict("export_not_ready")
        } else {
            ApiError::Gone("export_gone")
        });
    };
    let name = export.file.clone().unwrap_or_default();
    let path = export_dir(&state, user.id).join(&name);
    let sealed = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let key = state.vault.data_key(user.id).await?;
    let aad = rebloom_store::crypto::aad("files", "export", &name, user.id);
    let zip = rebloom_store::crypto::open_file(&key, &aad, &sealed)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("opening the export: {e}")))?;
    let _ = tokio::fs::remove_file(&path).await;
    crate::audit::record(
        &state,
        Some(&user),
        Some(user.id),
        "export.downloaded",
        json!({ "exportId": id }),
    )
    .await?;
    let filename = format!("rebloom-export-{}.zip", now.date());
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        zip.to_vec(),
    )
        .into_response())
}

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

fn export_dir(state: &AppState, user_id: Uuid) -> std::path::PathBuf {
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
    let retry = |e: rebloom_store::StoreError| JobError::Retry(e.to_string());
    let (Some(user_id), Some(id)) = (
        job.user_id,
        job.payload
            .get("exportId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()),
    ) else {
        return Err(JobError::Permanent("bad export payload".into()));
    };
    let Some(user) = state.store.find_user(user_id).await.map_err(retry)? else {
        return Ok(()); // erased in the meantime
    };
    let profile = state.store.get_profile(user_id).await.map_err(retry)?;
    // Every session and message, oldest first.
    let sessions = all_sessions(state.store.as_ref(), user_id)
        .await
        .map_err(retry)?;
    let messages = all_messages(state.store.as_ref(), user_id, None)
        .await
        .map_err(retry)?;
    let plan = state.store.get_safety_plan(user_id).await.map_err(retry)?;
    let contact = state
        .store
        .get_trusted_contact(user_id)
        .await
        .map_err(retry)?;
    let crisis = state
        .store
        .list_crisis_events(user_id, 10_000)
        .await
        .map_err(retry)?;
    let memories = state.store.list_memories(user_id).await.map_err(retry)?;
    let memory_settings = state
        .store
        .get_memory_settings(user_id)
        .await
        .map_err(retry)?
        .unwrap_or_default();
    let moods = state
        .store
        .list_moods(
            user_id,
            time::OffsetDateTime::UNIX_EPOCH,
            state.clock.now() + time::Duration::days(1),
            i64::MAX,
        )
        .await
        .map_err(retry)?;
    let goals = crate::wellbeing::goals::with_history(state, user_id)
        .await
        .map_err(retry)?;
    let questionnaires = state
        .store
        .list_questionnaires(user_id, None, i64::MAX)
        .await
        .map_err(retry)?;
    let insights = state
        .store
        .list_insights(user_id, None, i64::MAX)
        .await
        .map_err(retry)?;
    let notifications = state
        .store
        .list_notifications(user_id, None, i64::MAX)
        .await
        .map_err(retry)?;
    let reminders = state.store.get_reminders(user_id).await.map_err(retry)?;
    let audit = state
        .store
        .list_audit(user_id, None, 10_000)
        .await
        .map_err(retry)?;

    let data = json!({
        "format": "rebloom-export-v1",
        "exportedAt": ts(state.clock.now()),
        "account": {
            "id": user.id, "email": user.email, "role": user.role.as_str(),
            "createdAt": ts(user.created_at), "lastActive": user.last_active.map(ts),
        },
        "profile": profile.as_ref().map(|p| crate::routes::me::ProfileView::new(p, user.onboarding_completed)),
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
        "questionnairesFhir": crate::wellbeing::questionnaires::routes::bundle(&questionnaires),
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
        Err(e) => match state.store.find_user(user_id).await.map_err(retry)? {
            // Nothing of theirs was ever sealed: their first key.
            Some(_) => state.vault.data_key(user_id).await.map_err(retry)?,
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
        .await
        .map_err(retry)?;
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
