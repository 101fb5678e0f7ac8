//! `/api/me/memories`: exactly what the companion remembers and why (the
//! person's own words it came from), to edit, delete, add to, pause, or
//! fence off with a "never remember" list (`rebloom_core::memory::person`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use rebloom_core::memory::person::{
    Forgotten, MemoriesView, MemoryEdit, MemoryView, NewMemory, SettingsChange, SettingsView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::memory::MemoryService;
use std::sync::Arc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_memories, add_memory, forget_everything))
        .routes(routes!(edit_memory, delete_memory))
        .routes(routes!(get_settings, put_settings))
}

/// Everything the companion remembers about the caller, and why, with their memory settings.
#[utoipa::path(get, path = "/api/me/memories", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = MemoriesView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list_memories(
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
) -> ApiResult<ApiJson<MemoriesView>> {
    Ok(ApiJson(memory.memories(user.id).await?))
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
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
    ApiJson(req): ApiJson<NewMemory>,
) -> ApiResult<(StatusCode, ApiJson<MemoryView>)> {
    let view = memory.add(user.id, req).await?;
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
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<MemoryEdit>,
) -> ApiResult<ApiJson<MemoryView>> {
    Ok(ApiJson(memory.edit(user.id, id, req).await?))
}

/// Forgets one memory: the memory, its vector and every cached copy.
#[utoipa::path(delete, path = "/api/me/memories/{id}", tag = "memory", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Forgotten"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_memory(
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    memory.delete(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets everything: every memory and every vector of past messages.
#[utoipa::path(delete, path = "/api/me/memories", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = Forgotten)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn forget_everything(
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
) -> ApiResult<ApiJson<Forgotten>> {
    let forgotten = memory.forget_everything(user.actor(), user.id).await?;
    Ok(ApiJson(forgotten))
}

/// The caller's memory settings.
#[utoipa::path(get, path = "/api/me/memories/settings", tag = "memory", security(("bearer" = [])),
    responses((status = 200, body = SettingsView)))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_settings(
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
) -> ApiResult<ApiJson<SettingsView>> {
    Ok(ApiJson(memory.settings(user.id).await?))
}

/// Turns memory on or off, pauses it, or sets the "never remember" list.
#[utoipa::path(put, path = "/api/me/memories/settings", tag = "memory", security(("bearer" = [])),
    request_body = SettingsChange,
    responses((status = 200, body = SettingsView), (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_settings(
    State(memory): State<Arc<MemoryService>>,
    user: AuthUser,
    ApiJson(req): ApiJson<SettingsChange>,
) -> ApiResult<ApiJson<SettingsView>> {
    Ok(ApiJson(memory.change_settings(user.id, req).await?))
}
