//! What the guided engine remembers between turns. It travels in
//! `ChatRequest::engine_state` and comes back in `Chunk::EngineState`, so the
//! engine itself keeps nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Template ids remembered to avoid repeating a phrasing.
const RECENT_MAX: usize = 24;
const LIST_MAX: usize = 6;

/// The structured exercises the engine can lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseKind {
    ThoughtRecord,
    BehaviouralActivation,
    Grounding,
    Breathing,
    Gratitude,
    Values,
    /// The Stanley-Brown safety plan, one list per step.
    SafetyPlan,
}

impl ExerciseKind {
    pub const ALL: [ExerciseKind; 7] = [
        ExerciseKind::ThoughtRecord,
        ExerciseKind::BehaviouralActivation,
        ExerciseKind::Grounding,
        ExerciseKind::Breathing,
        ExerciseKind::Gratitude,
        ExerciseKind::Values,
        ExerciseKind::SafetyPlan,
    ];

    /// The id used in content slots (`ex.<id>.<step>`) and in the state.
    pub fn id(self) -> &'static str {
        match self {
            ExerciseKind::ThoughtRecord => "thought_record",
            ExerciseKind::BehaviouralActivation => "behavioural_activation",
            ExerciseKind::Grounding => "grounding",
            ExerciseKind::Breathing => "breathing",
            ExerciseKind::Gratitude => "gratitude",
            ExerciseKind::Values => "values",
            ExerciseKind::SafetyPlan => "safety_plan",
        }
    }

    /// The steps in order; each waits for one answer. `intro` starts it.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            ExerciseKind::ThoughtRecord => &[
                "intro",
                "thought",
                "emotion",
                "rating",
                "distortions",
                "evidence_for",
                "evidence_against",
                "balanced",
                "rerate",
            ],
            ExerciseKind::BehaviouralActivation => &["intro", "pick", "when", "obstacles"],
            ExerciseKind::Grounding => &["intro", "touch", "hear", "smell", "taste"],
            ExerciseKind::Breathing => &["intro", "round1", "round2", "round3"],
            ExerciseKind::Gratitude => &["intro", "why1", "second", "why2", "third", "why3"],
            ExerciseKind::Values => &["intro", "matters", "action"],
            ExerciseKind::SafetyPlan => &[
                "intro",
                "warning_signs",
                "coping_strategies",
                "distractions",
                "people_to_ask",
                "professionals",
                "safer_environment",
                "reasons_for_living",
            ],
        }
    }

    /// The content slot (after `ex.<id>.`) whose text asks for a step.
    pub fn prompt_slot(self, step: &str) -> &str {
        match (self, step) {
            (ExerciseKind::Gratitude, "why1" | "why2" | "why3") => "why",
            (ExerciseKind::ThoughtRecord, "distortions") => "distortions.question",
            _ => step,
        }
    }

    /// The data key a step's answer fills; a step whose key is already
    /// filled (or deliberately left empty) is passed over.
    pub fn fills(self, step: &str) -> Option<&'static str> {
        Some(match (self, step) {
            (ExerciseKind::ThoughtRecord, "intro") => "situation",
            (ExerciseKind::ThoughtRecord, "thought") => "thought",
            (ExerciseKind::ThoughtRecord, "emotion") => "feeling",
            (ExerciseKind::ThoughtRecord, "rating") => "before",
            (ExerciseKind::ThoughtRecord, "distortions") => "traps",
            (ExerciseKind::ThoughtRecord, "evidence_for") => "evidence_for",
            (ExerciseKind::ThoughtRecord, "evidence_against") => "evidence_against",
            (ExerciseKind::ThoughtRecord, "balanced") => "balanced",
            (ExerciseKind::ThoughtRecord, "rerate") => "after",
            (ExerciseKind::BehaviouralActivation, "intro") => "activities",
            (ExerciseKind::BehaviouralActivation, "pick") => "activity",
            (ExerciseKind::BehaviouralActivation, "when") => "when",
            (ExerciseKind::BehaviouralActivation, "obstacles") => "obstacle",
            (ExerciseKind::Grounding, "intro") => "see",
            (ExerciseKind::Grounding, "touch") => "touch",
            (ExerciseKind::Grounding, "hear") => "hear",
            (ExerciseKind::Grounding, "smell") => "smell",
            (ExerciseKind::Grounding, "taste") => "taste",
            (ExerciseKind::Breathing, "intro") => "before",
            (ExerciseKind::Breathing, "round3") => "after",
            (ExerciseKind::Gratitude, "intro") => "item1",
            (ExerciseKind::Gratitude, "why1") => "why1",
            (ExerciseKind::Gratitude, "second") => "item2",
            (ExerciseKind::Gratitude, "why2") => "why2",
            (ExerciseKind::Gratitude, "third") => "item3",
            (ExerciseKind::Gratitude, "why3") => "why3",
            (ExerciseKind::Values, "intro") => "area",
            (ExerciseKind::Values, "matters") => "value",
            (ExerciseKind::Values, "action") => "action",
            // Each safety-plan step fills the list of the same name.
            (ExerciseKind::SafetyPlan, "warning_signs") => "warning_signs",
            (ExerciseKind::SafetyPlan, "coping_strategies") => "coping_strategies",
            (ExerciseKind::SafetyPlan, "distractions") => "distractions",
            (ExerciseKind::SafetyPlan, "people_to_ask") => "people_to_ask",
            (ExerciseKind::SafetyPlan, "professionals") => "professionals",
            (ExerciseKind::SafetyPlan, "safer_environment") => "safer_environment",
            (ExerciseKind::SafetyPlan, "reasons_for_living") => "reasons_for_living",
            _ => return None,
        })
    }
}

/// An exercise in progress: which step waits for an answer, and what the
/// person has written so far (empty values mark skipped steps; a safety-plan
/// step keeps its list items one per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseProgress {
    pub kind: ExerciseKind,
    pub step: String,
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    #[serde(default)]
    pub started_turn: u32,
    /// The person said thanks in the middle: asked whether to carry on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

/// An offer waiting for a yes or a no: one exercise, or a menu of several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub kinds: Vec<ExerciseKind>,
    #[serde(default)]
    pub menu: bool,
    pub turn: u32,
}

/// A safety plan as the person wrote it, one list per Stanley-Brown step
/// (items trimmed, at most 200 characters each and 10 per step).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlanDraft {
    pub warning_signs: Vec<String>,
    pub coping_strategies: Vec<String>,
    pub distractions: Vec<String>,
    pub people_to_ask: Vec<String>,
    pub professionals: Vec<String>,
    pub safer_environment: Vec<String>,
    pub reasons_for_living: Vec<String>,
}

/// The engine's whole memory of a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EngineState {
    pub version: u32,
    /// Replies given so far in this session.
    pub turn: u32,
    /// Template ids used lately, oldest first.
    pub recent: Vec<String>,
    pub exercise: Option<ExerciseProgress>,
    pub offer: Option<Offer>,
    pub last_offer_turn: Option<u32>,
    /// When the person's name was last used.
    pub name_turn: Option<u32>,
    /// When a thinking trap was last pointed out.
    pub trap_turn: Option<u32>,
    /// The person asked only to be listened to: no exercises offered, no
    /// techniques suggested, for the rest of the session.
    pub listening: bool,
    /// The person said no to an exercise: none is offered again this session.
    pub no_offers: bool,
    /// Library answers given in this session, not given twice.
    pub answered: Vec<String>,
    /// The person has said how long things have been this way: not asked again.
    pub duration_told: bool,
    /// The activity planned in this session (what, when), recalled at goodbye.
    pub plan: Option<(String, String)>,
    pub completed: Vec<ExerciseKind>,
    pub last_emotion: Option<String>,
    pub last_topic: Option<String>,
    /// A safety plan finished or stopped in this turn, for the server to
    /// save (see `take_safety_plan`); dropped at the start of the next turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_plan_draft: Option<SafetyPlanDraft>,
}

impl EngineState {
    pub const VERSION: u32 = 1;

    /// Reads the state a request carries; anything missing or unreadable
    /// starts afresh rather than failing the reply.
    pub fn from_value(value: &Value) -> EngineState {
        let mut state = if value.is_object() {
            serde_json::from_value(value.clone()).unwrap_or_default()
        } else {
            EngineState::default()
        };
        state.version = EngineState::VERSION;
        state
    }

    pub fn remember_recent(recent: &mut Vec<String>, id: String) {
        recent.retain(|r| *r != id);
        recent.push(id);
        if recent.len() > RECENT_MAX {
            let extra = recent.len() - RECENT_MAX;
            recent.drain(..extra);
        }
    }

    pub fn complete(&mut self, kind: ExerciseKind) {
        self.completed.retain(|k| *k != kind);
        self.completed.push(kind);
        trim(&mut self.completed);
    }
}

fn trim<T>(list: &mut Vec<T>) {
    if list.len() > LIST_MAX {
        let extra = list.len() - LIST_MAX;
        list.drain(..extra);
    }
}
