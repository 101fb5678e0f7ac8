//! What is worth remembering in a message, found by rules (deterministic, no
//! model): people in the person's life, their goals, recurring stressors and
//! what has helped them. Each candidate is written the way the person will see
//! it on their memories page ("Your sister Anna", "You want to sleep better").
//!
//! Nothing is taken from a message assessed at any risk, and no candidate
//! that names a method or means, or a third party's health, sexuality, beliefs
//! or legal matters, is kept (see [`Extractor::extract`]).

use rebloom_safety::{RiskLevel, Safety};
use regex::Regex;

mod words;
use words::{
    DISTRESS, GENERIC_GOALS, MEANS, NOT_NAMES, RELATIONS_DE, RELATIONS_EN, RELATIONS_ES,
    RELATIONS_FR, SENSITIVE, STRESSORS,
};

/// What kind of thing a memory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Goal,
    Stressor,
    Coping,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Goal => "goal",
            Kind::Stressor => "stressor",
            Kind::Coping => "coping",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    /// As shown to the person.
    pub content: String,
}

/// The same memory, however it was phrased: lower-case letters and digits.
pub fn memory_key(content: &str) -> String {
    content
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct Extractor {
    person: [Regex; 4],
    goal: Regex,
    coping: [Regex; 3],
    /// "Do you remember what I told you about my sister?": a question about
    /// what is remembered, not something new to remember.
    recall: Regex,
}

/// Whether `text` (lower-case) holds any of `words` as a whole word or phrase.
fn has_word(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        text.match_indices(w).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + w.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Turns a first-person clause into the second person ("my sleep" → "your sleep").
fn second_person(clause: &str) -> String {
    clause
        .split_whitespace()
        .map(|w| {
            let (core, tail) = w.split_at(w.trim_end_matches(|c: char| !c.is_alphanumeric()).len());
            let swapped = match core.to_lowercase().as_str() {
                "i" => "you",
                "me" => "you",
                "my" => "your",
                "mine" => "yours",
                "myself" => "yourself",
                "i'm" => "you're",
                "am" => "are",
                "i've" => "you've",
                "i'd" => "you'd",
                "i'll" => "you'll",
                _ => core,
            };
            format!("{swapped}{tail}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The clause up to the end of its sentence or a joining word, at most 12 words.
fn clause(rest: &str) -> Option<String> {
    let end = rest
        .find(['.', '!', '?', ';', ',', '\n', '(', ':'])
        .unwrap_or(rest.len());
    let mut words: Vec<&str> = Vec::new();
    for w in rest[..end].split_whitespace() {
        if [
            "but", "because", "though", "although", "and then", "so", "since", "unless",
        ]
        .contains(&w.to_lowercase().as_str())
        {
            break;
        }
        words.push(w);
        if words.len() == 12 {
            break;
        }
    }
    (words.len() >= 2 || words.first().is_some_and(|w| w.len() > 4)).then(|| words.join(" "))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn lang_index(language: &str) -> usize {
    match language.split('-').next().unwrap_or("en") {
        "es" => 1,
        "fr" => 2,
        "de" => 3,
        _ => 0,
    }
}

impl Extractor {
    pub fn new() -> Result<Extractor, regex::Error> {
        let name = r"(?:,\s*)?(?:(?:called|named|llamad[oa]|appelée?|namens)\s+)?(?P<name>\p{Lu}[\p{L}'-]{1,20})?";
        let person = |possessive: &str, relations: &str| {
            Regex::new(&format!(
                r"(?i:\b(?P<poss>{possessive})\s+(?P<rel>{relations})\b)(?:\s*{name})?"
            ))
        };
        Ok(Extractor {
            person: [
                person("my", RELATIONS_EN)?,
                person("mi|mis", RELATIONS_ES)?,
                person("ma|mon|mes", RELATIONS_FR)?,
                person("meine|mein|meinen|meiner|meinem", RELATIONS_DE)?,
            ],
            goal: Regex::new(
                r"(?i)\b(?:i\s+(?:really\s+)?want\s+to|i'd\s+(?:really\s+)?like\s+to|i\s+would\s+(?:really\s+)?like\s+to|my\s+goal\s+is\s+to|i'm\s+trying\s+to|i\s+am\s+trying\s+to|i\s+hope\s+to|i\s+plan\s+to|i'm\s+working\s+on)\s+(?P<rest>[^.!?\n]+)",
            )?,
            recall: Regex::new(
                r"(?i)\b(?:do\s+you\s+remember|you\s+remember\s+(?:what|when|how|my|me)|remember\s+what\s+i\s+(?:told|said)|did\s+i\s+(?:tell|mention)|(?:te\s+)?(?:acuerdas|recuerdas)|tu\s+te\s+souviens|te\s+souviens|erinnerst\s+du)\b",
            )?,
            coping: [
                Regex::new(
                    r"(?i)\b(?P<what>(?:going|taking|talking|listening|writing|reading|playing|doing|being|having|calling|walking|running|swimming|cooking|painting|drawing|meditating|breathing|journaling|journalling|yoga|music|exercise|walks?|a\s+walk|a\s+bath|a\s+run)[^.!?\n,]{0,60}?)\s+(?:really\s+|always\s+|usually\s+|sometimes\s+)?(?:helps|helped|calms\s+me|calmed\s+me|makes\s+me\s+feel\s+better|made\s+me\s+feel\s+better)\b",
                )?,
                Regex::new(
                    r"(?i)\b(?:it|that|what)\s+(?:really\s+)?help(?:s|ed)\s+(?:me\s+)?(?:to\s+|when\s+i\s+)?(?P<what>[^.!?\n,]{3,60})",
                )?,
                Regex::new(
                    r"(?i)\bi\s+(?:felt|feel)\s+(?:a\s+(?:bit|lot)\s+)?better\s+after\s+(?P<what>[^.!?\n,]{3,60})",
                )?,
            ],
        })
    }

    /// What to remember from a person's message. Nothing when the message was
    /// assessed at any risk: a crisis is not a memory to greet someone with.
    pub fn extract(
        &self,
        safety: &Safety,
        text: &str,
        language: &str,
        risk: RiskLevel,
    ) -> Vec<Candidate> {
        if risk > RiskLevel::Low || self.recall.is_match(text) {
            return Vec::new();
        }
        let lower = text.to_lowercase();
        let mut out: Vec<Candidate> = Vec::new();
        let lang = lang_index(language);
        for (i, re) in self.person.iter().enumerate() {
            for c in re.captures_iter(text) {
                let (Some(poss), Some(rel)) = (c.name("poss"), c.name("rel")) else {
                    continue;
                };
                let name = c
                    .name("name")
                    .map(|n| n.as_str().trim_end_matches("'s").trim_end_matches('\''))
                    .filter(|n| !NOT_NAMES.contains(n));
                let yours = match (i, poss.as_str().to_lowercase().as_str()) {
                    (0, _) => "Your".to_owned(),
                    (1, "mis") => "Tus".to_owned(),
                    (1, _) => "Tu".to_owned(),
                    (2, "mon") => "Ton".to_owned(),
                    (2, "mes") => "Tes".to_owned(),
                    (2, _) => "Ta".to_owned(),
                    (_, p) => capitalise(&p.replacen("mein", "dein", 1)),
                };
                let relation = if i == 3 {
                    capitalise(rel.as_str())
                } else {
                    rel.as_str().to_lowercase()
                };
                let content = match name {
                    Some(n) => format!("{yours} {relation} {n}"),
                    None => format!("{yours} {relation}"),
                };
                out.push(Candidate {
                    kind: Kind::Person,
                    content,
                });
            }
        }
        if lang == 0 {
            for c in self.goal.captures_iter(text) {
                let Some(rest) = c.name("rest").and_then(|r| clause(r.as_str())) else {
                    continue;
                };
                let first = rest.split_whitespace().next().unwrap_or("").to_lowercase();
                if GENERIC_GOALS.contains(&first.as_str())
                    || GENERIC_GOALS.contains(&rest.to_lowercase().as_str())
                {
                    continue;
                }
                out.push(Candidate {
                    kind: Kind::Goal,
                    content: format!("You want to {}", second_person(&rest)),
                });
            }
            for re in &self.coping {
                for c in re.captures_iter(text) {
                    let Some(what) = c.name("what").and_then(|w| clause(w.as_str())) else {
                        continue;
                    };
                    out.push(Candidate {
                        kind: Kind::Coping,
                        content: format!("{} helps you", capitalise(&second_person(&what))),
                    });
                }
            }
        }
        if has_word(&lower, DISTRESS) {
            for s in STRESSORS {
                if has_word(&lower, s.words) {
                    out.push(Candidate {
                        kind: Kind::Stressor,
                        content: s.label[lang].to_owned(),
                    });
                }
            }
        }
        let third_party_sensitive =
            self.person.iter().any(|re| re.is_match(text)) && has_word(&lower, SENSITIVE);
        out.retain(|c| {
            let l = c.content.to_lowercase();
            if has_word(&l, MEANS) {
                return false;
            }
            // A goal or a coping note about someone else's sensitive matters is theirs.
            if third_party_sensitive && matches!(c.kind, Kind::Goal | Kind::Coping) {
                return false;
            }
            if has_word(&l, SENSITIVE) {
                return false;
            }
            let a = safety.assessor.assess(&[], &c.content);
            a.level <= RiskLevel::Low && a.categories.is_empty()
        });
        let mut seen = std::collections::HashSet::new();
        out.retain(|c| seen.insert(memory_key(&c.content)));
        out
    }
}

/// Whether a memory touches a topic the person asked never to be remembered.
pub fn blocked(content: &str, source: &str, never: &[String]) -> bool {
    let content = content.to_lowercase();
    let source = source.to_lowercase();
    never.iter().any(|topic| {
        let t = topic.trim().to_lowercase();
        !t.is_empty() && (has_word(&content, &[t.as_str()]) || has_word(&source, &[t.as_str()]))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn asking_what_is_remembered_remembers_nothing_new() {
        for (text, lang) in [
            ("do you remember what I told you about my sister?", "en"),
            ("Remember what I said about my boss Mark?", "en"),
            ("¿te acuerdas de lo que te conté de mi hermana?", "es"),
            ("Erinnerst du dich an meine Schwester?", "de"),
        ] {
            assert!(run(text, lang).is_empty(), "{text}");
        }
        assert!(!run("my sister Anna is visiting", "en").is_empty());
    }

    fn run(text: &str, language: &str) -> Vec<(Kind, String)> {
        let safety = Safety::new().unwrap();
        Extractor::new()
            .unwrap()
            .extract(&safety, text, language, RiskLevel::None)
            .into_iter()
            .map(|c| (c.kind, c.content))
            .collect()
    }

    #[test]
    fn people_goals_stressors_and_what_helped() {
        let got = run(
            "My sister Anna is visiting next week. I'm really stressed about my exams, but going for a walk helps. I want to sleep better before my finals.",
            "en",
        );
        assert!(
            got.contains(&(Kind::Person, "Your sister Anna".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&(Kind::Stressor, "Pressure from exams and studies".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&(Kind::Coping, "Going for a walk helps you".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                Kind::Goal,
                "You want to sleep better before your finals".into()
            )),
            "{got:?}"
        );
    }

    #[test]
    fn names_and_bare_relations() {
        assert_eq!(
            run("I had dinner with my boss, Mark.", "en"),
            vec![(Kind::Person, "Your boss Mark".into())]
        );
        assert_eq!(
            run("My best friend is moving away", "en"),
            vec![(Kind::Person, "Your best friend".into())]
        );
        assert_eq!(
            run("my dog Biscuit's walk", "en"),
            vec![(Kind::Person, "Your dog Biscuit".into())]
        );
        assert!(
            run("My brother And I argued", "en").contains(&(Kind::Person, "Your brother".into()))
        );
    }

    #[test]
    fn other_languages() {
        assert!(
            run("Mi hermana Lucía me llamó", "es")
                .contains(&(Kind::Person, "Tu hermana Lucía".into()))
        );
        assert!(
            run("Ma sœur Claire est venue", "fr")
                .contains(&(Kind::Person, "Ta sœur Claire".into()))
        );
        assert!(
            run("Meine Schwester Anna hat angerufen", "de")
                .contains(&(Kind::Person, "Deine Schwester Anna".into()))
        );
        assert!(
            run("Estoy agobiada por el trabajo", "es")
                .contains(&(Kind::Stressor, "El estrés del trabajo".into()))
        );
    }

    #[test]
    fn nothing_from_risk_means_or_third_parties_health() {
        let safety = Safety::new().unwrap();
        let ex = Extractor::new().unwrap();
        assert!(
            ex.extract(&safety, "My sister Anna is here", "en", RiskLevel::Moderate)
                .is_empty()
        );
        let got = run("Taking the pills helps me sleep", "en");
        assert!(got.iter().all(|(k, _)| *k != Kind::Coping), "{got:?}");
        let got = run("I want to jump off a bridge", "en");
        assert!(got.is_empty(), "{got:?}");
        let got = run(
            "My brother Tom was diagnosed with bipolar disorder and I want to support his medication routine",
            "en",
        );
        assert_eq!(got, vec![(Kind::Person, "Your brother Tom".into())]);
    }

    #[test]
    fn generic_goals_and_calm_mentions_are_not_kept() {
        assert!(run("I want to talk about something", "en").is_empty());
        assert!(
            run("Work was fine today", "en").is_empty(),
            "no stressor without distress"
        );
    }

    #[test]
    fn never_remember_topics() {
        let never = vec!["Anna".to_owned(), "my ex".to_owned()];
        assert!(blocked("Your sister Anna", "", &never));
        assert!(blocked(
            "Relationship difficulties",
            "I miss my ex so much",
            &never
        ));
        assert!(!blocked("Your sister Annabel", "my sister Annabel", &never));
    }
}
