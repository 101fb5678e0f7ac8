//! Hearing the person's message: what it says to the dialogue ([`Heard`],
//! read once by [`Dialogues::hear`]), and reading it as an answer to what
//! the companion last asked ([`Dialogue::read_answer`]).

use crate::assess::{Assessment, Category, Evidence, RiskLevel, plain_no, plain_yes};
use crate::normalize::normalize;
use crate::session::{AFFIRMED_RULE, SAFETY_ANSWER_RULE, SessionRisk};

use super::replies::{Dialogues, Texts};
use super::{Dialogue, Flow, Step};

/// "I'm calmer now, thanks" up to this many words ends the panic flow even
/// when the learned layer alone reads risk in it.
const EASED_WORDS_MAX: usize = 8;
/// The evidence rule that marks a panic attack that has eased.
const EASED_RULE: &str = "context.eased";

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
    /// ([`Heard::eased`], eight words at most) has eased it, whatever the
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
pub(super) fn rules_silent(a: &Assessment) -> bool {
    a.evidence
        .iter()
        .all(|e| e.rule.starts_with("context.") || e.rule.starts_with("learned."))
}

impl Dialogues {
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
}
