//! Accounts: registration (with an optional profile), sign-in with a
//! per-account lock-out, sessions as refresh-token families (each refresh
//! token works once; a used one ends its session), signing out of one
//! session or all, checking an access token and the session behind it, and
//! confirming a person's password before an erasure. [`password`] holds the
//! policy and Argon2id hashing, [`tokens`] the access and refresh tokens.

pub mod password;
pub mod tokens;

use std::sync::Arc;

use rebloom_store::{
    AuthStore, NewUser, Profile, RefreshToken, Replacement, Role, Rotation, Store, User, UserStore,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::audit::{Actor, Audit};
use crate::clock::Clock;
use crate::email::normalize_email;
use crate::events::{self, Event, EventBus};
use crate::profile::{ProfilePatch, UserView, validate_profile_patch};
use crate::{CoreError, CoreResult, FieldError};
use password::{Hasher, MAX_LEN, PasswordPolicy};
use tokens::{ACCESS_TTL, Claims, REFRESH_TTL, TokenKeys, new_refresh_token, refresh_hash};

/// How long an account's last activity may be out of date: it is written at
/// most once in this time per account.
const LAST_ACTIVE_RESOLUTION: Duration = Duration::minutes(1);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "sam@example.org", format = "email", max_length = 254)]
    pub email: String,
    /// 8 to 256 characters, not among the 10,000 most common passwords and
    /// not the e-mail address itself.
    #[schema(
        example = "a long and unusual passphrase",
        min_length = 8,
        max_length = 256
    )]
    pub password: String,
    /// Optional profile fields to set at once.
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub profile: Option<ProfilePatch>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogoutRequest {
    /// Also accepted: the refresh token of the session to end.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_expires_in: i64,
    pub user: UserView,
}

/// Failed logins before the account key is locked, and the first lock's length.
const FREE_FAILURES: i64 = 5;
const FIRST_LOCK: Duration = Duration::seconds(30);
const MAX_LOCK: Duration = Duration::hours(1);

/// How long to lock after `failures` consecutive failures: 30 s after the 5th,
/// doubling with each further failure, at most an hour.
fn lock_duration(failures: i64) -> Option<Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(16) as u32;
    Some((FIRST_LOCK * 2_i32.pow(doublings)).min(MAX_LOCK))
}

/// The throttle key of an e-mail address: per account, whatever the client's address.
fn login_key(email: &str) -> String {
    hex::encode(Sha256::digest(format!("login:{email}").as_bytes()))
}

/// Accounts and their sessions.
#[derive(Clone)]
pub struct Accounts {
    users: Arc<dyn UserStore>,
    auth: Arc<dyn AuthStore>,
    hasher: Hasher,
    policy: Arc<PasswordPolicy>,
    keys: Arc<TokenKeys>,
    clock: Arc<dyn Clock>,
    events: EventBus,
    audit: Audit,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::RoleName>)]
    pub role: Option<Role>,
    /// Disabling ends every session of the account.
    #[serde(default)]
    pub disabled: Option<bool>,
}

impl Accounts {
    /// The ports it needs, taken from the (sealed) store; `keys` sign and
    /// check access tokens, `hasher` runs Argon2id on the CPU pool.
    pub fn new(
        store: &Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        hasher: Hasher,
        keys: TokenKeys,
        events: EventBus,
        audit: Audit,
    ) -> Accounts {
        Accounts {
            users: store.clone(),
            auth: store.clone(),
            hasher,
            policy: Arc::new(PasswordPolicy::default()),
            keys: Arc::new(keys),
            clock,
            events,
            audit,
        }
    }

    /// The account with this e-mail address, as typed or normalised.
    pub async fn find_by_email(&self, email: &str) -> CoreResult<Option<User>> {
        let email = normalize_email(email).unwrap_or_else(|| email.trim().to_lowercase());
        Ok(self.users.find_user_by_email(&email).await?)
    }

    /// Accounts by id: up to `limit` after `after` (a page's last).
    pub async fn list_users(&self, after: Option<Uuid>, limit: u32) -> CoreResult<Vec<User>> {
        Ok(self.users.list_users(after, limit).await?)
    }

    /// Changes an account's role or disables it (which ends every session
    /// of it), recorded in its audit log first. An administrator cannot
    /// demote or disable themself (409 `cannot_demote_self`).
    pub async fn update_user(&self, by: Actor, id: Uuid, update: &UserUpdate) -> CoreResult<User> {
        if let Actor::Person { id: admin, .. } = by
            && admin == id
            && (update.disabled == Some(true) || update.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(CoreError::Conflict("cannot_demote_self"));
        }
        let now = self.clock.now();
        self.users.find_user(id).await?.ok_or(CoreError::NotFound)?;
        self.audit
            .record(
                by,
                Some(id),
                "admin.user_updated",
                serde_json::json!({ "role": update.role.map(|r| r.as_str()), "disabled": update.disabled }),
            )
            .await?;
        if let Some(role) = update.role {
            self.users.set_user_role(id, role, now).await?;
        }
        if let Some(disabled) = update.disabled {
            self.users
                .set_user_disabled(id, disabled.then_some(now), now)
                .await?;
            if disabled {
                self.auth.revoke_user_sessions(id, now).await?;
            }
        }
        self.users.find_user(id).await?.ok_or(CoreError::NotFound)
    }

    /// Starts a new session (refresh-token family) for the user and returns both tokens.
    async fn issue_session(&self, user: &User, now: OffsetDateTime) -> CoreResult<TokenResponse> {
        let family_id = Uuid::now_v7();
        let (refresh, hash) = new_refresh_token()?;
        self.auth
            .insert_refresh_token(&RefreshToken {
                id: Uuid::now_v7(),
                family_id,
                user_id: user.id,
                token_hash: hash,
                issued_at: now,
                expires_at: now + REFRESH_TTL,
            })
            .await?;
        self.token_response(user, family_id, refresh, now)
    }

    fn token_response(
        &self,
        user: &User,
        family_id: Uuid,
        refresh: String,
        now: OffsetDateTime,
    ) -> CoreResult<TokenResponse> {
        let (access, _) =
            self.keys
                .issue(user.id, user.role, family_id, user.token_version, now)?;
        Ok(TokenResponse {
            access_token: access,
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: ACCESS_TTL.whole_seconds(),
            refresh_expires_in: REFRESH_TTL.whole_seconds(),
            user: UserView::from(user),
        })
    }

    /// Creates an account (and its profile, when one is given) and starts a
    /// session; every field wrong is said at once.
    pub async fn register(&self, body: RegisterRequest) -> CoreResult<TokenResponse> {
        let password = Zeroizing::new(body.password);
        let mut errors: Vec<FieldError> = Vec::new();
        let email = normalize_email(&body.email);
        if email.is_none() {
            errors.push(FieldError::new(
                "email",
                "invalid_email",
                "Enter a valid e-mail address.",
            ));
        }
        if let Some(e) =
            self.policy
                .check("password", &password, email.as_deref().unwrap_or_default())
        {
            errors.push(e);
        }
        let now = self.clock.now();
        let mut profile = Profile::empty(Uuid::nil(), now);
        if let Some(patch) = &body.profile {
            errors.extend(validate_profile_patch(patch, &mut profile));
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(CoreError::Invalid(errors));
        };
        let password_hash = self.hasher.hash(password).await?;
        let user = self
            .users
            .create_user(&NewUser {
                id: Uuid::now_v7(),
                email,
                password_hash,
                role: Role::User,
                now,
            })
            .await?;
        if body.profile.is_some() {
            profile.user_id = user.id;
            self.users.save_profile(&profile).await?;
        }
        metrics::counter!("auth_registrations_total").increment(1);
        self.events.publish(Event {
            name: events::USER_REGISTERED,
            user_id: user.id,
            session_id: None,
            message_id: None,
            detail: serde_json::json!({}),
        });
        self.issue_session(&user, now).await
    }

    /// Signs in with e-mail and password. Unknown e-mail and wrong password
    /// get the same answer in the same time; after 5 failures the account
    /// is locked for 30 s, doubling per further failure.
    pub async fn login(&self, body: LoginRequest) -> CoreResult<TokenResponse> {
        let password = Zeroizing::new(body.password);
        let email =
            normalize_email(&body.email).unwrap_or_else(|| body.email.trim().to_lowercase());
        let key = login_key(&email);
        let now = self.clock.now();
        if let Some(t) = self.auth.login_throttle(&key).await?
            && let Some(until) = t.locked_until
            && until > now
        {
            metrics::counter!("auth_logins_total", "result" => "locked").increment(1);
            return Err(CoreError::TooManyRequests {
                code: "account_locked",
                retry_after_secs: (until - now).whole_seconds().max(1).unsigned_abs(),
            });
        }
        let user = if password.chars().count() > MAX_LEN {
            None
        } else {
            self.users.find_user_by_email(&email).await?
        };
        let ok = self
            .hasher
            .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
            .await?;
        let user = match user {
            Some(u) if ok => u,
            _ => {
                self.count_failure(&key, now).await?;
                metrics::counter!("auth_logins_total", "result" => "failure").increment(1);
                return Err(CoreError::Unauthorized("invalid_credentials"));
            }
        };
        self.auth.clear_login_failures(&key).await?;
        if user.disabled_at.is_some() {
            metrics::counter!("auth_logins_total", "result" => "disabled").increment(1);
            return Err(CoreError::Forbidden("account_disabled"));
        }
        metrics::counter!("auth_logins_total", "result" => "success").increment(1);
        self.issue_session(&user, now).await
    }

    /// A failed password for the account key `key`, and the lock it earns.
    async fn count_failure(&self, key: &str, now: OffsetDateTime) -> CoreResult<()> {
        let failures = self.auth.record_login_failure(key, now).await?;
        if let Some(lock) = lock_duration(failures) {
            self.auth.lock_login(key, now + lock).await?;
        }
        Ok(())
    }

    /// Confirms that `password` is `account`'s before something that cannot
    /// be undone (403 `reauthentication_failed`); a wrong one counts towards
    /// the sign-in lock-out, like a failed login. Returns the account's
    /// throttle key.
    pub async fn confirm_password(
        &self,
        account: &User,
        password: Zeroizing<String>,
    ) -> CoreResult<String> {
        let key = login_key(&account.email);
        let ok = self
            .hasher
            .verify(password, Some(account.password_hash.clone()))
            .await?;
        if !ok {
            self.count_failure(&key, self.clock.now()).await?;
            return Err(CoreError::Forbidden("reauthentication_failed"));
        }
        Ok(key)
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works
    /// once; presenting a used one ends the whole session
    /// (`refresh_token_reused`).
    pub async fn refresh(&self, refresh_token: &str) -> CoreResult<TokenResponse> {
        let now = self.clock.now();
        let (token, hash) = new_refresh_token()?;
        let replacement = Replacement {
            id: Uuid::now_v7(),
            token_hash: hash,
            expires_at: now + REFRESH_TTL,
        };
        match self
            .auth
            .rotate_refresh_token(&refresh_hash(refresh_token.trim()), &replacement, now)
            .await?
        {
            Rotation::Rotated { user_id, family_id } => {
                let user = self
                    .users
                    .find_user(user_id)
                    .await?
                    .filter(|u| u.disabled_at.is_none())
                    .ok_or(CoreError::Unauthorized("refresh_token_invalid"))?;
                metrics::counter!("auth_refresh_total", "result" => "rotated").increment(1);
                self.token_response(&user, family_id, token, now)
            }
            Rotation::Reused { user_id, family_id } => {
                metrics::counter!("auth_refresh_total", "result" => "reused").increment(1);
                tracing::warn!(%user_id, %family_id, "refresh token re-used; session revoked");
                Err(CoreError::Unauthorized("refresh_token_reused"))
            }
            Rotation::Invalid => {
                metrics::counter!("auth_refresh_total", "result" => "invalid").increment(1);
                Err(CoreError::Unauthorized("refresh_token_invalid"))
            }
        }
    }

    /// Ends the session `claims` belong to, and the one `refresh_token`
    /// names if it is the same person's.
    pub async fn logout(&self, claims: &Claims, refresh_token: Option<&str>) -> CoreResult<()> {
        let now = self.clock.now();
        self.auth.revoke_refresh_family(claims.sid, now).await?;
        if let Some(t) = refresh_token
            && let Some((owner, family)) = self
                .auth
                .refresh_token_family(&refresh_hash(t.trim()))
                .await?
            && owner == claims.sub
        {
            self.auth.revoke_refresh_family(family, now).await?;
        }
        Ok(())
    }

    /// Ends every session of the person on every device.
    pub async fn logout_all(&self, user_id: Uuid) -> CoreResult<()> {
        self.auth
            .revoke_user_sessions(user_id, self.clock.now())
            .await?;
        Ok(())
    }

    /// Checks an access token and the session behind it (see
    /// [`Accounts::current_account`]), and notes the account's activity.
    pub async fn authenticate(&self, token: &str) -> CoreResult<(User, Claims)> {
        let now = self.clock.now();
        let claims = self.keys.verify(token, now)?;
        let user = self.current_account(&claims).await?;
        if user
            .last_active
            .is_none_or(|t| now - t >= LAST_ACTIVE_RESOLUTION)
        {
            self.users.touch_last_active(user.id, now).await?;
        }
        Ok((user, claims))
    }

    /// The account behind verified claims, if their session still holds: the
    /// account exists and is enabled, the token version is current (no
    /// logout-all, password change or disabling since) and the refresh
    /// family is not revoked.
    pub async fn current_account(&self, claims: &Claims) -> CoreResult<User> {
        let now = self.clock.now();
        let user = self
            .users
            .find_user(claims.sub)
            .await?
            .ok_or(CoreError::Unauthorized("token_invalid"))?;
        if user.disabled_at.is_some() || user.token_version != claims.ver {
            return Err(CoreError::Unauthorized("session_ended"));
        }
        // The session must be this account's: a token naming someone else's is refused.
        if !self
            .auth
            .refresh_family_active(user.id, claims.sid, now)
            .await?
        {
            return Err(CoreError::Unauthorized("session_ended"));
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_and_is_capped() {
        assert_eq!(lock_duration(4), None);
        assert_eq!(lock_duration(5), Some(Duration::seconds(30)));
        assert_eq!(lock_duration(6), Some(Duration::seconds(60)));
        assert_eq!(lock_duration(8), Some(Duration::seconds(240)));
        assert_eq!(lock_duration(20), Some(Duration::hours(1)));
        assert_eq!(lock_duration(10_000), Some(Duration::hours(1)));
    }
}
