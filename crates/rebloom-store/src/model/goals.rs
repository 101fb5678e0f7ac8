//! Goals and their progress history, behind [`GoalStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A goal of the person's. Title and description are sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub target_date: Option<time::Date>,
    /// `active`, `completed`, `paused` or `archived`.
    pub status: String,
    pub progress_percentage: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

/// One step of a goal's progress history. The note is sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    pub id: Uuid,
    pub goal_id: Uuid,
    pub user_id: Uuid,
    pub progress_percentage: i32,
    pub note: Option<String>,
    pub recorded_at: OffsetDateTime,
}

/// Goals with their progress history.
#[async_trait]
pub trait GoalStore: Send + Sync + 'static {
    async fn insert_goal(&self, goal: &Goal) -> StoreResult<()>;
    /// The person's goals, newest first.
    async fn list_goals(&self, user_id: Uuid) -> StoreResult<Vec<Goal>>;
    async fn find_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Goal>>;
    async fn update_goal(&self, goal: &Goal) -> StoreResult<bool>;
    /// Deletes the goal and its progress history.
    async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Records a progress step and sets the goal's progress (and status and
    /// completion time, as given) in one transaction; false when the goal is gone.
    async fn record_goal_progress(&self, goal: &Goal, step: &GoalProgress) -> StoreResult<bool>;
    /// Progress history, oldest first: of one goal, or (`None`) of all the person's goals.
    async fn goal_progress(
        &self,
        user_id: Uuid,
        goal_id: Option<Uuid>,
    ) -> StoreResult<Vec<GoalProgress>>;
}
