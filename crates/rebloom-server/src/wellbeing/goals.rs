//! Goals as the rest of the domain reads them (insights, GraphQL); the
//! goal endpoints and their checks are `http::goals`.

use rebloom_store::{Goal, GoalProgress};
use uuid::Uuid;

use crate::app::AppState;

/// Every goal of the person (newest first) with its progress history, in two reads.
pub async fn with_history(
    state: &AppState,
    user_id: Uuid,
) -> rebloom_store::StoreResult<Vec<(Goal, Vec<GoalProgress>)>> {
    let goals = state.store.list_goals(user_id).await?;
    let mut steps = state.store.goal_progress(user_id, None).await?;
    Ok(goals
        .into_iter()
        .map(|g| {
            let (mine, rest) = steps.drain(..).partition(|p| p.goal_id == g.id);
            steps = rest;
            (g, mine)
        })
        .collect())
}
