//! Safe-messaging replies for crisis and check-in turns (`data/replies.json`):
//! acknowledge, ask directly, the person's own country's resources once,
//! a trusted person and professional help, stay in the conversation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::assess::{Assessment, Category, RiskLevel};
use crate::resources::{Directory, Line, Topic};

#[derive(Deserialize)]
struct Texts {
    acknowledge: Vec<String>,
    ask: BTreeMap<String, Vec<String>>,
    critical: String,
    resources_intro: String,
    resources_third_party: String,
    emergency_line: String,
    /// "your local emergency number", fitting where `{emergency}` goes: for a
    /// country without a listed number.
    local_emergency: String,
    ways: Ways,
    resources_again: String,
    human_support: Vec<String>,
    stay: Vec<String>,
    safety_plan_offer: String,
    check_in: BTreeMap<String, Vec<String>>,
    contact_offer: String,
    contact_sent: String,
    contact_recent: String,
    contact_failed: String,
}

/// How to reach a line, in a language (`{n}` a number, `{w}` the word to send).
#[derive(Deserialize)]
struct Ways {
    call: String,
    text: String,
    text_word: String,
    call_or_text: String,
    whatsapp: String,
    /// The menu option to choose once through (`{o}`).
    option: String,
    or: String,
}

impl Ways {
    /// The resources data's English contact ("call 116 123 or text 85258",
    /// "text SHOUT to 85258", "call or text 988", "call 079, option 1") in
    /// these words; a part of
    /// another form (a web address, a second number) stays as written.
    fn reach(&self, contact: &str) -> String {
        if let Some((how, o)) = contact.rsplit_once(", option ") {
            return format!("{}, {}", self.reach(how), self.option.replace("{o}", o));
        }
        if let Some(n) = contact.strip_prefix("call or text ") {
            return self.call_or_text.replace("{n}", n);
        }
        contact
            .split(" or ")
            .map(|part| {
                if let Some(n) = part.strip_prefix("call ") {
                    self.call.replace("{n}", n)
                } else if let Some(rest) = part.strip_prefix("text ") {
                    match rest.split_once(" to ") {
                        Some((word, n)) => self.text_word.replace("{w}", word).replace("{n}", n),
                        None => self.text.replace("{n}", rest),
                    }
                } else if let Some(n) = part.strip_prefix("WhatsApp ") {
                    self.whatsapp.replace("{n}", n)
                } else {
                    part.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(&format!(" {} ", self.or))
    }
}

/// What the companion says about the person's trusted contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactText {
    /// At `critical`: offers to message them (only if the person asks).
    Offer,
    /// The person asked, and the message is on its way.
    Sent,
    /// They were told a little while ago already.
    Recent,
    /// It could not be sent.
    Failed,
}

const DATA: &str = include_str!("../data/replies.json");

/// What the reply should know about the person and the conversation.
#[derive(Debug, Clone, Default)]
pub struct ReplyContext<'a> {
    /// ISO 3166-1 alpha-2.
    pub country: Option<&'a str>,
    pub language: &'a str,
    /// Resources were already given in this conversation: mention them, do not repeat the list.
    pub resources_given: bool,
    /// Varies the wording from turn to turn.
    pub turn: u64,
}

/// A templated safe reply and what it contains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafeReply {
    pub text: String,
    /// The lines listed in this reply (empty when only referred to).
    pub resources: Vec<Line>,
    pub emergency: Option<String>,
    pub urged_emergency_services: bool,
    pub offered_safety_plan: bool,
}

pub struct Replies {
    texts: ByLanguage<Texts>,
}

/// Texts written in several languages (`{"_about": …, "en": {…}, "es": {…}}`).
pub(crate) struct ByLanguage<T>(BTreeMap<String, T>);

impl<T: serde::de::DeserializeOwned> ByLanguage<T> {
    pub(crate) fn parse(data: &str) -> Result<ByLanguage<T>, serde_json::Error> {
        let mut texts: BTreeMap<String, serde_json::Value> = serde_json::from_str(data)?;
        texts.remove("_about");
        texts
            .into_iter()
            .map(|(k, v)| Ok((k, serde_json::from_value(v)?)))
            .collect::<Result<_, serde_json::Error>>()
            .map(ByLanguage)
    }

    /// Changes the texts of every language.
    pub(crate) fn each_mut(&mut self, f: impl FnMut(&mut T)) {
        self.0.values_mut().for_each(f);
    }

    /// The languages written (ISO 639-1).
    pub(crate) fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The texts in `language` (a tag's base language), else in English.
    pub(crate) fn get(&self, language: &str) -> Option<&T> {
        let base = language.split('-').next().unwrap_or("en");
        self.0.get(base).or_else(|| self.0.get("en"))
    }
}

/// One of `options`, varied by `turn`.
pub(crate) fn pick(options: &[String], turn: u64) -> &str {
    if options.is_empty() {
        return "";
    }
    &options[(turn % options.len() as u64) as usize]
}

impl Replies {
    pub fn new() -> Result<Replies, serde_json::Error> {
        Ok(Replies {
            texts: ByLanguage::parse(DATA)?,
        })
    }

    /// The languages the replies are written in (ISO 639-1).
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.texts.languages()
    }

    fn texts(&self, language: &str) -> Option<&Texts> {
        self.texts.get(language)
    }

    /// The reply to a `high` or `critical` assessment.
    pub fn crisis(
        &self,
        a: &Assessment,
        directory: &Directory,
        ctx: &ReplyContext<'_>,
    ) -> SafeReply {
        let Some(t) = self.texts(ctx.language) else {
            return SafeReply::empty();
        };
        let (resources, known_country) = directory.for_country(ctx.country);
        let emergency = self.emergency(ctx.language, directory, ctx.country);
        let main = main_category(a);
        let vulnerable = about_exploitation(a);
        let ask_key = if vulnerable && main == Category::HarmFromOthers {
            "harm_from_others_vulnerable"
        } else {
            category_key(main)
        };
        let mut parts: Vec<String> = vec![pick(&t.acknowledge, ctx.turn).to_owned()];
        let critical = a.level == RiskLevel::Critical;
        if critical {
            parts.push(t.critical.replace("{emergency}", &emergency));
        }
        if let Some(ask) = t
            .ask
            .get(ask_key)
            .or_else(|| t.ask.get(category_key(main)))
            .or_else(|| t.ask.get("suicidal_ideation"))
        {
            parts.push(pick(ask, ctx.turn).to_owned());
        }
        let mut listed = Vec::new();
        if ctx.resources_given && !critical {
            parts.push(t.resources_again.clone());
        } else {
            let intro = if main == Category::ThirdPartyRisk
                || (vulnerable && main == Category::HarmFromOthers)
            {
                &t.resources_third_party
            } else {
                &t.resources_intro
            };
            let mut block = intro.clone();
            // Abuse or a child at risk: those lines first. Not for a vulnerable
            // adult being exploited (no verified lines for that yet).
            let topics: &[Topic] = if main == Category::HarmFromOthers && !vulnerable {
                &[Topic::DomesticViolence, Topic::ChildProtection]
            } else {
                &[]
            };
            for line in resources.lines_for(topics) {
                block.push_str(&format!(
                    "\n- {}: {}",
                    line.name,
                    t.ways.reach(&line.contact)
                ));
                if !line.hours.is_empty() {
                    block.push_str(&format!(" ({})", line.hours));
                }
                listed.push(line.clone());
            }
            if !critical {
                block.push_str(&format!(
                    "\n{}",
                    t.emergency_line.replace("{emergency}", &emergency)
                ));
            }
            parts.push(block);
        }
        parts.push(pick(&t.human_support, ctx.turn).to_owned());
        parts.push(pick(&t.stay, ctx.turn).to_owned());
        let offer_plan = matches!(
            main,
            Category::SuicidalIdeation | Category::SelfHarm | Category::EatingDisorder
        );
        if offer_plan {
            parts.push(t.safety_plan_offer.clone());
        }
        SafeReply {
            text: parts.join("\n\n"),
            resources: listed,
            // Only a real number; the international text is no number to dial.
            emergency: known_country.then(|| resources.emergency.clone()),
            urged_emergency_services: critical,
            offered_safety_plan: offer_plan,
        }
    }

    /// The emergency number to name in a sentence in `language`: the country's,
    /// else "your local emergency number" in that language.
    pub fn emergency(
        &self,
        language: &str,
        directory: &Directory,
        country: Option<&str>,
    ) -> String {
        match directory.for_country(country) {
            (r, true) => r.emergency.clone(),
            (r, false) => self
                .texts(language)
                .map_or_else(|| r.emergency.clone(), |t| t.local_emergency.clone()),
        }
    }

    /// How to reach a line with this `contact` (the resources data's English
    /// "call 116 123", "text SHOUT to 85258"), in `language`.
    pub fn reach(&self, language: &str, contact: &str) -> String {
        self.texts(language)
            .map_or_else(|| contact.to_owned(), |t| t.ways.reach(contact))
    }

    /// The companion's opening after a questionnaire answer about thoughts of
    /// death or self-harm: acknowledged, then asked directly (the lines came
    /// with the answer).
    pub fn check_in_opening(&self, language: &str) -> String {
        let Some(t) = self.texts(language) else {
            return String::new();
        };
        let ask = t
            .ask
            .get("suicidal_ideation")
            .map(|a| pick(a, 0))
            .unwrap_or_default();
        format!("{}\n\n{ask}", pick(&t.acknowledge, 0))
    }

    /// A sentence about the trusted contact called `name`.
    pub fn contact(&self, language: &str, which: ContactText, name: &str) -> String {
        let Some(t) = self.texts(language) else {
            return String::new();
        };
        let template = match which {
            ContactText::Offer => &t.contact_offer,
            ContactText::Sent => &t.contact_sent,
            ContactText::Recent => &t.contact_recent,
            ContactText::Failed => &t.contact_failed,
        };
        template.replace("{name}", name)
    }

    /// The gentle, direct check-in for a `moderate` assessment (gray zones): no hotline list.
    pub fn check_in(&self, a: &Assessment, ctx: &ReplyContext<'_>) -> SafeReply {
        let Some(t) = self.texts(ctx.language) else {
            return SafeReply::empty();
        };
        let key = if a.categories.contains(&Category::PsychosisOrMania) {
            "psychosis_or_mania"
        } else if a
            .evidence
            .iter()
            .any(|e| e.note.as_deref() == Some("humour marker"))
        {
            "humour"
        } else if a.evidence.iter().any(|e| e.rule.starts_with("masked.")) {
            "masked"
        } else {
            // Someone else's emergency, or harm from others: a check-in about
            // that, not about suicide.
            match main_category(a) {
                Category::HarmFromOthers if about_exploitation(a) => "harm_from_others_vulnerable",
                c @ (Category::HarmFromOthers
                | Category::MedicalEmergency
                | Category::ThirdPartyRisk
                | Category::HarmToOthers) => category_key(c),
                _ => "default",
            }
        };
        let options = t.check_in.get(key).or_else(|| t.check_in.get("default"));
        SafeReply {
            text: options
                .map(|o| pick(o, ctx.turn).to_owned())
                .unwrap_or_default(),
            resources: Vec::new(),
            emergency: None,
            urged_emergency_services: false,
            offered_safety_plan: false,
        }
    }
}

impl SafeReply {
    fn empty() -> SafeReply {
        SafeReply {
            text: String::new(),
            resources: Vec::new(),
            emergency: None,
            urged_emergency_services: false,
            offered_safety_plan: false,
        }
    }
}

/// Whether the concern is a vulnerable person being exploited by someone
/// (the signs themselves, or risk persisting from them).
fn about_exploitation(a: &Assessment) -> bool {
    a.evidence.iter().any(|e| {
        e.category == Category::HarmFromOthers
            && (e.rule.starts_with("exploit.")
                || e.rule.starts_with("group.exploitation")
                || e.note
                    .as_deref()
                    .is_some_and(|n| n.contains("(exploit.") || n.contains("(group.exploitation")))
    })
}

/// The category the reply leads with: immediate danger first.
fn main_category(a: &Assessment) -> Category {
    const ORDER: [Category; 9] = [
        Category::MedicalEmergency,
        Category::SuicidalIdeation,
        Category::SelfHarm,
        Category::HarmFromOthers,
        Category::HarmToOthers,
        Category::ThirdPartyRisk,
        Category::PsychosisOrMania,
        Category::EatingDisorder,
        Category::Panic,
    ];
    ORDER
        .into_iter()
        .find(|c| a.categories.contains(c))
        .unwrap_or(Category::SuicidalIdeation)
}

fn category_key(c: Category) -> &'static str {
    match c {
        Category::SuicidalIdeation => "suicidal_ideation",
        Category::SelfHarm => "self_harm",
        Category::ThirdPartyRisk => "third_party_risk",
        Category::HarmToOthers => "harm_to_others",
        Category::HarmFromOthers => "harm_from_others",
        Category::MedicalEmergency => "medical_emergency",
        Category::PsychosisOrMania => "psychosis_or_mania",
        Category::EatingDisorder => "eating_disorder",
        Category::Panic => "panic",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_line_is_reached_in_the_reply_language_words() {
        let replies = Replies::new().unwrap();
        let directory = Directory::new().unwrap();
        let contacts: Vec<String> = directory
            .countries()
            .flat_map(|c| directory.for_country(Some(c)).0.lines.clone())
            .map(|l| l.contact)
            .collect();
        assert!(contacts.len() > 60, "{}", contacts.len());
        for language in replies.languages() {
            for contact in &contacts {
                let said = replies.reach(language, contact);
                // Every number is still there, in order.
                let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
                assert_eq!(
                    digits(&said),
                    digits(contact),
                    "{language}: {contact} → {said}"
                );
                if language == "en" {
                    assert_eq!(&said, contact);
                } else {
                    // "option" is French too.
                    let english_words: &[&str] = if language == "fr" {
                        &["call", "text", "or", "to"]
                    } else {
                        &["call", "text", "or", "to", "option"]
                    };
                    let english = said.split_whitespace().any(|w| english_words.contains(&w));
                    assert!(!english, "{language}: {contact} → {said}");
                }
            }
        }
        assert_eq!(
            replies.reach("es", "text HOME to 741741"),
            "envía HOME por SMS al 741741"
        );
        assert_eq!(
            replies.reach("es", "call 079, option 1"),
            "llama al 079, opción 1"
        );
        assert_eq!(
            replies.reach("de", "call or text 988"),
            "ruf an oder schreib eine SMS an 988"
        );
    }
}
