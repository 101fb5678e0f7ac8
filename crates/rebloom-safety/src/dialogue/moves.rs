//! The moves: from the person's message, as assessed and heard, to what to
//! answer it with and the state after it ([`Dialogue::next`]), through the
//! crisis steps, the panic flow, the check-in and the gentle check.

use crate::assess::{Assessment, Category, RiskLevel};
use crate::session::SAFETY_ANSWER_RULE;

use super::hear::rules_silent;
use super::{CONVERSE, Dialogue, Flow, Move, PANIC_STEPS, Said, Step};

/// Messages of the person after a believed safety answer before the gentle
/// check: the same messages as the assessment's stricter reading after a
/// safety answer ([`crate::session::ANSWER_WINDOW`]).
const GENTLE_CHECK_AFTER: u8 = crate::session::ANSWER_WINDOW as u8;
/// A message longer than this (in words) during the panic flow is the person
/// talking about something: the conversation goes on as usual.
const PANIC_WORDS_MAX: usize = 40;

impl Dialogue {
    /// The move for the person's message and the state after it.
    pub fn next(&self, said: Said<'_>) -> (Move, Dialogue) {
        let a = said.assessment;
        let answer = a.evidence.iter().any(|e| e.rule == SAFETY_ANSWER_RULE);
        let (means_said, means_now) = mentions_means(a);
        let mut d = self.clone();
        // During a panic attack only its easing ends the flow (below): "it's
        // not an emergency" is no sign it has.
        if answer && self.flow != Some(Flow::Panic) {
            return if self.flow == Some(Flow::Crisis) {
                (
                    Move::Believed,
                    Dialogue {
                        check_after: Some(GENTLE_CHECK_AFTER),
                        ..Dialogue::default()
                    },
                )
            } else {
                (CONVERSE, Dialogue::default())
            };
        }
        let panic_only = a.categories == [Category::Panic] && a.level <= RiskLevel::Moderate;
        if a.level.is_crisis()
            || (a.level == RiskLevel::Moderate && self.flow == Some(Flow::Crisis))
        {
            if self.flow != Some(Flow::Crisis) {
                let d = Dialogue {
                    flow: Some(Flow::Crisis),
                    steps: vec![Step::Open],
                    means: means_said,
                    ..Dialogue::default()
                };
                return (Move::Open, d);
            }
            d.check_after = None;
            d.checked_in = false;
            d.means |= means_said;
            if said.plan && a.level < RiskLevel::Critical {
                d.steps.push(Step::Plan);
                return (Move::Plan, d);
            }
            let step = if means_now && !self.steps.contains(&Step::Means) {
                Step::Means
            } else if said.heard.plain_no && self.steps == [Step::Open] && rules_silent(a) {
                Step::Confirm
            } else {
                self.next_crisis_step()
            };
            d.steps.push(step);
            if a.level == RiskLevel::Critical && step != Step::Person {
                d.urged = d.urged.saturating_add(1);
            }
            return (Move::Step(step), d);
        }
        if self.flow == Some(Flow::Panic) && said.heard.eased {
            return (Move::PanicEased, Dialogue::default());
        }
        if panic_only || (self.flow == Some(Flow::Panic) && a.level <= RiskLevel::Low) {
            let next = if self.flow == Some(Flow::Panic) {
                PANIC_STEPS
                    .iter()
                    .find(|s| !self.steps.contains(s))
                    .copied()
            } else {
                Some(Step::PanicFirst)
            };
            // Still a panic attack after every step: the flow starts again
            // (other wording, by turn), never a model's reply.
            let (step, again) = match next {
                Some(step) if panic_only || said.heard.words <= PANIC_WORDS_MAX => (step, false),
                None if panic_only => (Step::PanicGround, true),
                _ => return (CONVERSE, Dialogue::default()),
            };
            let mut d = if self.flow == Some(Flow::Panic) && !again {
                d
            } else {
                Dialogue {
                    flow: Some(Flow::Panic),
                    ..Dialogue::default()
                }
            };
            d.steps.push(step);
            return (Move::Step(step), d);
        }
        // Out of any flow; something below `moderate` answered the check-in
        // (or moved on).
        let mut d = Dialogue {
            checked_in: self.checked_in && a.level >= RiskLevel::Moderate,
            check_after: self.check_after,
            ..Dialogue::default()
        };
        if said.plan {
            return (Move::Plan, d);
        }
        if a.level == RiskLevel::Moderate {
            if self.checked_in {
                return (CONVERSE, d);
            }
            d.checked_in = true;
            return (Move::CheckIn, d);
        }
        // A crisis episode that ended without an answer is checked on later
        // too: on the third ordinary message, this one counted, as after a
        // believed answer.
        if self.flow == Some(Flow::Crisis) {
            d.check_after = Some(GENTLE_CHECK_AFTER);
        }
        let gentle_check = match d.check_after {
            Some(n) if n <= 1 => {
                d.check_after = None;
                true
            }
            Some(n) => {
                d.check_after = Some(n - 1);
                false
            }
            None => false,
        };
        (Move::Converse { gentle_check }, d)
    }

    /// The next step of the crisis dialogue not given yet in this episode:
    /// distance from the means first when they were mentioned.
    fn next_crisis_step(&self) -> Step {
        const WITH_MEANS: [Step; 6] = [
            Step::Means,
            Step::Stay,
            Step::Person,
            Step::Reasons,
            Step::Grounding,
            Step::Plan,
        ];
        const WITHOUT: [Step; 6] = [
            Step::Stay,
            Step::Person,
            Step::Means,
            Step::Reasons,
            Step::Grounding,
            Step::Plan,
        ];
        let order = if self.means { &WITH_MEANS } else { &WITHOUT };
        order
            .iter()
            .find(|s| !self.steps.contains(s))
            .copied()
            .unwrap_or(Step::Still)
    }
}

/// Whether the message speaks of means or a method (what means-safety
/// counselling is about): `(said, read)`, the rules having seen the words,
/// or the learned layer reading it so. Only what the rules saw is named back
/// to the person ("you mentioned something…").
fn mentions_means(a: &Assessment) -> (bool, bool) {
    let said = a.evidence.iter().any(|e| {
        matches!(
            e.rule.as_str(),
            "plan.means_have" | "plan.method_intent" | "behaviour.took"
        ) || e.rule.starts_with("masked.")
    });
    let read = a.evidence.iter().any(|e| {
        matches!(
            e.rule.as_str(),
            "learned.means_access" | "learned.attempt_underway"
        )
    });
    (said, said || read)
}
