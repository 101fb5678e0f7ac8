//! The person's safety plan (Stanley-Brown): its steps, read back with the
//! crisis lines of their country pre-filled and saved with its checks
//! ([`SafetyPlans`]), and what the conversation adds to it and reads back
//! from it. `rebloom-server`'s `http/safety.rs` is the way in for reading
//! and editing it.

use std::sync::Arc;

use rebloom_ai::guided::SafetyPlanDraft;
use rebloom_safety::Safety;
use rebloom_store::{SafetyStore, Store, UserStore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::Clock;
use crate::{CoreError, CoreResult, FieldError};

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

/// The plan as read back: every step, the emergency number for the person's
/// country, and when it was last saved.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SafetyPlanView {
    pub warning_signs: Vec<String>,
    pub coping_strategies: Vec<String>,
    pub distractions: Vec<Contact>,
    pub people_to_ask: Vec<Contact>,
    pub professionals: Vec<Contact>,
    /// Pre-filled for the person's country until they edit them.
    pub crisis_lines: Vec<Contact>,
    pub safer_environment: Vec<String>,
    pub reasons_for_living: Vec<String>,
    /// The emergency number for the person's country, when known.
    pub emergency_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

fn check_text(field: String, text: &str, errors: &mut Vec<FieldError>) {
    let t = text.trim();
    if t.is_empty()
        || t.chars().count() > MAX_CHARS
        || t.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(FieldError::new(
            field,
            "invalid_item",
            format!("Each entry is 1 to {MAX_CHARS} characters."),
        ));
    }
}

/// Every entry of `plan` that is wrong, and every list that is too long.
fn validate(plan: &SafetyPlan) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let too_many = |name: &str, len: usize, errors: &mut Vec<FieldError>| {
        if len > MAX_ITEMS {
            errors.push(FieldError::new(
                name,
                "too_many",
                format!("Keep at most {MAX_ITEMS}."),
            ));
        }
    };
    let texts: [(&str, &Vec<String>); 4] = [
        ("warningSigns", &plan.warning_signs),
        ("copingStrategies", &plan.coping_strategies),
        ("saferEnvironment", &plan.safer_environment),
        ("reasonsForLiving", &plan.reasons_for_living),
    ];
    for (name, items) in texts {
        too_many(name, items.len(), &mut errors);
        for (i, t) in items.iter().enumerate() {
            check_text(format!("{name}[{i}]"), t, &mut errors);
        }
    }
    let contacts: [(&str, &Vec<Contact>); 4] = [
        ("distractions", &plan.distractions),
        ("peopleToAsk", &plan.people_to_ask),
        ("professionals", &plan.professionals),
        ("crisisLines", &plan.crisis_lines),
    ];
    for (name, items) in contacts {
        too_many(name, items.len(), &mut errors);
        for (i, c) in items.iter().enumerate() {
            check_text(format!("{name}[{i}].name"), &c.name, &mut errors);
            if let Some(contact) = &c.contact {
                check_text(format!("{name}[{i}].contact"), contact, &mut errors);
            }
        }
    }
    errors
}

/// Reading and saving a person's safety plan.
#[derive(Clone)]
pub struct SafetyPlans {
    users: Arc<dyn UserStore>,
    plans: Arc<dyn SafetyStore>,
    safety: Arc<Safety>,
    clock: Arc<dyn Clock>,
}

impl SafetyPlans {
    /// The ports it needs, taken from the (sealed) store; `safety`'s
    /// directory gives the crisis lines the plan starts with.
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, safety: Arc<Safety>) -> SafetyPlans {
        SafetyPlans {
            users: store.clone(),
            plans: store.clone(),
            safety,
            clock,
        }
    }

    /// The person's plan, with their country's crisis lines until they
    /// write their own.
    pub async fn plan(&self, user_id: Uuid) -> CoreResult<SafetyPlanView> {
        let profile = self
            .users
            .get_profile(user_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let (resources, known) = self
            .safety
            .directory
            .for_country(profile.country.as_deref());
        let (mut plan, updated_at) = match self.plans.get_safety_plan(user_id).await? {
            Some((value, at)) => (
                serde_json::from_value::<SafetyPlan>(value).unwrap_or_default(),
                Some(at),
            ),
            None => (SafetyPlan::default(), None),
        };
        if plan.crisis_lines.is_empty() {
            plan.crisis_lines = resources
                .crisis_lines()
                .map(|l| Contact {
                    name: l.name.clone(),
                    contact: Some(format!("{} ({})", l.contact, l.hours)),
                })
                .collect();
        }
        Ok(SafetyPlanView {
            warning_signs: plan.warning_signs,
            coping_strategies: plan.coping_strategies,
            distractions: plan.distractions,
            people_to_ask: plan.people_to_ask,
            professionals: plan.professionals,
            crisis_lines: plan.crisis_lines,
            safer_environment: plan.safer_environment,
            reasons_for_living: plan.reasons_for_living,
            emergency_number: known.then(|| resources.emergency.clone()),
            updated_at,
        })
    }

    /// Replaces the person's plan (every entry checked first), and reads it back.
    pub async fn save(&self, user_id: Uuid, plan: &SafetyPlan) -> CoreResult<SafetyPlanView> {
        let errors = validate(plan);
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let value = serde_json::to_value(plan).map_err(|e| CoreError::Internal(e.into()))?;
        self.plans
            .save_safety_plan(user_id, &value, self.clock.now())
            .await?;
        self.plan(user_id).await
    }
}
