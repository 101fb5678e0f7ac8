//! `/api/me/memories`: exactly what the companion remembers and why (the
//! person's own words it came from), to edit, delete, add to, pause, or
//! fence off with a "never remember" list.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rebloom_store::{Memory, MemorySettings, Profile};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_memories, add_memory, forget_everything))
        .routes(routes!(edit_memory, delete_memory))
        .routes(routes!(get_settings, put_settings))
}

pub(crate) const KINDS: &[&str] = &["person", "goal", "stressor", "coping", "note"];
const MAX_CONTENT: usize = 500;
const MAX_TOPICS: usize = 50;
const MAX_TOPIC: usize = 100;
/// Characters of a source message shown as the reason for a memory.
const EXCERPT: usize = 240;

/// A message a memory was learnt from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    pub message_id: Uuid,
    pub session_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The person's own words (the start of the message), when it still exists.
    pub excerpt: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryView {
    pub id: Uuid,
    /// `person`, `goal`, `stressor`, `coping` or `note`.
    pub kind: String,
    #[schema(example = "Your sister Anna")]
    pub content: String,
    /// `conversation` (learnt from what they said) or `person` (written or edited by them).
    pub origin: String,
    pub mention_count: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    /// Why it is kept: the messages it came from, latest last.
    pub sources: Vec<SourceView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Whether the companion may remember (the profile's `privacySettings.memoryEnabled`; off until they turn it on).
    pub enabled: bool,
    /// Nothing new is learnt while paused; what is kept is still used.
    pub paused: bool,
    pub never_remember: Vec<String>,
    /// What finds relevant memories: an embedding model's name, or `words`.
    pub search: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoriesView {
    pub memories: Vec<MemoryView>,
    pub settings: SettingsView,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMemory {
    /// Defaults to `note`.
    #[schema(value_type = Option<MemoryKind>)]
    pub kind: Option<String>,
    #[schema(value_type = rebloom_core::schemas::MemoryContent, example = "Walking the dog in the morning helps me")]
    pub content: String,
}

/// What a memory is about.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum MemoryKind {
    Person,
    Goal,
    Stressor,
    Coping,
    Note,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryEdit {
    #[schema(value_type = Option<MemoryKind>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<rebloom_core::schemas::MemoryContent>)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsChange {
    pub enabled: Option<bool>,
    pub paused: Option<bool>,
    /// Replaces the list (up to 50 topics). Memories touching a listed topic are deleted at once.
    #[schema(value_type = Option<Vec<rebloom_core::schemas::Topic>>, max_items = 50)]
    pub never_remember: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Forgotten {
    pub deleted: u64,
}

fn check_kind(kind: &str, errors: &mut Vec<FieldError>) {
    if !KINDS.contains(&kind) {
        errors.push(FieldError::new(
            "kind",
            "invalid_choice",
            format!("Choose one of {}.", KINDS.join(", ")),
        ));
    }
}

fn check_content(content: &str, errors: &mut Vec<FieldError>) -> String {
    let trimmed = content.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > MAX_CONTENT
        || trimmed.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            "content",
            "invalid_content",
            format!("Between 1 and {MAX_CONTENT} characters."),
        ));
    }
    trimmed.to_owned()
}

/// The person's memory settings as they read them back.
fn settings_view(state: &AppState, profile: &Profile, s: MemorySettings) -> SettingsView {
    SettingsView {
        enabled: rebloom_core::memory::allowed(profile),
        paused: s.paused,
        never_remember: s.never_remember,
        search: state
            .memory
            .embedder()
            .map(|e| e.name().to_owned())
            .unwrap_or_else(|| "words".to_owned()),
    }
}

/// [`settings_view`], read from the store.
async fn read_settings(state: &AppState, user_id: Uuid) -> ApiResult<SettingsView> {
    let profile = state
        .store
        .get_profile(user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let s = state
        .store
        .get_memory_settings(user_id)
        .await?
        .unwrap_or_default();
    Ok(settings_view(state, &profile, s))
}

async fn views(
    state: &AppState,
    user_id: Uuid,
    memories: Vec<Memory>,
) -> ApiResult<Vec<MemoryView>> {
    let ids: Vec<Uuid> = memories
        .iter()
        .flat_map(|m| m.sources.iter().map(|s| s.message_id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut excerpts: HashMap<Uuid, String> = HashMap::new();
    for chunk in ids.chunks(100) {
        for m in state.store.messages_by_id(user_id, chunk).await? {
            excerpts.insert(m.id, m.content.chars().take(EXCERPT).collect());
        }
    }
    Ok(memories
        .into_iter()
        .map(|m| MemoryView {
            sources: m
                .sources
                .iter()
                .map(|s| SourceView {
                    message_id: s.message_id,
                    session_id: s.session_id,
                    at: s.at,
                    excerpt: excerpts.get(&s.message_id).cloned(),
                })
                .collect(),
            id: m.id,
            kind: m.kind,
            content: m.content,
            origin: m.origin,
            mention_count: m.mention_count,
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_seen_at: m.last_seen_at,
        })
        .collect())
}

/// Everything the companion remembers about the caller, and why, with their memory settings.
#[utoipa::path(get, path = "/api/me/memories", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = MemoriesView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_memories(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<MemoriesView>> {
    let memories = state.store.list_memories(user.id).await?;
    Ok(ApiJson(MemoriesView {
        memories: views(&state, user.id, memories).await?,
        settings: read_settings(&state, user.id).await?,
    }))
}

/// Adds something for the companion to remember, in the caller's words.
#[utoipa::path(post, path = "/api/me/memories", tag = "memory", security(("bearer" = [])),
    request_body = NewMemory,
    responses(
        (status = 201, body = MemoryView),
        (status = 409, description = "`memory_disabled`: turn memory on first", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn add_memory(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewMemory>,
) -> ApiResult<(StatusCode, ApiJson<MemoryView>)> {
    let mut errors = Vec::new();
    let kind = req.kind.unwrap_or_else(|| "note".to_owned());
    check_kind(&kind, &mut errors);
    let content = check_content(&req.content, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let profile = state
        .store
        .get_profile(user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !rebloom_core::memory::allowed(&profile) {
        return Err(ApiError::Conflict("memory_disabled"));
    }
    let now = state.clock.now();
    let memory = Memory {
        id: Uuid::now_v7(),
        user_id: user.id,
        kind,
        content,
        sources: Vec::new(),
        mention_count: 1,
        origin: "person".to_owned(),
        created_at: now,
        updated_at: now,
        last_seen_at: now,
    };
    state.store.insert_memory(&memory).await?;
    state.memory.embed_memory(&memory).await?;
    state.memory.invalidate(user.id).await;
    let view = views(&state, user.id, vec![memory])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// Corrects a memory; it becomes the caller's own (`origin: person`).
#[utoipa::path(patch, path = "/api/me/memories/{id}", tag = "memory", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = MemoryEdit,
    responses(
        (status = 200, body = MemoryView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn edit_memory(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<MemoryEdit>,
) -> ApiResult<ApiJson<MemoryView>> {
    let mut errors = Vec::new();
    if let Some(k) = &req.kind {
        check_kind(k, &mut errors);
    }
    let content = req
        .content
        .as_deref()
        .map(|c| check_content(c, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut memory = state
        .store
        .find_memory(user.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let changed_text = content.as_ref().is_some_and(|c| *c != memory.content);
    if let Some(k) = req.kind {
        memory.kind = k;
    }
    if let Some(c) = content {
        memory.content = c;
    }
    memory.origin = "person".to_owned();
    memory.updated_at = state.clock.now();
    if !state.store.update_memory(&memory).await? {
        return Err(ApiError::NotFound);
    }
    if changed_text {
        state.memory.embed_memory(&memory).await?;
    }
    state.memory.invalidate(user.id).await;
    let view = views(&state, user.id, vec![memory])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(ApiJson(view))
}

/// Forgets one memory: the memory, its vector and every cached copy.
#[utoipa::path(delete, path = "/api/me/memories/{id}", tag = "memory", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Forgotten"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_memory(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let deleted = state.store.delete_memory(user.id, id).await?;
    state.memory.invalidate(user.id).await;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Forgets everything: every memory and every vector of past messages.
#[utoipa::path(delete, path = "/api/me/memories", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = Forgotten)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn forget_everything(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<Forgotten>> {
    let deleted = state.store.delete_memories(user.id).await?;
    state.memory.invalidate(user.id).await;
    state
        .audit
        .record(
            user.actor(),
            Some(user.id),
            "memory.forgotten",
            serde_json::json!({ "deleted": deleted }),
        )
        .await?;
    Ok(ApiJson(Forgotten { deleted }))
}

/// The caller's memory settings.
#[utoipa::path(get, path = "/api/me/memories/settings", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = SettingsView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_settings(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<SettingsView>> {
    Ok(ApiJson(read_settings(&state, user.id).await?))
}

/// Turns memory on or off, pauses it, or sets the "never remember" list.
#[utoipa::path(put, path = "/api/me/memories/settings", tag = "memory", security(("bearer" = [])),
    request_body = SettingsChange,
    responses((status = 200, body = SettingsView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SettingsChange>,
) -> ApiResult<ApiJson<SettingsView>> {
    let topics: Option<Vec<String>> = req.never_remember.map(|list| {
        let mut seen = std::collections::HashSet::new();
        list.iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| seen.insert(t.to_lowercase()))
            .collect()
    });
    if let Some(list) = &topics
        && (list.len() > MAX_TOPICS
            || list.iter().any(|t| {
                t.is_empty() || t.chars().count() > MAX_TOPIC || t.chars().any(char::is_control)
            }))
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "neverRemember",
            "invalid_topics",
            format!("Up to {MAX_TOPICS} topics of 1 to {MAX_TOPIC} characters."),
        )]));
    }
    let mut profile = state
        .store
        .get_profile(user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(enabled) = req.enabled {
        if !profile.privacy_settings.is_object() {
            profile.privacy_settings = serde_json::json!({});
        }
        if let Some(o) = profile.privacy_settings.as_object_mut() {
            o.insert("memoryEnabled".to_owned(), serde_json::Value::Bool(enabled));
        }
        profile.updated_at = state.clock.now();
        state.store.save_profile(&profile).await?;
    }
    let mut settings: MemorySettings = state
        .store
        .get_memory_settings(user.id)
        .await?
        .unwrap_or_default();
    if let Some(p) = req.paused {
        settings.paused = p;
    }
    if let Some(list) = topics {
        settings.never_remember = list;
    }
    state
        .store
        .save_memory_settings(user.id, &settings, state.clock.now())
        .await?;
    // Forgets what touches a listed topic and drops the cached context.
    state.memory.forget_topics(user.id, &settings).await?;
    Ok(ApiJson(settings_view(&state, &profile, settings)))
}
