//! The risk a conversation carries from one message of the person to the next.
//!
//! Each message is assessed on its own words and the conversation's, then
//! read against the session's risk: what the person's earlier messages were
//! assessed at (rules and learned layer together, as stored with each
//! message), a questionnaire answer that ran the crisis protocol, and whether
//! the person has since given a clear safety answer. The state is a fold over
//! those events, so the server keeps nothing beside the messages themselves.
//!
//! - Risk at `high` or above carries into the next messages one step lower,
//!   and one step lower again every [`DECAY_TURNS`] messages without new risk:
//!   a conversation is not held at `high` for the rest of the session by one message.
//! - A clear safety answer ("no, I'm not thinking of ending my life", "I'm
//!   safe", "I put them away") clears what is carried.
//! - Means or method talk after ideation is `critical`; after distress, at least `high`
//!   ([`SessionRisk::means_floor`]).
//! - A bare yes right after a message that needed the crisis protocol for
//!   thoughts of suicide or self-harm answers the reply's direct question: `high`.
//! - For [`ANSWER_WINDOW`] messages after a clear safety answer, the learned
//!   layer alone needs a surer reading to start the crisis protocol again
//!   ([`AFTER_ANSWER_CRISIS`]): the person was just believed, and "can you
//!   help me plan my week?" is not a new disclosure. The rules are unchanged.

use serde::{Deserialize, Serialize};

use crate::assess::{Assessment, Category, RiskLevel};

/// Messages of the person after which carried risk drops one more step.
pub const DECAY_TURNS: u32 = 2;
/// Messages of the person after which earlier risk no longer colours a
/// question about means (unless raised again).
pub const MEANS_WINDOW: u32 = 12;
/// Messages of the person after a clear safety answer during which the
/// learned layer alone needs [`AFTER_ANSWER_CRISIS`] to start the crisis protocol.
pub const ANSWER_WINDOW: u32 = 3;
/// P(high or critical) the learned layer alone needs in that window.
pub const AFTER_ANSWER_CRISIS: f32 = 0.5;
/// The evidence rule that marks a message as a clear safety answer.
pub const SAFETY_ANSWER_RULE: &str = "context.safety_answer";
/// The evidence rule that marks a yes to the crisis reply's direct question.
pub const AFFIRMED_RULE: &str = "context.affirmed";
/// The evidence rule that marks a level carried from earlier in the session.
pub const CARRIED_RULE: &str = "context.session_risk";

/// What the session holds before the person's next message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRisk {
    /// The level last raised by the person's own words (not carried) and not
    /// since cleared: what is carried, decaying.
    pub peak: RiskLevel,
    /// The kind of risk of that peak.
    pub category: Option<Category>,
    /// The rule (or learned label) behind that peak, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Messages of the person since the peak.
    pub since: u32,
    /// The highest level in the last [`MEANS_WINDOW`] messages, not since
    /// cleared: what a question about means is read against.
    #[serde(default)]
    pub worst: RiskLevel,
    /// Messages of the person since `worst`.
    #[serde(default)]
    pub worst_since: u32,
    /// Messages of the person since their last clear safety answer, while
    /// fewer than [`ANSWER_WINDOW`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<u32>,
}

impl SessionRisk {
    /// Folds in a message of the person as it was assessed: its level, its
    /// main category, and whether it was a clear safety answer.
    pub fn after(self, level: RiskLevel, category: Option<Category>, safety_answer: bool) -> Self {
        self.after_rule(level, category, None, safety_answer)
    }

    fn after_rule(
        mut self,
        level: RiskLevel,
        category: Option<Category>,
        rule: Option<String>,
        safety_answer: bool,
    ) -> Self {
        if safety_answer {
            return SessionRisk {
                answered: Some(0),
                ..SessionRisk::default()
            };
        }
        self.answered = self
            .answered
            .map(|n| n.saturating_add(1))
            .filter(|n| *n < ANSWER_WINDOW && !level.is_crisis());
        if level >= self.worst || self.worst_since >= MEANS_WINDOW {
            (self.worst, self.worst_since) = (level, 0);
        } else {
            self.worst_since = self.worst_since.saturating_add(1);
        }
        // The message's own words raised it above what was carried.
        if level > RiskLevel::Low && level > self.carried() {
            (self.peak, self.category, self.rule, self.since) = (level, category, rule, 0);
        } else {
            self.since = self.since.saturating_add(1);
        }
        self
    }

    /// Folds in an assessment made by [`crate::Assessor::assess_in`].
    pub fn after_assessment(self, a: &Assessment) -> Self {
        let top = a.evidence.iter().find(|e| e.level == a.level);
        self.after_rule(
            a.level,
            top.map(|e| e.category).or(a.categories.first().copied()),
            top.map(|e| e.rule.clone()),
            a.evidence.iter().any(|e| e.rule == SAFETY_ANSWER_RULE),
        )
    }

    /// Risk raised outside the conversation in the same session (a
    /// questionnaire answer that ran the crisis protocol).
    pub fn raised(mut self, level: RiskLevel, category: Category) -> Self {
        if level >= self.worst {
            (self.worst, self.worst_since) = (level, 0);
        }
        if level >= self.peak {
            (self.peak, self.category, self.rule, self.since) = (level, Some(category), None, 0);
        }
        self
    }

    /// The level the next message is held at, at least: one step under a
    /// `high` or `critical` peak, one more every [`DECAY_TURNS`] messages.
    pub fn carried(&self) -> RiskLevel {
        if self.peak < RiskLevel::High {
            return RiskLevel::None;
        }
        (0..self.since / DECAY_TURNS).fold(self.peak.down(), |l, _| l.down())
    }

    /// Whether the person gave a clear safety answer within the last
    /// [`ANSWER_WINDOW`] messages (and nothing has been raised since).
    pub fn just_answered(&self) -> bool {
        self.answered.is_some()
    }

    /// Whether the session's crisis is about thoughts of suicide, self-harm
    /// or an eating disorder: what the direct question asks about.
    pub fn about_suicide_or_self_harm(&self) -> bool {
        self.peak >= RiskLevel::High
            && matches!(
                self.category,
                None | Some(
                    Category::SuicidalIdeation | Category::SelfHarm | Category::EatingDisorder
                )
            )
    }

    /// The least a bare yes is, after this session: `high` right after a
    /// message that needed the crisis protocol for suicide, self-harm or an
    /// eating disorder (the yes answers the reply's direct question about
    /// thoughts of ending one's life), else nothing.
    pub fn affirmation_floor(&self) -> RiskLevel {
        if self.since == 0 && self.about_suicide_or_self_harm() {
            RiskLevel::High
        } else {
            RiskLevel::None
        }
    }

    /// The least a question about means or methods is, after this session:
    /// `critical` after ideation or worse, `high` after distress.
    pub fn means_floor(&self) -> RiskLevel {
        let recent = |level: RiskLevel, since: u32| {
            if since < MEANS_WINDOW {
                level
            } else {
                RiskLevel::None
            }
        };
        let worst = recent(self.worst, self.worst_since).max(recent(self.peak, self.since));
        if worst >= RiskLevel::High {
            RiskLevel::Critical
        } else if worst >= RiskLevel::Moderate {
            RiskLevel::High
        } else {
            RiskLevel::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_risk_decays_and_a_safety_answer_clears_it() {
        let s = SessionRisk::default().after(
            RiskLevel::Critical,
            Some(Category::SuicidalIdeation),
            false,
        );
        assert_eq!(s.carried(), RiskLevel::High);
        let s = s.after(RiskLevel::High, None, false);
        assert_eq!((s.since, s.carried()), (1, RiskLevel::High));
        let s = s.after(RiskLevel::Low, None, false);
        assert_eq!(s.carried(), RiskLevel::Moderate);
        let s = s
            .after(RiskLevel::Low, None, false)
            .after(RiskLevel::None, None, false);
        assert_eq!(s.carried(), RiskLevel::Low);
        // Still remembered for a question about means.
        assert_eq!(s.means_floor(), RiskLevel::Critical);
        let s = s.after(RiskLevel::Low, None, true);
        assert_eq!(s.carried(), RiskLevel::None);
        assert_eq!(s.means_floor(), RiskLevel::None);
    }

    #[test]
    fn a_safety_answer_asks_the_learned_layer_for_a_surer_reading_for_a_while() {
        let s = SessionRisk::default()
            .after(RiskLevel::High, Some(Category::SuicidalIdeation), false)
            .after(RiskLevel::Low, None, true);
        assert!(s.just_answered());
        let s = s
            .after(RiskLevel::None, None, false)
            .after(RiskLevel::Low, None, false);
        assert!(s.just_answered());
        assert!(!s.after(RiskLevel::None, None, false).just_answered());
        // A new crisis ends it at once.
        let s = SessionRisk::default().after(RiskLevel::Low, None, true);
        assert!(!s.after(RiskLevel::High, None, false).just_answered());
    }

    #[test]
    fn a_new_disclosure_renews_the_peak_and_moderate_is_not_carried() {
        let s = SessionRisk::default().after(RiskLevel::Moderate, None, false);
        assert_eq!(s.carried(), RiskLevel::None);
        assert_eq!(s.means_floor(), RiskLevel::High);
        let s = s
            .after(RiskLevel::High, Some(Category::SelfHarm), false)
            .after(RiskLevel::Moderate, None, false)
            .after(RiskLevel::High, Some(Category::SelfHarm), false);
        assert_eq!((s.peak, s.since), (RiskLevel::High, 0));
        // A lower disclosure once the carry has decayed below it is a new peak.
        let s = SessionRisk::default()
            .after(RiskLevel::Critical, None, false)
            .after(RiskLevel::High, None, false)
            .after(RiskLevel::High, None, false)
            .after(RiskLevel::Moderate, None, false)
            .after(RiskLevel::Moderate, None, false);
        assert_eq!(s.carried(), RiskLevel::Low);
        let s = s.after(RiskLevel::High, None, false);
        assert_eq!(
            (s.peak, s.since, s.worst),
            (RiskLevel::High, 0, RiskLevel::Critical)
        );
        let s = s.raised(RiskLevel::High, Category::SuicidalIdeation);
        assert_eq!(s.category, Some(Category::SuicidalIdeation));
        let far = (0..MEANS_WINDOW).fold(s, |s, _| s.after(RiskLevel::None, None, false));
        assert_eq!(far.means_floor(), RiskLevel::None);
    }
}
