//! A trusted contact (`rebloom_core::trusted_contact`): named with their
//! consent, read, withdrawn, and e-mailed only when the person asks.

use axum::extract::State;
use axum::http::StatusCode;
use rebloom_core::notices::{CONTACT_WINDOW, ContactRefusal, Notices};
use rebloom_core::trusted_contact::{ContactRequest, ContactView, TrustedContacts};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_contact, put_contact, delete_contact))
        .routes(routes!(notify_contact))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotifyView {
    /// `queued`: the e-mail is on its way (retried until it is delivered).
    pub status: &'static str,
}

/// The caller's trusted contact.
#[utoipa::path(get, path = "/api/me/trusted-contact", tag = "safety", security(("bearer" = [])),
    responses(
        (status = 200, body = ContactView),
        (status = 404, description = "No trusted contact named", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_contact(
    State(trusted_contacts): State<TrustedContacts>,
    user: AuthUser,
) -> ApiResult<ApiJson<ContactView>> {
    Ok(ApiJson(trusted_contacts.contact(user.id).await?))
}

/// Names (or replaces) the caller's trusted contact; `consent` must be true.
#[utoipa::path(put, path = "/api/me/trusted-contact", tag = "safety", security(("bearer" = [])),
    request_body = ContactRequest,
    responses(
        (status = 200, body = ContactView),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn put_contact(
    State(trusted_contacts): State<TrustedContacts>,
    user: AuthUser,
    ApiJson(req): ApiJson<ContactRequest>,
) -> ApiResult<ApiJson<ContactView>> {
    let contact = trusted_contacts.save(user.actor(), user.id, req).await?;
    Ok(ApiJson(contact))
}

/// Removes the caller's trusted contact (and with it the consent).
#[utoipa::path(delete, path = "/api/me/trusted-contact", tag = "safety", security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_contact(
    State(trusted_contacts): State<TrustedContacts>,
    user: AuthUser,
) -> ApiResult<StatusCode> {
    trusted_contacts.remove(user.actor(), user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks Rebloom to e-mail the trusted contact now that the caller would value
/// them reaching out. At most once an hour; nothing the caller wrote is sent.
#[utoipa::path(post, path = "/api/me/trusted-contact/notify", tag = "safety", security(("bearer" = [])),
    responses(
        (status = 202, body = NotifyView),
        (status = 409, description = "`no_trusted_contact`; `email_unavailable`: this server cannot send e-mail (no SMTP configured, as `canNotify: false` on the contact says), which retrying does not change", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`contact_recently_notified`, with Retry-After; or `rate_limited`", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn notify_contact(
    State(notices): State<Notices>,
    user: AuthUser,
) -> ApiResult<(StatusCode, ApiJson<NotifyView>)> {
    match notices.notify_contact(user.actor(), user.id, "app").await {
        Ok(()) => Ok((
            StatusCode::ACCEPTED,
            ApiJson(NotifyView { status: "queued" }),
        )),
        Err(ContactRefusal::NoContact) => Err(ApiError::Conflict("no_trusted_contact")),
        // How this server is set up, not an outage: a retry gets the same answer.
        Err(ContactRefusal::NoEmail) => Err(ApiError::Conflict("email_unavailable")),
        Err(ContactRefusal::Store(e)) => Err(e.into()),
        Err(ContactRefusal::TooSoon) => Err(ApiError::TooManyRequests {
            code: "contact_recently_notified",
            retry_after_secs: CONTACT_WINDOW.whole_seconds().unsigned_abs(),
        }),
    }
}
