//! Erasure (GDPR Art. 17): `DELETE /api/me`, after the person confirms with
//! their password; what erasing does is `rebloom_core::privacy::Privacy::erase`
//! (the data key destroyed first, then their rows, files and sign-in
//! throttling record).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zeroize::Zeroizing;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser};
use rebloom_core::accounts::Accounts;
use rebloom_core::privacy::Privacy;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(delete_me))
}

/// Confirms an erasure.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// The account's password, to confirm it is really the person.
    pub password: String,
}

/// Deletes the caller's account and everything held about them, for good.
#[utoipa::path(delete, path = "/api/me", tag = "me", security(("bearer" = [])),
    request_body = EraseRequest,
    responses(
        (status = 204, description = "Erased"),
        (status = 403, description = "`reauthentication_failed`: wrong password", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn delete_me(
    State(accounts): State<Accounts>,
    State(privacy): State<Privacy>,
    user: AuthUser,
    ApiJson(body): ApiJson<EraseRequest>,
) -> ApiResult<StatusCode> {
    let password = Zeroizing::new(body.password);
    // A wrong password counts towards the sign-in lock-out, like a failed login.
    let key = accounts.confirm_password(&user.account, password).await?;
    privacy.erase(user.actor(), user.id, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
