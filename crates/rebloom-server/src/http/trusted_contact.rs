//! A trusted contact: someone the person names, with their explicit consent,
//! whom Rebloom e-mails only when the person asks it to (from the app, or by
//! saying so after the companion offers it in a crisis). The e-mail never
//! holds anything the person wrote.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::email::normalize_email;
use rebloom_core::notices::{CONTACT_WINDOW, ContactRefusal};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_contact, put_contact, delete_contact))
        .routes(routes!(notify_contact))
}

/// Naming a trusted contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactRequest {
    #[schema(value_type = rebloom_core::schemas::PersonName, example = "Sam")]
    pub name: String,
    #[schema(example = "sam@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// Must be true: "This person agreed to be my trusted contact, and Rebloom
    /// may e-mail them when I ask it to."
    #[schema(schema_with = rebloom_core::schemas::must_be_true)]
    pub consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub name: String,
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub consented_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_notified_at: Option<OffsetDateTime>,
    /// Whether this server can send e-mail at all.
    pub can_notify: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotifyView {
    /// `queued`: the e-mail is on its way (retried until it is delivered).
    pub status: &'static str,
}

const MAX_NAME: usize = 100;

fn view(state: &AppState, c: rebloom_store::TrustedContact) -> ContactView {
    ContactView {
        name: c.name,
        email: c.email,
        consented_at: c.consented_at,
        last_notified_at: c.last_notified_at,
        can_notify: state.notices.can_email(),
    }
}

/// The caller's trusted contact.
#[utoipa::path(get, path = "/api/me/trusted-contact", tag = "safety", security(("bearer" = [])),
    responses(
        (status = 200, body = ContactView),
        (status = 404, description = "No trusted contact named", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get_contact(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<ApiJson<ContactView>> {
    let contact = state
        .store
        .get_trusted_contact(user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(ApiJson(view(&state, contact)))
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
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<ContactRequest>,
) -> ApiResult<ApiJson<ContactView>> {
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "invalid_name",
            format!("A name of 1 to {MAX_NAME} characters."),
        ));
    }
    let email = normalize_email(&req.email);
    if email.is_none() {
        errors.push(FieldError::new(
            "email",
            "invalid_email",
            "A valid e-mail address.",
        ));
    }
    if !req.consent {
        errors.push(FieldError::new(
            "consent",
            "consent_required",
            "Confirm that this person agreed to be your trusted contact and that Rebloom may e-mail them when you ask it to.",
        ));
    }
    let (Some(email), true) = (email, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let now = state.clock.now();
    let previous = state.store.get_trusted_contact(user.id).await?;
    let contact = rebloom_store::TrustedContact {
        user_id: user.id,
        name: name.to_owned(),
        email,
        consented_at: now,
        updated_at: now,
        last_notified_at: previous.and_then(|p| p.last_notified_at),
    };
    state
        .audit
        .record(
            user.actor(),
            Some(user.id),
            "trusted_contact.consented",
            serde_json::json!({}),
        )
        .await?;
    state.store.save_trusted_contact(&contact).await?;
    Ok(ApiJson(view(&state, contact)))
}

/// Removes the caller's trusted contact (and with it the consent).
#[utoipa::path(delete, path = "/api/me/trusted-contact", tag = "safety", security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_contact(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<StatusCode> {
    if state.store.delete_trusted_contact(user.id).await? {
        state
            .audit
            .record(
                user.actor(),
                Some(user.id),
                "trusted_contact.withdrawn",
                serde_json::json!({}),
            )
            .await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
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
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<(StatusCode, ApiJson<NotifyView>)> {
    match state.notices.notify_contact(user.id).await {
        Ok(()) => {
            state
                .audit
                .record(
                    user.actor(),
                    Some(user.id),
                    "trusted_contact.notified",
                    serde_json::json!({ "via": "app" }),
                )
                .await?;
            Ok((
                StatusCode::ACCEPTED,
                ApiJson(NotifyView { status: "queued" }),
            ))
        }
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
