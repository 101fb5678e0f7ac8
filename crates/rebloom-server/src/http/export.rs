//! Data export (GDPR Art. 15/20): `POST /api/me/export` queues a job that
//! gathers everything held about the person into a ZIP — machine-readable
//! `data.json` and a readable `conversations.md` — sealed at rest with their
//! data key; the person downloads it once, within 24 hours of it being ready.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rebloom_store::Export;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::clock::Clock;
use rebloom_core::privacy::Privacy;
use std::sync::Arc;

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
    State(clock): State<Arc<dyn Clock>>,
    State(privacy): State<Privacy>,
    user: AuthUser,
) -> ApiResult<(StatusCode, ApiJson<ExportView>)> {
    let export = privacy.request_export(user.actor(), user.id).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(view(export, clock.now()))))
}

/// Where an export is.
#[utoipa::path(get, path = "/api/me/export/{id}", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = ExportView), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn export_status(
    State(clock): State<Arc<dyn Clock>>,
    State(privacy): State<Privacy>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<ApiJson<ExportView>> {
    let export = privacy.export(user.id, id).await?;
    Ok(ApiJson(view(export, clock.now())))
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
    State(clock): State<Arc<dyn Clock>>,
    State(privacy): State<Privacy>,
    user: AuthUser,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let zip = privacy.download(user.actor(), user.id, id).await?;
    let now = clock.now();
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
        zip,
    )
        .into_response())
}
