//! The learned layer: classification heads over a sentence embedding of the
//! message (multilingual-e5-small, 384 dimensions, computed by the caller).
//!
//! One small network with a shared hidden layer and two outputs: the level of
//! response the message needs (none … critical) and what kind of message it is
//! ([`Label`]). Trained by [`train`] from the labelled corpus
//! (`rebloom train-safety`, a fixed seed, the same heads every time) and
//! shipped as `data/heads.json`; inference is a few thousand multiply-adds.
//!
//! `model` holds the heads as shipped and their loading, `score` what they
//! make of an embedding, `training` how they are trained.

use serde::{Deserialize, Serialize};

use crate::assess::{Category, RiskLevel};

mod model;
mod score;
mod training;

pub use model::{Dense, Heads, HeadsError, Thresholds};
pub use score::HeadOutput;
pub use training::{Example, TrainConfig, train};

/// Authors whose corpus messages (`data/corpus`) are the test split: never
/// trained or tuned on.
pub const TEST_AUTHORS: [&str; 2] = ["b1", "f1"];

/// What a message is, in the corpus's terms (`data/corpus/GUIDE.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    IdeationPassive,
    IdeationActive,
    Plan,
    Intent,
    MeansAccess,
    AttemptUnderway,
    PastAttempt,
    SelfHarm,
    ThirdParty,
    HarmToOthers,
    HarmFromOthers,
    MedicalEmergency,
    EatingDisorder,
    PsychosisMania,
    Panic,
    Distress,
    SafetyAnswer,
    Benign,
}

impl Label {
    pub const ALL: [Label; 18] = [
        Label::IdeationPassive,
        Label::IdeationActive,
        Label::Plan,
        Label::Intent,
        Label::MeansAccess,
        Label::AttemptUnderway,
        Label::PastAttempt,
        Label::SelfHarm,
        Label::ThirdParty,
        Label::HarmToOthers,
        Label::HarmFromOthers,
        Label::MedicalEmergency,
        Label::EatingDisorder,
        Label::PsychosisMania,
        Label::Panic,
        Label::Distress,
        Label::SafetyAnswer,
        Label::Benign,
    ];

    pub fn index(self) -> usize {
        Label::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::IdeationPassive => "ideation_passive",
            Label::IdeationActive => "ideation_active",
            Label::Plan => "plan",
            Label::Intent => "intent",
            Label::MeansAccess => "means_access",
            Label::AttemptUnderway => "attempt_underway",
            Label::PastAttempt => "past_attempt",
            Label::SelfHarm => "self_harm",
            Label::ThirdParty => "third_party",
            Label::HarmToOthers => "harm_to_others",
            Label::HarmFromOthers => "harm_from_others",
            Label::MedicalEmergency => "medical_emergency",
            Label::EatingDisorder => "eating_disorder",
            Label::PsychosisMania => "psychosis_mania",
            Label::Panic => "panic",
            Label::Distress => "distress",
            Label::SafetyAnswer => "safety_answer",
            Label::Benign => "benign",
        }
    }

    /// The category of risk it belongs to, if it is one.
    pub fn category(self) -> Option<Category> {
        Some(match self {
            Label::IdeationPassive
            | Label::IdeationActive
            | Label::Plan
            | Label::Intent
            | Label::MeansAccess
            | Label::AttemptUnderway
            | Label::PastAttempt => Category::SuicidalIdeation,
            Label::SelfHarm => Category::SelfHarm,
            Label::ThirdParty => Category::ThirdPartyRisk,
            Label::HarmToOthers => Category::HarmToOthers,
            Label::HarmFromOthers => Category::HarmFromOthers,
            Label::MedicalEmergency => Category::MedicalEmergency,
            Label::EatingDisorder => Category::EatingDisorder,
            Label::PsychosisMania => Category::PsychosisOrMania,
            Label::Panic => Category::Panic,
            Label::Distress | Label::SafetyAnswer | Label::Benign => return None,
        })
    }
}

pub const LEVELS: [RiskLevel; 5] = [
    RiskLevel::None,
    RiskLevel::Low,
    RiskLevel::Moderate,
    RiskLevel::High,
    RiskLevel::Critical,
];
