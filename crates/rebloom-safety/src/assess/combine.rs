//! The assessor's entry points: the rules' assessment, raised by the learned
//! heads' reading of the message and by the risk the session carries
//! ([`Assessor::assess_in`]), a clear safety answer clearing it.

use super::{Assessment, Assessor, Category, Evidence, RiskLevel, Speaker, Turn};
use crate::heads::{HeadOutput, Label, Thresholds};
use crate::session::{
    AFFIRMED_RULE, AFTER_ANSWER_CRISIS, CARRIED_RULE, SAFETY_ANSWER_RULE, SessionRisk,
};

impl Assessor {
    /// Assesses `message` given the conversation before it (oldest first), with
    /// the rules alone: what runs when the encoder is not available. The
    /// session's risk is read from the person's earlier messages in `history`.
    pub fn assess(&self, history: &[Turn<'_>], message: &str) -> Assessment {
        let session = self.session_of(history, &[]);
        self.assess_in(&session, history, message, None)
    }

    /// The session's risk for a conversation whose earlier assessments were
    /// not kept: each of the person's messages in `history` assessed in turn,
    /// with its encoder views where `views` (aligned with `history`) has them.
    pub fn session_of(&self, history: &[Turn<'_>], views: &[Option<Vec<Vec<f32>>>]) -> SessionRisk {
        let mut session = SessionRisk::default();
        for (i, turn) in history.iter().enumerate() {
            if turn.speaker != Speaker::Person {
                continue;
            }
            let v = views.get(i).and_then(Option::as_deref);
            let a = self.assess_in(&session, &history[..i], turn.text, v);
            session = session.after_assessment(&a);
        }
        session
    }

    /// Assesses `message` in its session: the rules, the learned heads given
    /// the encoder's embeddings of the message (`views`: the whole message,
    /// then its parts when it is long), then the session's risk. The rules
    /// are a floor: the heads only raise the level, except on a clear safety
    /// answer that both read as one, which also clears what the session carried.
    pub fn assess_in(
        &self,
        session: &SessionRisk,
        history: &[Turn<'_>],
        message: &str,
        views: Option<&[Vec<f32>]>,
    ) -> Assessment {
        let (rules, facts) = self.assess_rules(history, message);
        let out = views.and_then(|v| self.heads.read(v));
        // Just after a clear safety answer, the learned layer alone needs a
        // surer reading to start the crisis protocol again.
        let surer;
        let thresholds = if session.just_answered() {
            surer = Thresholds {
                crisis: self.heads.thresholds.crisis.max(AFTER_ANSWER_CRISIS),
                ..self.heads.thresholds.clone()
            };
            &surer
        } else {
            &self.heads.thresholds
        };
        // A clear safety answer: the rules found a denial and nothing else, and
        // the heads (when there) read no risk in it; or the heads read it as
        // a safety answer and no risk.
        let answer = rules.level <= RiskLevel::Low
            && match &out {
                None => facts.denial,
                Some(o) => {
                    let top = o.top_label();
                    (facts.denial && (top == Label::SafetyAnswer || top.category().is_none()))
                        || (top == Label::SafetyAnswer && o.level(thresholds) <= RiskLevel::Low)
                }
            };
        let mut a = match &out {
            Some(o) if !answer => combine(rules, o, thresholds),
            _ => rules,
        };
        let category = session.category.unwrap_or(Category::SuicidalIdeation);
        // A yes to the crisis reply's direct question is still a crisis.
        let yes_floor = session.affirmation_floor();
        if facts.affirmation && !answer && a.level < yes_floor {
            raise(
                &mut a,
                yes_floor,
                category,
                AFFIRMED_RULE,
                format!(
                    "a yes to the direct question, right after {} in the session",
                    session.peak.as_str()
                ),
            );
        }
        if answer {
            a.evidence.push(Evidence {
                rule: SAFETY_ANSWER_RULE.to_owned(),
                category,
                level: a.level,
                note: Some("a clear safety answer: what the session carried is cleared".into()),
            });
            return a;
        }
        // Means or method talk after ideation or distress earlier in the session.
        let means = facts.masked
            || out.as_ref().is_some_and(|o| {
                o.level(thresholds) >= RiskLevel::Moderate
                    && matches!(
                        o.top_risk_label(),
                        Label::MeansAccess | Label::Plan | Label::Intent | Label::AttemptUnderway
                    )
            });
        let floor = session.means_floor();
        if means && a.level < floor {
            raise(
                &mut a,
                floor,
                category,
                CARRIED_RULE,
                format!(
                    "means or method talk after {} earlier in the session",
                    session.peak.as_str()
                ),
            );
        }
        let carried = session.carried();
        if a.level < carried {
            let from = session
                .rule
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            raise(
                &mut a,
                carried,
                category,
                CARRIED_RULE,
                format!(
                    "{} in the session{from}, {} messages before",
                    session.peak.as_str(),
                    session.since + 1
                ),
            );
        }
        a
    }
}

/// Raises an assessment to `level` (never lowers it) for a reason the rules
/// did not see, with the evidence for it; a category at `moderate` and above.
fn raise(a: &mut Assessment, level: RiskLevel, category: Category, rule: &str, note: String) {
    a.level = a.level.max(level);
    a.evidence.push(Evidence {
        rule: rule.to_owned(),
        category,
        level,
        note: Some(note),
    });
    if level >= RiskLevel::Moderate && !a.categories.contains(&category) {
        a.categories.push(category);
        a.categories.sort();
    }
}

/// The rules' assessment and the heads' reading of the message, together:
/// the heads raise it to `moderate` or above, with evidence, or leave it.
/// (A clear safety answer never gets here: see [`Assessor::assess_in`].)
fn combine(mut a: Assessment, out: &HeadOutput, thresholds: &Thresholds) -> Assessment {
    let learned = out.level(thresholds);
    // A panic attack is acute anxiety, not a suicide crisis: `moderate` with
    // the panic category, unless the rules found something more.
    let (label, learned) = if out.top_label() == Label::Panic {
        (Label::Panic, learned.min(RiskLevel::Moderate))
    } else {
        (out.top_risk_label(), learned)
    };
    if learned >= RiskLevel::Moderate
        && let Some(c) = label.category()
    {
        raise(
            &mut a,
            learned,
            c,
            &format!("learned.{}", label.as_str()),
            format!("p(crisis) {:.2}", out.crisis()),
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(levels: [f32; 5], label: Label) -> HeadOutput {
        let mut labels = vec![0.01; Label::ALL.len()];
        labels[label.index()] = 0.9;
        labels[Label::IdeationActive.index()] = 0.05;
        HeadOutput { levels, labels }
    }

    fn quiet() -> Assessment {
        Assessment {
            level: RiskLevel::None,
            categories: Vec::new(),
            evidence: Vec::new(),
            confidence: 0.8,
        }
    }

    const T: Thresholds = Thresholds {
        crisis: 0.5,
        critical: 0.5,
        moderate: 0.5,
    };

    #[test]
    fn a_panic_attack_is_moderate_panic_not_a_suicide_crisis() {
        let a = combine(
            quiet(),
            &output([0.0, 0.0, 0.2, 0.8, 0.0], Label::Panic),
            &T,
        );
        assert_eq!(a.level, RiskLevel::Moderate);
        assert_eq!(a.categories, vec![Category::Panic]);
        assert_eq!(a.evidence[0].rule, "learned.panic");
    }

    #[test]
    fn the_heads_raise_the_rules_level_with_the_kind_of_risk() {
        let a = combine(
            quiet(),
            &output([0.0, 0.0, 0.1, 0.3, 0.6], Label::MeansAccess),
            &T,
        );
        assert_eq!(a.level, RiskLevel::Critical);
        assert_eq!(a.categories, vec![Category::SuicidalIdeation]);
        // They never lower what the rules found.
        let mut rules = quiet();
        rules.level = RiskLevel::High;
        let a = combine(rules, &output([0.9, 0.1, 0.0, 0.0, 0.0], Label::Benign), &T);
        assert_eq!(a.level, RiskLevel::High);
    }

    #[test]
    fn below_moderate_the_heads_change_nothing() {
        // An assessment above `none` always has evidence: ordinary distress
        // read by the heads leaves the rules' assessment as it was.
        let a = combine(
            quiet(),
            &output([0.3, 0.6, 0.1, 0.0, 0.0], Label::Distress),
            &T,
        );
        assert_eq!(a, quiet());
    }
}
