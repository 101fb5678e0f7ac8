//! The dialogue's texts in every language (`data/dialogue.json`), and the
//! reply each move gets from them ([`Dialogues::reply`]): the step's words,
//! the lines and emergency number filled in, a new sentence each turn.

use serde::Deserialize;

use crate::normalize::normalize;
use crate::reply::{ByLanguage, Replies, SafeReply, pick};
use crate::resources::Directory;

use super::{Dialogue, Move, Step};

#[derive(Deserialize)]
pub(super) struct Texts {
    believed: Vec<String>,
    gentle_check: Vec<String>,
    critical_again: Vec<String>,
    stay: Vec<String>,
    means: Vec<String>,
    means_general: Vec<String>,
    person: Vec<String>,
    person_emergency: Vec<String>,
    reasons: Vec<String>,
    grounding: Vec<String>,
    plan_offer: Vec<String>,
    plan_read: Vec<String>,
    still: Vec<String>,
    panic_first: Vec<String>,
    panic_ground: Vec<String>,
    panic_exhale: Vec<String>,
    panic_body: Vec<String>,
    panic_eased: Vec<String>,
    /// Words that say a panic attack has eased ("I'm calmer now").
    pub(super) eased: Vec<String>,
    means_thanks: Vec<String>,
    confirm: Vec<String>,
    /// Words that say the means are out of reach now ("I put them away").
    pub(super) means_done: Vec<String>,
}

pub(super) const DATA: &str = include_str!("../../data/dialogue.json");

/// The dialogue's texts in every language.
pub struct Dialogues {
    texts: ByLanguage<Texts>,
}

/// What a step's text may name.
#[derive(Debug, Clone, Default)]
pub struct StepContext<'a> {
    /// ISO 3166-1 alpha-2.
    pub country: Option<&'a str>,
    pub language: &'a str,
    /// Varies the wording from turn to turn.
    pub turn: u64,
    /// The message was assessed `critical`.
    pub critical: bool,
    /// A line of the person's own safety plan (what helps them), if they have one.
    pub plan_item: Option<&'a str>,
    /// The message says the means are out of reach now ([`Heard::means_put_away`](super::Heard::means_put_away)).
    pub means_put_away: bool,
}

impl Dialogues {
    pub fn new() -> Result<Dialogues, serde_json::Error> {
        let mut texts: ByLanguage<Texts> = ByLanguage::parse(DATA)?;
        // Phrases are matched on normalised text: normalised once, here.
        texts.each_mut(|t| {
            for phrase in t.eased.iter_mut().chain(&mut t.means_done) {
                *phrase = match phrase.strip_suffix('*') {
                    Some(stem) => format!("{}*", normalize(stem)),
                    None => normalize(phrase),
                };
            }
        });
        Ok(Dialogues { texts })
    }

    /// The languages the dialogue is written in (ISO 639-1).
    #[cfg(test)]
    pub(super) fn languages(&self) -> impl Iterator<Item = &str> {
        self.texts.languages()
    }

    pub(super) fn texts(&self, language: &str) -> Option<&Texts> {
        self.texts.get(language)
    }

    /// The reply for a move that is a dialogue text (a step, a believed
    /// answer, an eased panic); `None` for the others. `d` is the state after
    /// the move.
    pub fn reply(
        &self,
        mv: Move,
        d: &Dialogue,
        replies: &Replies,
        directory: &Directory,
        ctx: &StepContext<'_>,
    ) -> Option<SafeReply> {
        let t = self.texts(ctx.language)?;
        let (resources, known_country) = directory.for_country(ctx.country);
        let emergency = &replies.emergency(ctx.language, directory, ctx.country);
        let line = resources
            .crisis_lines()
            .next()
            .map(|l| format!("{} ({})", l.name, replies.reach(ctx.language, &l.contact)))
            .unwrap_or_else(|| "findahelpline.com".to_owned());
        let fill = |s: &str| {
            s.replace("{emergency}", emergency)
                .replace("{line}", &line)
                .replace("{item}", ctx.plan_item.unwrap_or_default())
        };
        let mut urged = false;
        let mut offered_plan = false;
        let text = match mv {
            // Means put out of reach, said as the answer: that first, in the
            // words that do not open with a thank-you as the answer's do.
            Move::Believed if ctx.means_put_away => format!(
                "{} {}",
                pick(&t.means_thanks, 0),
                fill(pick(&t.believed, ctx.turn))
            ),
            Move::Believed => fill(pick(&t.believed, ctx.turn)),
            Move::PanicEased => fill(pick(&t.panic_eased, ctx.turn)),
            Move::Step(step) => {
                let body = match step {
                    Step::Open => return None,
                    Step::Confirm => pick(&t.confirm, ctx.turn),
                    Step::Stay => pick(&t.stay, ctx.turn),
                    Step::Means if d.means => pick(&t.means, ctx.turn),
                    Step::Means => pick(&t.means_general, ctx.turn),
                    Step::Person if ctx.critical => {
                        urged = true;
                        pick(&t.person_emergency, ctx.turn)
                    }
                    Step::Person => pick(&t.person, ctx.turn),
                    Step::Reasons => pick(&t.reasons, ctx.turn),
                    Step::Grounding => pick(&t.grounding, ctx.turn),
                    Step::Plan if ctx.plan_item.is_some() => pick(&t.plan_read, ctx.turn),
                    Step::Plan => {
                        offered_plan = true;
                        pick(&t.plan_offer, ctx.turn)
                    }
                    Step::Still => {
                        let n = d.steps.iter().filter(|s| **s == Step::Still).count();
                        pick(&t.still, n.saturating_sub(1) as u64)
                    }
                    Step::PanicFirst => pick(&t.panic_first, ctx.turn),
                    Step::PanicGround => pick(&t.panic_ground, ctx.turn),
                    Step::PanicExhale => pick(&t.panic_exhale, ctx.turn),
                    Step::PanicBody => pick(&t.panic_body, ctx.turn),
                };
                let mut parts = Vec::new();
                // Distance from the means, just asked for and done: said so.
                let before = d.steps.len().checked_sub(2).and_then(|i| d.steps.get(i));
                if ctx.means_put_away && before == Some(&Step::Means) {
                    parts.push(pick(&t.means_thanks, ctx.turn).to_owned());
                }
                // A different emergency sentence each critical turn, while
                // there are new ones (the number stays in the crisis bar).
                let again = usize::from(d.urged.saturating_sub(1));
                if ctx.critical && !urged && again < t.critical_again.len() {
                    urged = true;
                    parts.push(fill(&t.critical_again[again]));
                }
                parts.push(fill(body));
                parts.join("\n\n")
            }
            Move::Open | Move::CheckIn | Move::Plan | Move::Converse { .. } => return None,
        };
        Some(SafeReply {
            text,
            resources: Vec::new(),
            emergency: (known_country && (urged || matches!(mv, Move::Step(Step::PanicFirst))))
                .then(|| resources.emergency.clone()),
            urged_emergency_services: urged,
            offered_safety_plan: offered_plan,
        })
    }

    /// The gentle check a few messages after a believed safety answer.
    pub fn gentle_check(&self, language: &str, turn: u64) -> String {
        self.texts(language)
            .map(|t| pick(&t.gentle_check, turn).to_owned())
            .unwrap_or_default()
    }
}
