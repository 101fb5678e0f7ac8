//! The encryption layer for wellbeing data: mood notes and triggers, goal
//! titles and descriptions, and progress notes are sealed with the person's
//! data key, bound to their table, column and row. Scores, levels,
//! categories, statuses and times are not (they are aggregated).
//! Sealed values are required: plaintext here could only have been planted.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::{self, CryptoError};
use crate::*;

fn crypto_err(e: CryptoError) -> StoreError {
    StoreError::Backend(format!("encryption: {e}"))
}

fn aad(table: &str, column: &str, id: Uuid, user_id: Uuid) -> String {
    crypto::aad(table, column, &id.to_string(), user_id)
}

impl EncryptedStore {
    async fn seal_opt(
        &self,
        user_id: Uuid,
        aad: &str,
        v: &Option<String>,
    ) -> StoreResult<Option<String>> {
        match v {
            Some(text) => Ok(Some(self.seal_text(user_id, aad, text).await?)),
            None => Ok(None),
        }
    }

    async fn open_opt(
        &self,
        user_id: Uuid,
        aad: &str,
        v: Option<String>,
    ) -> StoreResult<Option<String>> {
        match v {
            Some(sealed) => Ok(Some(self.open_sealed_text(user_id, aad, sealed).await?)),
            None => Ok(None),
        }
    }

    async fn seal_mood(&self, m: &MoodEntry) -> StoreResult<MoodEntry> {
        let mut sealed = m.clone();
        sealed.notes = self
            .seal_opt(
                m.user_id,
                &aad("mood_entries", "notes", m.id, m.user_id),
                &m.notes,
            )
            .await?;
        // The list as one sealed value (an empty list says nothing).
        if !m.triggers.is_empty() {
            let text = serde_json::to_string(&m.triggers)
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            sealed.triggers = vec![
                self.seal_text(
                    m.user_id,
                    &aad("mood_entries", "triggers", m.id, m.user_id),
                    &text,
                )
                .await?,
            ];
        }
        Ok(sealed)
    }

    async fn open_mood(&self, mut m: MoodEntry) -> StoreResult<MoodEntry> {
        let notes_aad = aad("mood_entries", "notes", m.id, m.user_id);
        m.notes = self.open_opt(m.user_id, &notes_aad, m.notes.take()).await?;
        if !m.triggers.is_empty() {
            let [sealed] = <[String; 1]>::try_from(std::mem::take(&mut m.triggers))
                .map_err(|_| crypto_err(CryptoError::Format))?;
            let text = self
                .open_sealed_text(
                    m.user_id,
                    &aad("mood_entries", "triggers", m.id, m.user_id),
                    sealed,
                )
                .await?;
            m.triggers =
                serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
        }
        Ok(m)
    }

    async fn seal_goal(&self, g: &Goal) -> StoreResult<Goal> {
        let mut sealed = g.clone();
        sealed.title = self
            .seal_text(
                g.user_id,
                &aad("user_goals", "title", g.id, g.user_id),
                &g.title,
            )
            .await?;
        sealed.description = self
            .seal_opt(
                g.user_id,
                &aad("user_goals", "description", g.id, g.user_id),
                &g.description,
            )
            .await?;
        Ok(sealed)
    }

    async fn open_goal(&self, mut g: Goal) -> StoreResult<Goal> {
        g.title = self
            .open_sealed_text(
                g.user_id,
                &aad("user_goals", "title", g.id, g.user_id),
                std::mem::take(&mut g.title),
            )
            .await?;
        let description_aad = aad("user_goals", "description", g.id, g.user_id);
        g.description = self
            .open_opt(g.user_id, &description_aad, g.description.take())
            .await?;
        Ok(g)
    }
}

#[async_trait]
impl WellbeingStore for EncryptedStore {
    async fn insert_mood(&self, entry: &MoodEntry) -> StoreResult<()> {
        let sealed = self.seal_mood(entry).await?;
        self.inner().insert_mood(&sealed).await
    }

    async fn list_moods(
        &self,
        user_id: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<MoodEntry>> {
        let stored = self.inner().list_moods(user_id, from, to, limit).await?;
        let mut out = Vec::with_capacity(stored.len());
        for m in stored {
            out.push(self.open_mood(m).await?);
        }
        Ok(out)
    }

    async fn find_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<MoodEntry>> {
        match self.inner().find_mood(user_id, id).await? {
            Some(m) => Ok(Some(self.open_mood(m).await?)),
            None => Ok(None),
        }
    }

    async fn update_mood(&self, entry: &MoodEntry) -> StoreResult<bool> {
        let sealed = self.seal_mood(entry).await?;
        self.inner().update_mood(&sealed).await
    }

    async fn delete_mood(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.inner().delete_mood(user_id, id).await
    }

    async fn insert_goal(&self, goal: &Goal) -> StoreResult<()> {
        let sealed = self.seal_goal(goal).await?;
        self.inner().insert_goal(&sealed).await
    }

    async fn list_goals(&self, user_id: Uuid) -> StoreResult<Vec<Goal>> {
        let stored = self.inner().list_goals(user_id).await?;
        let mut out = Vec::with_capacity(stored.len());
        for g in stored {
            out.push(self.open_goal(g).await?);
        }
        Ok(out)
    }

    async fn find_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<Option<Goal>> {
        match self.inner().find_goal(user_id, id).await? {
            Some(g) => Ok(Some(self.open_goal(g).await?)),
            None => Ok(None),
        }
    }

    async fn update_goal(&self, goal: &Goal) -> StoreResult<bool> {
        let sealed = self.seal_goal(goal).await?;
        self.inner().update_goal(&sealed).await
    }

    async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.inner().delete_goal(user_id, id).await
    }

    async fn record_goal_progress(&self, goal: &Goal, step: &GoalProgress) -> StoreResult<bool> {
        let mut sealed = step.clone();
        sealed.note = self
            .seal_opt(
                step.user_id,
                &aad("goal_progress", "note", step.id, step.user_id),
                &step.note,
            )
            .await?;
        // Only the goal's status, progress and times are written here.
        self.inner().record_goal_progress(goal, &sealed).await
    }

    async fn goal_progress(
        &self,
        user_id: Uuid,
        goal_id: Option<Uuid>,
    ) -> StoreResult<Vec<GoalProgress>> {
        let stored = self.inner().goal_progress(user_id, goal_id).await?;
        let mut out = Vec::with_capacity(stored.len());
        for mut p in stored {
            let note_aad = aad("goal_progress", "note", p.id, p.user_id);
            p.note = self.open_opt(p.user_id, &note_aad, p.note.take()).await?;
            out.push(p);
        }
        Ok(out)
    }

    async fn save_insight(&self, insight: &Insight) -> StoreResult<bool> {
        let mut sealed = insight.clone();
        sealed.title = self
            .seal_text(
                insight.user_id,
                &aad("user_insights", "title", insight.id, insight.user_id),
                &insight.title,
            )
            .await?;
        sealed.content = serde_json::Value::String(
            self.seal_text(
                insight.user_id,
                &aad("user_insights", "content", insight.id, insight.user_id),
                &insight.content.to_string(),
            )
            .await?,
        );
        self.inner().save_insight(&sealed).await
    }

    async fn list_insights(
        &self,
        user_id: Uuid,
        period_start: Option<time::Date>,
        limit: i64,
    ) -> StoreResult<Vec<Insight>> {
        let stored = self
            .inner()
            .list_insights(user_id, period_start, limit)
            .await?;
        let mut out = Vec::with_capacity(stored.len());
        for mut i in stored {
            let title_aad = aad("user_insights", "title", i.id, i.user_id);
            i.title = self
                .open_sealed_text(i.user_id, &title_aad, std::mem::take(&mut i.title))
                .await?;
            let serde_json::Value::String(sealed) = std::mem::take(&mut i.content) else {
                return Err(crypto_err(CryptoError::Format));
            };
            let content_aad = aad("user_insights", "content", i.id, i.user_id);
            let text = self
                .open_sealed_text(i.user_id, &content_aad, sealed)
                .await?;
            i.content =
                serde_json::from_str(&text).map_err(|e| StoreError::Backend(e.to_string()))?;
            out.push(i);
        }
        Ok(out)
    }

    async fn acknowledge_insight(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.inner().acknowledge_insight(user_id, id, at).await
    }

    async fn insights_due(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<InsightDue>> {
        self.inner().insights_due(after, limit).await
    }

    async fn insert_questionnaire(&self, response: &QuestionnaireResponse) -> StoreResult<()> {
        self.inner().insert_questionnaire(response).await
    }

    async fn list_questionnaires(
        &self,
        user_id: Uuid,
        instrument: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<QuestionnaireResponse>> {
        self.inner()
            .list_questionnaires(user_id, instrument, limit)
            .await
    }
}
