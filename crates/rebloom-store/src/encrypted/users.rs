//! The encryption layer for users and profiles: the profile's goals and
//! mental-health history are sealed; accounts and every other profile field
//! are forwarded as they are.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{NewUser, Profile, Role, StoreResult, User, UserStore};

impl EncryptedStore {
    fn profile_aad(user_id: Uuid, column: &str) -> String {
        row_aad("user_profiles", column, user_id, user_id)
    }
}

#[async_trait]
impl UserStore for EncryptedStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        self.inner.create_user(user).await
    }

    async fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.inner.find_user(id).await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }

    async fn list_users(&self, after: Option<Uuid>, limit: u32) -> StoreResult<Vec<User>> {
        self.inner.list_users(after, limit).await
    }

    async fn set_user_role(&self, id: Uuid, role: Role, now: OffsetDateTime) -> StoreResult<bool> {
        self.inner.set_user_role(id, role, now).await
    }

    async fn set_user_disabled(
        &self,
        id: Uuid,
        disabled_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner.set_user_disabled(id, disabled_at, now).await
    }

    async fn set_onboarding_completed(
        &self,
        id: Uuid,
        completed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner
            .set_onboarding_completed(id, completed, now)
            .await
    }

    async fn touch_last_active(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.inner.touch_last_active(id, now).await
    }

    async fn count_active_users(&self, since: OffsetDateTime) -> StoreResult<i64> {
        self.inner.count_active_users(since).await
    }

    async fn get_profile(&self, user_id: Uuid) -> StoreResult<Option<Profile>> {
        let Some(mut p) = self.inner.get_profile(user_id).await? else {
            return Ok(None);
        };
        p.goals = self
            .open_json(user_id, &Self::profile_aad(user_id, "goals"), p.goals)
            .await?;
        if let Some(h) = p.mental_health_history.take() {
            let aad = Self::profile_aad(user_id, "mental_health_history");
            p.mental_health_history = Some(self.open_json(user_id, &aad, h).await?);
        }
        Ok(Some(p))
    }

    async fn save_profile(&self, profile: &Profile) -> StoreResult<bool> {
        let id = profile.user_id;
        let mut p = profile.clone();
        p.goals = self
            .seal_json(id, &Self::profile_aad(id, "goals"), &p.goals)
            .await?;
        if let Some(h) = &profile.mental_health_history {
            let aad = Self::profile_aad(id, "mental_health_history");
            p.mental_health_history = Some(self.seal_json(id, &aad, h).await?);
        }
        self.inner.save_profile(&p).await
    }
}
