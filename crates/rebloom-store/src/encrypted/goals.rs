//! The encryption layer for goals: titles, descriptions and progress notes
//! are sealed; categories, statuses, percentages and times are not.
//! Sealed values are required: plaintext here could only have been planted.

use async_trait::async_trait;
use uuid::Uuid;

use super::{EncryptedStore, row_aad};
use crate::{Goal, GoalProgress, GoalStore, StoreResult};

impl EncryptedStore {
    async fn seal_goal(&self, g: &Goal) -> StoreResult<Goal> {
        let mut sealed = g.clone();
        sealed.title = self
            .seal_text(
                g.user_id,
                &row_aad("user_goals", "title", g.id, g.user_id),
                &g.title,
            )
            .await?;
        sealed.description = self
            .seal_opt(
                g.user_id,
                &row_aad("user_goals", "description", g.id, g.user_id),
                &g.description,
            )
            .await?;
        Ok(sealed)
    }

    async fn open_goal(&self, mut g: Goal) -> StoreResult<Goal> {
        g.title = self
            .open_sealed_text(
                g.user_id,
                &row_aad("user_goals", "title", g.id, g.user_id),
                std::mem::take(&mut g.title),
            )
            .await?;
        let description_aad = row_aad("user_goals", "description", g.id, g.user_id);
        g.description = self
            .open_opt(g.user_id, &description_aad, g.description.take())
            .await?;
        Ok(g)
    }
}

#[async_trait]
impl GoalStore for EncryptedStore {
    async fn insert_goal(&self, goal: &Goal) -> StoreResult<()> {
        let sealed = self.seal_goal(goal).await?;
        self.inner.insert_goal(&sealed).await
    }

    async fn list_goals(&self, user_id: Uuid) -> StoreResult<Vec<Goal>> {
        let stored = self.inner.list_goals(user_id).await?;
        let mut out = Vec::with_capacity(stored.len());
        for g in stored {
            out.push(self.open_goal(g).await?);
        }
        Ok(out)
    }

    async fn find_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Goal>> {
        match self.inner.find_goal(user_id, id).await? {
            Some(g) => Ok(Some(self.open_goal(g).await?)),
            None => Ok(None),
        }
    }

    async fn update_goal(&self, goal: &Goal) -> StoreResult<bool> {
        let sealed = self.seal_goal(goal).await?;
        self.inner.update_goal(&sealed).await
    }

    async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.inner.delete_goal(user_id, id).await
    }

    async fn record_goal_progress(&self, goal: &Goal, step: &GoalProgress) -> StoreResult<bool> {
        let mut sealed = step.clone();
        sealed.note = self
            .seal_opt(
                step.user_id,
                &row_aad("goal_progress", "note", step.id, step.user_id),
                &step.note,
            )
            .await?;
        // Sealed like every write of a goal, whatever columns the SQL writes.
        let goal = self.seal_goal(goal).await?;
        self.inner.record_goal_progress(&goal, &sealed).await
    }

    async fn goal_progress(
        &self,
        user_id: Uuid,
        goal_id: Option<Uuid>,
    ) -> StoreResult<Vec<GoalProgress>> {
        let stored = self.inner.goal_progress(user_id, goal_id).await?;
        let mut out = Vec::with_capacity(stored.len());
        for mut p in stored {
            let note_aad = row_aad("goal_progress", "note", p.id, p.user_id);
            p.note = self.open_opt(p.user_id, &note_aad, p.note.take()).await?;
            out.push(p);
        }
        Ok(out)
    }
}
