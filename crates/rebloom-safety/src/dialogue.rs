//! The crisis conversation after the first crisis reply, and the panic flow:
//! a small state machine, one step a turn, never the same sentence twice in
//! an episode (`data/dialogue.json`).
//!
//! - The first message that needs the crisis protocol gets the crisis reply
//!   ([`crate::Replies::crisis`]: acknowledge, ask directly, the country's
//!   lines once, a person, staying).
//! - A clear safety answer ("no, I'm safe") is believed: acknowledged once,
//!   the lines stay one tap away, and the conversation goes back to what the
//!   person needs, with a gentle check a few messages later.
//! - A yes, an unclear answer or more risk walks the steps of safety planning
//!   (Stanley & Brown 2012) one at a time: staying with them, distance from
//!   the means (means-safety counselling; first when means were mentioned), a
//!   person now (at `critical`, emergency services), reasons for living,
//!   grounding, and the safety plan (read back when they have one, else
//!   offered; the person can ask for it at any level below `critical`).
//! - A panic attack gets breathing at once, the emergency number once (for
//!   chest pain unlike their usual panic, fainting), then grounding and a
//!   longer breath out, with no suicide lines; it ends when it eases.
//! - A check-in (`moderate`) asks its direct question once; until the person
//!   answers it or says more, the conversation goes on as usual.
//!
//! The state is stored with each companion reply and read back from the
//! session's last one, like [`crate::SessionRisk`] with the person's messages.

use serde::{Deserialize, Serialize};

use crate::assess::{Assessment, Category, Evidence, RiskLevel, plain_no, plain_yes};
use crate::normalize::normalize;
use crate::reply::{ByLanguage, Replies, SafeReply, pick};
use crate::resources::Directory;
use crate::session::{AFFIRMED_RULE, SAFETY_ANSWER_RULE, SessionRisk};

/// Messages of the person after a believed safety answer before the gentle
/// check: the same messages as the assessment's stricter reading after a
/// safety answer ([`crate::session::ANSWER_WINDOW`]).
const GENTLE_CHECK_AFTER: u8 = crate::session::ANSWER_WINDOW as u8;
/// A message longer than this (in words) during the panic flow is the person
/// talking about something: the conversation goes on as usual.
const PANIC_WORDS_MAX: usize = 40;
/// "I'm calmer now, thanks" up to this many words ends the panic flow even
/// when the learned layer alone reads risk in it.
const EASED_WORDS_MAX: usize = 8;
/// The evidence rule that marks a panic attack that has eased.
const EASED_RULE: &str = "context.eased";

/// Which flow an episode is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    Crisis,
    Panic,
}

/// One step of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The crisis reply itself.
    Open,
    /// After a bare no to the crisis reply (which asks more than one
    /// question): the direct question alone, once.
    Confirm,
    Stay,
    Means,
    Person,
    Reasons,
    Grounding,
    Plan,
    /// Staying in the conversation once the steps are done.
    Still,
    PanicFirst,
    PanicGround,
    PanicExhale,
    PanicBody,
}

const PANIC_STEPS: [Step; 4] = [
    Step::PanicFirst,
    Step::PanicGround,
    Step::PanicExhale,
    Step::PanicBody,
];

/// Where the conversation stands, stored with each companion reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dialogue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// The steps given in this episode, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Means were mentioned in this episode (in words the rules know).
    #[serde(default)]
    pub means: bool,
    /// Emergency reminders given in this episode after the crisis reply
    /// (each a different sentence).
    #[serde(default)]
    pub urged: u8,
    /// A check-in was asked and not yet answered.
    #[serde(default)]
    pub checked_in: bool,
    /// Messages of the person before the gentle check after a believed answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_after: Option<u8>,
}

/// The conversation as usual, with no check added.
const CONVERSE: Move = Move::Converse {
    gentle_check: false,
};

/// What to answer the person's message with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The crisis reply ([`crate::Replies::crisis`]).
    Open,
    /// A step of the crisis dialogue or the panic flow.
    Step(Step),
    /// A clear safety answer, believed.
    Believed,
    /// The panic has eased.
    PanicEased,
    /// The check-in ([`crate::Replies::check_in`]).
    CheckIn,
    /// The safety plan, built by the guided engine.
    Plan,
    /// The conversation as usual; `gentle_check` adds the later check after
    /// a believed answer.
    Converse { gentle_check: bool },
}

/// What the person's message says to the dialogue, read once
/// ([`Dialogues::hear`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heard {
    /// The panic attack has eased ("I'm calmer now"), and nothing is negated.
    pub eased: bool,
    /// The means are out of reach now ("I put them away"), nothing negated.
    pub means_put_away: bool,
    /// The whole message is a plain no ("no", "nope", "nein", "não", "لا").
    pub plain_no: bool,
    /// The whole message is a plain yes ("yes", "sim", "kind of", "نعم").
    pub plain_yes: bool,
    pub words: usize,
}

/// What the dialogue needs to know about the person's message.
#[derive(Debug, Clone, Copy)]
pub struct Said<'a> {
    pub assessment: &'a Assessment,
    /// The message asks for (or goes on with) the safety plan.
    pub plan: bool,
    pub heard: Heard,
}

impl Dialogue {
    /// The state after the companion asked the direct question alone
    /// ([`Step::Confirm`]), as the check-in a session opens with after a
    /// questionnaire answer does.
    pub fn asked_directly() -> Dialogue {
        Dialogue {
            flow: Some(Flow::Crisis),
            steps: vec![Step::Confirm],
            ..Dialogue::default()
        }
    }

    /// Whether the companion's last reply asked one question only, the
    /// direct one about thoughts of ending one's life. The crisis reply asks
    /// more (is there someone you trust …?), so a bare "no" after it is asked
    /// about once more ([`Step::Confirm`]).
    fn asked_direct_question(&self) -> bool {
        self.flow == Some(Flow::Crisis) && self.steps.last() == Some(&Step::Confirm)
    }

    /// Reads the person's message as an answer to what the companion last
    /// said: a plain "no" right after the direct question asked alone ("no",
    /// "nope", "nein", "não", "لا") is a clear safety answer, believed like
    /// "I'm not thinking of ending my life" (only there: after "are you
    /// somewhere safe?" or "is there someone you trust?" a no means
    /// otherwise), and a plain yes to the question asked again is a crisis;
    /// "I'm calmer now" during a panic attack
    /// ([`Dialogues::eased`], eight words at most) has eased it, whatever the
    /// learned layer reads. Either only when no rule saw anything in it.
    pub fn read_answer(&self, risk: &SessionRisk, heard: &Heard, a: Assessment) -> Assessment {
        if !rules_silent(&a) {
            return a;
        }
        let direct = self.asked_direct_question() && risk.about_suicide_or_self_harm();
        let (rule, level, category, note) = if direct && heard.plain_no {
            (
                SAFETY_ANSWER_RULE,
                RiskLevel::Low,
                risk.category.unwrap_or(Category::SuicidalIdeation),
                "a plain no to the direct question",
            )
        } else if direct && heard.plain_yes {
            (
                AFFIRMED_RULE,
                RiskLevel::High,
                risk.category.unwrap_or(Category::SuicidalIdeation),
                "a yes to the direct question asked alone",
            )
        } else if self.flow == Some(Flow::Panic) && heard.eased && heard.words <= EASED_WORDS_MAX {
            (
                EASED_RULE,
                RiskLevel::None,
                Category::Panic,
                "the panic attack has eased",
            )
        } else {
            return a;
        };
        Assessment {
            level,
            categories: if level.is_crisis() {
                vec![category]
            } else {
                Vec::new()
            },
            evidence: vec![Evidence {
                rule: rule.to_owned(),
                category,
                level,
                note: Some(note.into()),
            }],
            confidence: a.confidence,
        }
    }

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

/// Whether `phrase` stands in `text` as whole words (a `stem` may go on).
fn has_phrase(text: &str, phrase: &str, stem: bool) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric())
            && (stem || after.is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// Whether no rule saw anything in the message (only the learned layer and
/// the session's context did).
fn rules_silent(a: &Assessment) -> bool {
    a.evidence
        .iter()
        .all(|e| e.rule.starts_with("context.") || e.rule.starts_with("learned."))
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

#[derive(Deserialize)]
struct Texts {
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
    eased: Vec<String>,
    means_thanks: Vec<String>,
    confirm: Vec<String>,
    /// Words that say the means are out of reach now ("I put them away").
    means_done: Vec<String>,
}

const DATA: &str = include_str!("../data/dialogue.json");

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
    /// The message says the means are out of reach now ([`Dialogues::means_put_away`]).
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
    fn languages(&self) -> impl Iterator<Item = &str> {
        self.texts.languages()
    }

    fn texts(&self, language: &str) -> Option<&Texts> {
        self.texts.get(language)
    }

    /// Reads the person's message, in `language` or English, for what the
    /// dialogue needs of it: normalised once.
    pub fn hear(&self, language: &str, text: &str) -> Heard {
        let text = normalize(text);
        // A phrase said with a negation anywhere says nothing: "I don't feel
        // better", "não consigo respirar", "I couldn't put them away".
        let negated = text
            .split(|c: char| !c.is_alphanumeric())
            .any(crate::consent::negation);
        let own = self.texts(language);
        let english = self
            .texts("en")
            .filter(|en| !own.is_some_and(|o| std::ptr::eq(o, *en)));
        let says = |words: fn(&Texts) -> &Vec<String>| {
            !negated
                && own.into_iter().chain(english).flat_map(words).any(|w| {
                    let (phrase, stem) = match w.strip_suffix('*') {
                        Some(p) => (p, true),
                        None => (w.as_str(), false),
                    };
                    has_phrase(&text, phrase, stem)
                })
        };
        Heard {
            eased: says(|t| &t.eased),
            means_put_away: says(|t| &t.means_done),
            plain_no: plain_no(&text),
            plain_yes: plain_yes(&text),
            words: text.split_whitespace().count(),
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::assess::Evidence;
    use crate::session::AFFIRMED_RULE;

    fn assessed(level: RiskLevel, categories: &[Category], rules: &[&str]) -> Assessment {
        Assessment {
            level,
            categories: categories.to_vec(),
            evidence: rules
                .iter()
                .map(|r| Evidence {
                    rule: (*r).to_owned(),
                    category: categories
                        .first()
                        .copied()
                        .unwrap_or(Category::SuicidalIdeation),
                    level,
                    note: None,
                })
                .collect(),
            confidence: 1.0,
        }
    }

    fn said(a: &Assessment) -> Said<'_> {
        Said {
            assessment: a,
            plan: false,
            heard: Heard {
                words: 6,
                ..Heard::default()
            },
        }
    }

    /// `text` as heard in English.
    fn heard(text: &str) -> Heard {
        Dialogues::new().unwrap().hear("en", text)
    }

    const SI: &[Category] = &[Category::SuicidalIdeation];

    /// Runs the person's messages through the dialogue, rendering each step
    /// in `language` for GB, and returns the moves and the texts.
    fn run(language: &str, messages: &[Assessment]) -> (Vec<Move>, Vec<String>) {
        let dialogues = Dialogues::new().unwrap();
        let replies = Replies::new().unwrap();
        let directory = Directory::new().unwrap();
        let mut d = Dialogue::default();
        let mut moves = Vec::new();
        let mut texts = Vec::new();
        for (turn, a) in messages.iter().enumerate() {
            let (mv, next) = d.next(said(a));
            let ctx = StepContext {
                country: Some("GB"),
                language,
                turn: turn as u64,
                critical: a.level == RiskLevel::Critical,
                ..StepContext::default()
            };
            if let Some(reply) = dialogues.reply(mv, &next, &replies, &directory, &ctx) {
                texts.push(reply.text);
            }
            moves.push(mv);
            d = next;
        }
        (moves, texts)
    }

    fn sentences(texts: &[String]) -> Vec<String> {
        texts
            .iter()
            .flat_map(|t| t.split(['.', '?', '!', '\n']))
            .map(|s| s.trim().to_owned())
            .filter(|s| s.len() > 12)
            .collect()
    }

    fn no_repeats(texts: &[String]) {
        let all = sentences(texts);
        let mut seen = std::collections::BTreeSet::new();
        for s in &all {
            assert!(seen.insert(s.clone()), "repeated: {s}");
        }
    }

    #[test]
    fn a_safety_answer_is_believed_and_the_conversation_returns_with_a_gentle_check_later() {
        let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
        let safe = assessed(RiskLevel::Low, SI, &[SAFETY_ANSWER_RULE]);
        let calm = assessed(RiskLevel::None, &[], &[]);
        let (moves, texts) = run(
            "en",
            &[high, safe, calm.clone(), calm.clone(), calm.clone(), calm],
        );
        assert_eq!(
            moves,
            [
                Move::Open,
                Move::Believed,
                Move::Converse {
                    gentle_check: false
                },
                Move::Converse {
                    gentle_check: false
                },
                Move::Converse { gentle_check: true },
                Move::Converse {
                    gentle_check: false
                },
            ]
        );
        assert!(texts[0].contains("believe you"), "{texts:?}");
    }

    #[test]
    fn a_yes_walks_every_step_once_and_never_repeats_a_sentence() {
        let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
        let yes = assessed(RiskLevel::High, SI, &[AFFIRMED_RULE]);
        for language in ["en", "es", "fr", "de", "pt", "it", "nl", "hi", "ar"] {
            let mut messages = vec![high.clone(), yes.clone()];
            messages.extend(std::iter::repeat_n(high.clone(), 9));
            let (moves, texts) = run(language, &messages);
            assert_eq!(
                &moves[..8],
                &[
                    Move::Open,
                    Move::Step(Step::Stay),
                    Move::Step(Step::Person),
                    Move::Step(Step::Means),
                    Move::Step(Step::Reasons),
                    Move::Step(Step::Grounding),
                    Move::Step(Step::Plan),
                    Move::Step(Step::Still),
                ],
                "{language}"
            );
            // Every step and four "still here" replies, each sentence new.
            no_repeats(&texts);
            // The person step names the country's first line.
            assert!(texts[1].contains("116 123"), "{language}: {}", texts[1]);
        }
    }

    #[test]
    fn means_mentioned_come_first_and_a_critical_turn_urges_emergency_help_in_new_words() {
        let means = assessed(RiskLevel::Critical, SI, &["plan.means_have"]);
        let critical = assessed(RiskLevel::Critical, SI, &["si.explicit"]);
        let (moves, texts) = run("en", &[means, critical.clone(), critical.clone(), critical]);
        assert_eq!(
            moves,
            [
                Move::Open,
                Move::Step(Step::Means),
                Move::Step(Step::Stay),
                Move::Step(Step::Person),
            ]
        );
        assert!(texts[0].contains("ou mentioned"), "{}", texts[0]);
        assert!(texts.iter().all(|t| t.contains("999")), "{texts:?}");
        no_repeats(&texts);
    }

    #[test]
    fn panic_gets_breathing_once_with_the_emergency_number_and_no_crisis_lines() {
        let panic = assessed(RiskLevel::Moderate, &[Category::Panic], &["learned.panic"]);
        let calm_down = assessed(RiskLevel::Low, &[], &[]);
        let dialogues = Dialogues::new().unwrap();
        let (moves, texts) = run("en", &[panic.clone(), calm_down.clone(), calm_down.clone()]);
        assert_eq!(
            moves,
            [
                Move::Step(Step::PanicFirst),
                Move::Step(Step::PanicGround),
                Move::Step(Step::PanicExhale),
            ]
        );
        assert!(texts[0].contains("999"));
        assert!(
            texts
                .iter()
                .all(|t| !t.contains("Samaritans") && !t.contains("116 123"))
        );
        assert_eq!(texts.iter().filter(|t| t.contains("999")).count(), 1);
        no_repeats(&texts);
        // It ends when it eases, in the person's language too.
        assert!(dialogues.hear("es", "ya estoy mejor, gracias").eased);
        assert!(dialogues.hear("en", "thanks, I'm ok now").eased);
        assert!(!dialogues.hear("en", "I can't breathe").eased);
        // Never a negated phrase, never part of a word.
        for (language, text) in [
            ("en", "I'm not ok now"),
            ("en", "I don't feel better"),
            ("en", "I wouldn't say I feel better"),
            ("pt", "não consigo respirar"),
            ("it", "non riesco a respirare"),
            ("ar", "لا أستطيع التنفس"),
            ("de", "ich werde immer unruhiger"),
            ("de", "es geht wieder los"),
            ("nl", "dit is overweldigend"),
        ] {
            assert!(!dialogues.hear(language, text).eased, "{language}: {text}");
        }
        assert!(dialogues.hear("pt", "estou mais calma agora").eased);
        assert!(
            dialogues
                .hear("de", "jetzt geht es mir besser, danke")
                .eased
        );
        let (_, d) = Dialogue::default().next(said(&panic));
        let better = dialogues.hear("es", "ya estoy mejor, gracias");
        let (mv, after) = d.next(Said {
            heard: better,
            ..said(&calm_down)
        });
        assert_eq!((mv, after), (Move::PanicEased, Dialogue::default()));
        // "I'm better now" that only the learned layer reads as risk: eased.
        let misread = assessed(RiskLevel::High, SI, &["learned.ideation_passive"]);
        let a = d.read_answer(&SessionRisk::default(), &better, misread.clone());
        assert_eq!(a.level, RiskLevel::None);
        let (mv, _) = d.next(Said {
            heard: better,
            ..said(&a)
        });
        assert_eq!(mv, Move::PanicEased);
        // Outside the panic flow it stays what it was read as.
        assert_eq!(
            Dialogue::default().read_answer(&SessionRisk::default(), &better, misread.clone()),
            misread
        );
        // "It's not an emergency" reads as a safety answer: the panic flow goes on.
        let not_emergency = assessed(RiskLevel::None, &[], &[SAFETY_ANSWER_RULE]);
        let (mv, _) = d.next(said(&not_emergency));
        assert_eq!(mv, Move::Step(Step::PanicGround));
        // Suicide mentioned during panic: the crisis reply.
        let (mv, _) = d.next(said(&assessed(RiskLevel::High, SI, &["si.explicit"])));
        assert_eq!(mv, Move::Open);
    }

    #[test]
    fn a_check_in_is_asked_once_and_the_plan_can_start_below_critical() {
        let moderate = assessed(RiskLevel::Moderate, SI, &["distress.hopeless"]);
        let (moves, _) = run("en", &[moderate.clone(), moderate]);
        assert_eq!(
            moves,
            [
                Move::CheckIn,
                Move::Converse {
                    gentle_check: false
                }
            ]
        );
        let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
        let (open, d) = Dialogue::default().next(said(&high));
        assert_eq!(open, Move::Open);
        let (mv, after) = d.next(Said {
            plan: true,
            ..said(&high)
        });
        assert_eq!(mv, Move::Plan);
        assert!(after.steps.contains(&Step::Plan));
        let critical = assessed(RiskLevel::Critical, SI, &["si.explicit"]);
        let (mv, _) = d.next(Said {
            plan: true,
            ..said(&critical)
        });
        assert_eq!(mv, Move::Step(Step::Stay));
    }

    #[test]
    fn a_plain_no_answers_the_direct_question_only() {
        let high = assessed(RiskLevel::High, SI, &["si.explicit"]);
        let risk = SessionRisk::default().after_assessment(&high);
        let (_, crisis_reply) = Dialogue::default().next(said(&high));
        // The check-in a session opens with asks the direct question alone.
        let opened = Dialogue::asked_directly();
        let carried = assessed(RiskLevel::Moderate, SI, &[crate::session::CARRIED_RULE]);
        // The crisis reply asks more (is there someone you trust?): a no is
        // unclear, and the direct question is asked alone, once; a no to it
        // is believed.
        assert_eq!(
            crisis_reply.read_answer(&risk, &heard("no"), carried.clone()),
            carried
        );
        let (mv, confirming) = crisis_reply.next(Said {
            heard: heard("no"),
            ..said(&carried)
        });
        assert_eq!(mv, Move::Step(Step::Confirm));
        let risk_after_no = risk.clone().after_assessment(&carried);
        let answered = confirming.read_answer(&risk_after_no, &heard("no"), carried.clone());
        assert_eq!(confirming.next(said(&answered)).0, Move::Believed);
        // A yes to it is a crisis.
        let yes = confirming.read_answer(&risk_after_no, &heard("sim"), carried.clone());
        assert_eq!(yes.level, RiskLevel::High);
        assert_eq!(confirming.next(said(&yes)).0, Move::Step(Step::Stay));
        // Asked once: another bare no later walks on.
        let (mv, _) = confirming.next(Said {
            heard: heard("no"),
            ..said(&carried)
        });
        assert_ne!(mv, Move::Step(Step::Confirm));
        for no in [
            "no",
            "Nope.",
            "no, I'm not",
            "nein",
            "não",
            "لا",
            "नहीं",
            "nahi",
        ] {
            let a = opened.read_answer(&risk, &heard(no), carried.clone());
            assert_eq!(a.level, RiskLevel::Low, "{no}");
            assert!(
                a.evidence.iter().any(|e| e.rule == SAFETY_ANSWER_RULE),
                "{no}"
            );
            assert_eq!(opened.next(said(&a)).0, Move::Believed, "{no}");
        }
        // More than a no, or a no to another question, is read as it is.
        for text in ["no, I have the pills here", "not sure"] {
            assert_eq!(
                opened.read_answer(&risk, &heard(text), carried.clone()),
                carried,
                "{text}"
            );
        }
        let (_, stayed) = opened.next(said(&assessed(RiskLevel::High, SI, &[AFFIRMED_RULE])));
        assert_eq!(
            stayed.read_answer(&risk, &heard("no"), carried.clone()),
            carried
        );
        // Rules that saw something in it keep it.
        let means = assessed(RiskLevel::Critical, SI, &["plan.means_have"]);
        assert_eq!(
            opened.read_answer(&risk, &heard("no"), means.clone()),
            means
        );
    }

    #[test]
    fn means_put_out_of_reach_are_acknowledged_right_after_the_means_step() {
        let dialogues = Dialogues::new().unwrap();
        let replies = Replies::new().unwrap();
        let directory = Directory::new().unwrap();
        assert!(
            dialogues
                .hear("en", "ok I put them in my neighbour's flat")
                .means_put_away
        );
        assert!(dialogues.hear("es", "se los di a mi vecina").means_put_away);
        for text in [
            "I put the pills in my mouth",
            "I haven't put them away",
            "I couldn't put them away",
            "I don't want to put them away",
            "my neighbour is away",
            "I took them out of the drawer",
        ] {
            assert!(!dialogues.hear("en", text).means_put_away, "{text}");
        }
        let after_means = Dialogue {
            flow: Some(Flow::Crisis),
            steps: vec![Step::Open, Step::Means, Step::Stay],
            means: true,
            ..Dialogue::default()
        };
        let ctx = StepContext {
            country: Some("GB"),
            language: "en",
            means_put_away: true,
            ..StepContext::default()
        };
        let mv = Move::Step(Step::Stay);
        let r = dialogues
            .reply(mv, &after_means, &replies, &directory, &ctx)
            .unwrap();
        assert!(
            r.text.starts_with("That's a really important step"),
            "{}",
            r.text
        );
        // Said as the safety answer that is believed: thanked for, first.
        let believed = dialogues
            .reply(
                Move::Believed,
                &Dialogue::default(),
                &replies,
                &directory,
                &ctx,
            )
            .unwrap();
        assert!(
            believed.text.starts_with("That's a really important step")
                && believed.text.contains("believe you"),
            "{}",
            believed.text
        );
        // Not when the means step was not the last one.
        let later = Dialogue {
            steps: vec![Step::Open, Step::Means, Step::Stay, Step::Person],
            ..after_means
        };
        let r = dialogues
            .reply(Move::Step(Step::Person), &later, &replies, &directory, &ctx)
            .unwrap();
        assert!(!r.text.contains("important step"), "{}", r.text);
    }

    #[test]
    fn the_plan_step_reads_back_their_own_plan_or_offers_one() {
        let dialogues = Dialogues::new().unwrap();
        let replies = Replies::new().unwrap();
        let directory = Directory::new().unwrap();
        let d = Dialogue {
            flow: Some(Flow::Crisis),
            steps: vec![Step::Open, Step::Plan],
            ..Dialogue::default()
        };
        let ctx = StepContext {
            country: Some("US"),
            language: "en",
            plan_item: Some("a walk with my dog"),
            ..StepContext::default()
        };
        let mv = Move::Step(Step::Plan);
        let read = dialogues.reply(mv, &d, &replies, &directory, &ctx).unwrap();
        assert!(
            read.text.contains("\"a walk with my dog\""),
            "{}",
            read.text
        );
        assert!(!read.offered_safety_plan);
        let none = StepContext {
            plan_item: None,
            ..ctx
        };
        let offer = dialogues
            .reply(mv, &d, &replies, &directory, &none)
            .unwrap();
        assert!(
            offer.offered_safety_plan && offer.text.contains("safety plan"),
            "{}",
            offer.text
        );
    }

    #[test]
    fn every_language_has_every_text_with_its_placeholders() {
        let raw: std::collections::BTreeMap<String, serde_json::Value> =
            serde_json::from_str(DATA).unwrap();
        let en = raw["en"].as_object().unwrap();
        let dialogues = Dialogues::new().unwrap();
        let languages: Vec<&str> = dialogues.languages().collect();
        assert_eq!(
            languages,
            ["ar", "de", "en", "es", "fr", "hi", "it", "nl", "pt"]
        );
        for language in languages {
            let texts = raw[language].as_object().unwrap();
            for (key, english) in en {
                let (english, theirs) =
                    (english.as_array().unwrap(), texts[key].as_array().unwrap());
                if key == "eased" || key == "means_done" {
                    assert!(!theirs.is_empty(), "{language}");
                    continue;
                }
                assert_eq!(english.len(), theirs.len(), "{language}.{key}");
                for (e, t) in english.iter().zip(theirs) {
                    for p in ["{emergency}", "{line}", "{item}"] {
                        assert_eq!(
                            e.as_str().unwrap().contains(p),
                            t.as_str().unwrap().contains(p),
                            "{language}.{key}: {p}"
                        );
                    }
                }
            }
        }
    }
}
