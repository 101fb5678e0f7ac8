//! The person's safety plan (Stanley-Brown): its steps, and what the
//! conversation adds to it and reads back from it. `rebloom-server`'s `http/safety.rs`
//! is the way in for reading and editing it.

use rebloom_ai::guided::SafetyPlanDraft;
use rebloom_store::SafetyStore;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub const MAX_ITEMS: usize = 20;
pub const MAX_CHARS: usize = 500;

/// Someone to reach, or a place to go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Contact {
    #[schema(value_type = crate::schemas::PlanEntry)]
    pub name: String,
    /// Phone number, e-mail or address, as the person wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schemas::PlanEntry>)]
    pub contact: Option<String>,
}

/// The seven steps of the Stanley-Brown safety plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SafetyPlan {
    /// 1. Thoughts, moods, situations that signal a crisis may be developing.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schemas::PlanEntry>, max_items = 20)]
    pub warning_signs: Vec<String>,
    /// 2. Things I can do on my own to take my mind off things.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schemas::PlanEntry>, max_items = 20)]
    pub coping_strategies: Vec<String>,
    /// 3. People and social settings that provide distraction.
    #[serde(default, deserialize_with = "crate::json::objects")]
    #[schema(max_items = 20)]
    pub distractions: Vec<Contact>,
    /// 4. People I can ask for help.
    #[serde(default, deserialize_with = "crate::json::objects")]
    #[schema(max_items = 20)]
    pub people_to_ask: Vec<Contact>,
    /// 5. Professionals or agencies I can contact.
    #[serde(default, deserialize_with = "crate::json::objects")]
    #[schema(max_items = 20)]
    pub professionals: Vec<Contact>,
    /// 5b. Crisis lines; pre-filled for the person's country until they edit them.
    #[serde(default, deserialize_with = "crate::json::objects")]
    #[schema(max_items = 20)]
    pub crisis_lines: Vec<Contact>,
    /// 6. Making the environment safer.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schemas::PlanEntry>, max_items = 20)]
    pub safer_environment: Vec<String>,
    /// 7. The most important things worth living for.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schemas::PlanEntry>, max_items = 20)]
    pub reasons_for_living: Vec<String>,
}

/// Adds what the person said while building their plan with the companion to
/// their stored plan: new items only, each list kept within its limit.
pub fn merge_draft(mut plan: SafetyPlan, draft: SafetyPlanDraft) -> SafetyPlan {
    fn clean(item: &str) -> Option<String> {
        let t: String = item
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_CHARS)
            .collect();
        (!t.is_empty()).then_some(t)
    }
    fn texts(list: &mut Vec<String>, new: Vec<String>) {
        for item in new.iter().filter_map(|i| clean(i)) {
            if list.len() < MAX_ITEMS && !list.iter().any(|x| x.eq_ignore_ascii_case(&item)) {
                list.push(item);
            }
        }
    }
    fn contacts(list: &mut Vec<Contact>, new: Vec<String>) {
        for item in new.iter().filter_map(|i| clean(i)) {
            if list.len() < MAX_ITEMS && !list.iter().any(|x| x.name.eq_ignore_ascii_case(&item)) {
                list.push(Contact {
                    name: item,
                    contact: None,
                });
            }
        }
    }
    texts(&mut plan.warning_signs, draft.warning_signs);
    texts(&mut plan.coping_strategies, draft.coping_strategies);
    contacts(&mut plan.distractions, draft.distractions);
    contacts(&mut plan.people_to_ask, draft.people_to_ask);
    contacts(&mut plan.professionals, draft.professionals);
    texts(&mut plan.safer_environment, draft.safer_environment);
    texts(&mut plan.reasons_for_living, draft.reasons_for_living);
    plan
}

/// Saves a plan built in conversation into the person's safety plan.
pub async fn save_draft(
    store: &dyn SafetyStore,
    user_id: Uuid,
    draft: SafetyPlanDraft,
    now: OffsetDateTime,
) -> CoreResult<()> {
    let stored = store
        .get_safety_plan(user_id)
        .await?
        .and_then(|(value, _)| serde_json::from_value::<SafetyPlan>(value).ok())
        .unwrap_or_default();
    let plan = merge_draft(stored, draft);
    let value = serde_json::to_value(&plan).map_err(|e| CoreError::Internal(e.into()))?;
    store.save_safety_plan(user_id, &value, now).await?;
    Ok(())
}

/// What the crisis conversation reads back from the person's own safety plan:
/// the first thing that helps them on their own; `None` without one, or when
/// the plan cannot be read.
pub async fn plan_item(store: &dyn SafetyStore, user_id: Uuid) -> Option<String> {
    let plan = match store.get_safety_plan(user_id).await {
        Ok(found) => serde_json::from_value::<SafetyPlan>(found?.0).ok()?,
        Err(e) => {
            tracing::error!(error = %e, "reading the safety plan failed; offering one instead");
            return None;
        }
    };
    plan.coping_strategies
        .into_iter()
        .find(|i| !i.trim().is_empty())
}
