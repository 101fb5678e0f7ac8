//! Risk assessment of a person's message in the context of their conversation.
//! Deterministic rules (phrases and patterns in `data/patterns.json`) with
//! negation, idiom, humour and quotation handling, masked signals read against
//! the conversation, warning signs that mean a crisis together (a group of
//! signs over the last few messages), taking back a disclosure, and risk that
//! persists across turns.
//!
//! - `rules`: the rule file, compiled, and the signals in one message
//!   (negation, idioms).
//! - `context`: the rules read against the person's earlier messages.
//! - `answers`: a plain yes or a plain no.
//! - `combine`: the entry points, where the learned heads and the
//!   session's risk join the rules.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::heads::Heads;

mod answers;
mod combine;
mod context;
mod rules;

pub(crate) use answers::{plain_no, plain_yes};
use rules::{Group, Rule};

/// Risk levels, aligned with the C-SSRS screener.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    #[default]
    None,
    Low,
    Moderate,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Moderate => "moderate",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        match s {
            "none" => Some(RiskLevel::None),
            "low" => Some(RiskLevel::Low),
            "moderate" => Some(RiskLevel::Moderate),
            "high" => Some(RiskLevel::High),
            "critical" => Some(RiskLevel::Critical),
            _ => None,
        }
    }

    pub(crate) fn down(self) -> RiskLevel {
        match self {
            RiskLevel::Critical => RiskLevel::High,
            RiskLevel::High => RiskLevel::Moderate,
            RiskLevel::Moderate => RiskLevel::Low,
            RiskLevel::Low | RiskLevel::None => RiskLevel::None,
        }
    }

    /// Whether the crisis protocol runs (event, resources, notification).
    pub fn is_crisis(self) -> bool {
        self >= RiskLevel::High
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SuicidalIdeation,
    SelfHarm,
    ThirdPartyRisk,
    HarmToOthers,
    HarmFromOthers,
    MedicalEmergency,
    PsychosisOrMania,
    EatingDisorder,
    /// A panic attack or acute anxiety: not a suicide crisis.
    Panic,
}

/// One signal that fired: which rule, what it means, how it was weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub rule: String,
    pub category: Category,
    pub level: RiskLevel,
    /// Why the level differs from the rule's own, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: RiskLevel,
    pub categories: Vec<Category>,
    pub evidence: Vec<Evidence>,
    pub confidence: f32,
}

/// A previous turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Person,
    Companion,
}

#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub speaker: Speaker,
    pub text: &'a str,
}

/// The compiled rules. Build once ([`Assessor::new`]) and share.
pub struct Assessor {
    rules: Vec<Rule>,
    groups: Vec<Group>,
    idioms: Vec<Regex>,
    humour: Regex,
    quote: Regex,
    negators: Regex,
    past: Regex,
    heads: Heads,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule file: {0}")]
    File(#[from] serde_json::Error),
    #[error("rule {0}: {1}")]
    Pattern(String, regex::Error),
    #[error("rule {0}: unknown group {1:?}")]
    Group(String, String),
    #[error(transparent)]
    Heads(#[from] crate::heads::HeadsError),
}
