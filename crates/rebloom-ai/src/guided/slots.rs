//! Every template slot the engine renders, with the placeholders the code
//! fills for it. Content is checked against this table at start-up, so a typo
//! in a data file is an error, not a reply with a `{hole}` in it.

use super::state::ExerciseKind;

/// Emotions the detector knows (the lexicon's, shared with the classifier).
pub use crate::emotion::{EMOTIONS, POSITIVE};

pub const TOPICS: &[&str] = &[
    "work", "sleep", "family", "partner", "friends", "school", "health", "money", "loss",
];

pub const DISTORTIONS: &[&str] = &[
    "all_or_nothing",
    "catastrophising",
    "mind_reading",
    "fortune_telling",
    "should_statements",
    "labelling",
    "overgeneralisation",
    "personalisation",
    "emotional_reasoning",
    "mental_filter",
    "discounting_positive",
];

/// Plain words the code joins into sentences.
pub const WORDS: &[&str] = &[
    "and",
    "or",
    "list_separator",
    "redacted",
    "that_feeling",
    "none",
    "no_traps",
    "something_small",
    "not_rated",
    "plan_warning_signs",
    "plan_coping_strategies",
    "plan_distractions",
    "plan_people_to_ask",
    "plan_professionals",
    "plan_safer_environment",
    "plan_reasons_for_living",
];

/// Lexicon lists every language needs (exercise triggers are added per kind).
pub const LEXICON: &[&str] = &[
    "yes_words",
    "yes_phrases",
    "no_words",
    "no_follow",
    "no_phrases",
    "stop_exact",
    "stop_phrases",
    "skip",
    "greeting",
    "thanks",
    "bye",
    "bye_exact",
    "ask_human",
    "ask_capabilities",
    "medication",
    "diagnosis",
    "unusual_beliefs",
    "risk",
    "request_cues",
    "question_words",
    "question_lead",
    "duration_told",
    "small_talk",
    "question_cues",
    "rhetorical",
    "just_listen",
    "menu",
    "thought_cues",
    "clause_breaks",
    "because",
    "life_areas",
    "forbidden_echo",
    "plan_accept",
    "empty_answer",
];

pub const KNOWN_PLACEHOLDERS: &[&str] = &[
    "name",
    "feeling",
    "emotion",
    "topic",
    "distortion",
    "explanation",
    "thought",
    "options",
    "exercise",
    "before",
    "after",
    "checkin",
    "see",
    "touch",
    "hear",
    "smell",
    "taste",
    "situation",
    "distortions",
    "evidence_for",
    "evidence_against",
    "balanced",
    "change",
    "activities",
    "activity",
    "when",
    "obstacle",
    "number",
    "item",
    "why",
    "area",
    "value",
    "action",
    "section",
];

type Spec = (&'static str, &'static [&'static str]);

const FEELING: &[&str] = &["feeling", "emotion"];

const CONVERSATION: &[Spec] = &[
    ("greeting.first", &[]),
    ("greeting.first.named", &["name"]),
    ("greeting.brief", &[]),
    ("greeting.brief.named", &["name"]),
    ("greeting.again", &[]),
    ("about.identity", &[]),
    ("about.capabilities", &[]),
    ("reflect.topic", &["feeling", "emotion", "topic"]),
    ("reflect.feeling", FEELING),
    ("reflect.topic_only", &["topic"]),
    ("reflect.neutral", &[]),
    ("validate.general", &[]),
    ("validate.named", &["name"]),
    ("question.open", &[]),
    ("question.feeling", FEELING),
    ("question.feeling.since", FEELING),
    ("question.positive", &[]),
    ("approach.cbt", &[]),
    ("approach.cbt.topic", &["topic"]),
    ("approach.cbt.distortion", &["distortion", "explanation"]),
    ("approach.dbt", FEELING),
    ("approach.act", &[]),
    ("approach.act.thought", &["thought"]),
    ("approach.mindfulness", FEELING),
    ("approach.person_centred", &[]),
    ("approach.person_centred.topic", &["topic"]),
    ("menu", &["options"]),
    ("short.idk", &[]),
    ("short.generic", &[]),
    ("short.yes", &[]),
    ("short.no", &[]),
    ("thanks", &[]),
    ("thanks.named", &["name"]),
    ("bye", &[]),
    ("bye.named", &["name"]),
    ("bye.after_exercise", &["exercise"]),
    ("bye.plan", &["activity", "when"]),
    ("declined", &[]),
    ("just_talk", &[]),
    ("stopped", &[]),
    ("skipped", &[]),
    ("ack", &[]),
    ("resume", &[]),
    ("medication", &[]),
    ("diagnosis", &[]),
    ("unusual_beliefs", &[]),
    ("risk", &[]),
    ("empty", &[]),
    ("answer.unknown", &[]),
    ("small_talk", &[]),
    ("thanks.follow", &[]),
];

const BREATHING: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("round1", &[]),
    ("round2", &[]),
    ("round3", &[]),
    ("summary", &[]),
    ("summary.rating", &["before", "after"]),
    ("summary.checkin", &["checkin"]),
    ("summary.close", &[]),
];

const GROUNDING: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("touch", &["see"]),
    ("hear", &[]),
    ("smell", &[]),
    ("taste", &[]),
    ("summary", &["see", "touch", "hear", "smell", "taste"]),
    ("summary.close", &[]),
];

const THOUGHT_RECORD: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("thought", &["situation"]),
    ("emotion", &[]),
    ("rating", &["feeling"]),
    ("distortions.found", &[]),
    ("distortions.item", &["distortion", "explanation"]),
    ("distortions.none", &[]),
    ("distortions.question", &[]),
    ("evidence_for", &["thought"]),
    ("evidence_against", &[]),
    ("balanced", &[]),
    ("rerate", &["balanced", "feeling"]),
    ("summary.header", &[]),
    ("summary.situation", &["situation"]),
    ("summary.thought", &["thought"]),
    ("summary.feeling", &["feeling", "before"]),
    ("summary.traps", &["distortions"]),
    ("summary.evidence", &["evidence_for", "evidence_against"]),
    ("summary.balanced", &["balanced"]),
    ("summary.rerate", &["feeling", "before", "after"]),
    ("summary.change.down", &["change"]),
    ("summary.change.same", &[]),
    ("summary.change.up", &["change"]),
    ("summary.close", &[]),
];

const BEHAVIOURAL_ACTIVATION: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("pick", &["activities"]),
    ("when", &["activity"]),
    ("obstacles", &["activity", "when"]),
    ("summary", &["activity", "when"]),
    ("summary.obstacle", &["obstacle"]),
    ("summary.close", &[]),
];

const GRATITUDE: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("why", &["item"]),
    ("second", &[]),
    ("third", &[]),
    ("summary.header", &[]),
    ("summary.item", &["number", "item", "why"]),
    ("summary.item_plain", &["number", "item"]),
    ("summary.close", &[]),
];

const VALUES: &[Spec] = &[
    ("title", &[]),
    ("offer", &[]),
    ("intro", &[]),
    ("matters", &["area"]),
    ("action", &["area", "value"]),
    ("summary", &["area", "value", "action"]),
    ("summary.close", &[]),
];

/// The safety plan: a prompt per step, its own acknowledgements, the replies
/// around the offer, and the summary (one line per step, `{section}` being
/// the step's name from `words.plan_<step>`).
const SAFETY_PLAN: &[Spec] = &[
    ("title", &[]),
    ("intro", &[]),
    ("warning_signs", &[]),
    ("coping_strategies", &[]),
    ("distractions", &[]),
    ("people_to_ask", &[]),
    ("professionals", &[]),
    ("safer_environment", &[]),
    ("reasons_for_living", &[]),
    ("ack", &[]),
    ("skipped", &[]),
    ("risk", &[]),
    ("declined", &[]),
    ("unclear_yes", &[]),
    ("stopped", &[]),
    ("saved_partial", &[]),
    ("summary.header", &[]),
    ("summary.nothing", &[]),
    ("summary.item", &["section", "item"]),
    ("summary.items", &["section", "item", "number"]),
    ("summary.empty", &["section"]),
    ("summary.close", &[]),
];

/// The slots of one exercise, after `ex.<id>.`.
pub fn exercise_slots(kind: ExerciseKind) -> &'static [Spec] {
    match kind {
        ExerciseKind::Breathing => BREATHING,
        ExerciseKind::Grounding => GROUNDING,
        ExerciseKind::ThoughtRecord => THOUGHT_RECORD,
        ExerciseKind::BehaviouralActivation => BEHAVIOURAL_ACTIVATION,
        ExerciseKind::Gratitude => GRATITUDE,
        ExerciseKind::Values => VALUES,
        ExerciseKind::SafetyPlan => SAFETY_PLAN,
    }
}

/// Every slot with its allowed placeholders. All of them are required in
/// English; other languages fall back to English slot by slot.
pub fn all_slots() -> Vec<(String, &'static [&'static str])> {
    let mut out: Vec<(String, &'static [&'static str])> = CONVERSATION
        .iter()
        .map(|(s, p)| ((*s).to_string(), *p))
        .collect();
    for e in EMOTIONS {
        out.push((format!("validate.{e}"), &[]));
    }
    for t in TOPICS {
        out.push((format!("question.topic.{t}"), &[]));
    }
    for kind in ExerciseKind::ALL {
        for (s, p) in exercise_slots(kind) {
            out.push((format!("ex.{}.{s}", kind.id()), *p));
        }
    }
    out
}

/// Slots that ask for a step: each needs a text that works with no data, for
/// when the person skipped what it would mention.
pub fn prompt_slots() -> Vec<String> {
    ExerciseKind::ALL
        .iter()
        .flat_map(|k| {
            k.steps()
                .iter()
                .map(move |s| format!("ex.{}.{}", k.id(), k.prompt_slot(s)))
        })
        .collect()
}

/// Slot prefixes every translation must provide itself (not by falling back).
pub const TRANSLATED: &[&str] = &[
    "greeting.",
    "reflect.",
    "question.",
    "validate.",
    "about.",
    "ex.breathing.",
    "ex.grounding.",
    "ex.safety_plan.",
];
