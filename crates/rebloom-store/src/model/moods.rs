//! Mood check-ins, behind [`MoodStore`].

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A mood check-in. Notes and triggers are sealed; the levels are not, so
/// they can be aggregated.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    /// 1 (very low) to 10 (very good).
    pub mood_score: i32,
    /// 1 to 10 each, when given.
    pub anxiety_level: Option<i32>,
    pub stress_level: Option<i32>,
    pub energy_level: Option<i32>,
    pub notes: Option<String>,
    /// What the person tagged as affecting their mood ("work", "sleep").
    pub triggers: Vec<String>,
    pub recorded_at: OffsetDateTime,
    pub updated_at: Option<OffsetDateTime>,
}

/// Mood check-ins.
#[async_trait]
pub trait MoodStore: Send + Sync + 'static {
    async fn insert_mood(&self, entry: &MoodEntry) -> StoreResult<()>;
    /// The person's entries recorded in `[from, to)`, oldest first, at most `limit`.
    async fn list_moods(
        &self,
        user_id: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<MoodEntry>>;
    async fn find_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<MoodEntry>>;
    /// Saves every field of an existing entry; false when there is none.
    async fn update_mood(&self, entry: &MoodEntry) -> StoreResult<bool>;
    async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool>;
}
