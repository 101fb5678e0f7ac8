//! Which language to answer in: the person's message, when it clearly is in
//! one of the languages the replies speak; else their recent messages in the
//! conversation; else their profile.
//!
//! lingua (high-accuracy n-gram models for the reply languages, built into the
//! binary) decides when it is sure ([`SURE`]); when it is only fairly sure
//! ([`FAIRLY_SURE`]), whatlang (trigrams) must name the same language.
//! Measured on the corpus's train and dev authors (9,753 messages in 9
//! languages): a language named for 85% of them, and never a wrong one apart
//! from English for 13 romanised Hindi messages; the rest keep the
//! conversation's or the profile's language.
//! Hindi written in Latin letters is no language either detector knows: it is
//! recognised by its function words and left to the profile's language.

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

/// The languages the detectors choose among, with their codes.
const LANGUAGES: [(Language, whatlang::Lang, &str); 9] = [
    (Language::English, whatlang::Lang::Eng, "en"),
    (Language::Spanish, whatlang::Lang::Spa, "es"),
    (Language::French, whatlang::Lang::Fra, "fr"),
    (Language::German, whatlang::Lang::Deu, "de"),
    (Language::Portuguese, whatlang::Lang::Por, "pt"),
    (Language::Italian, whatlang::Lang::Ita, "it"),
    (Language::Dutch, whatlang::Lang::Nld, "nl"),
    (Language::Hindi, whatlang::Lang::Hin, "hi"),
    (Language::Arabic, whatlang::Lang::Ara, "ar"),
];

/// The English name of a reply language ("es" is "Spanish"), for a model's
/// instructions; `None` for a code the replies do not speak.
pub fn name(code: &str) -> Option<String> {
    let base = code.split(['-', '_']).next().unwrap_or(code);
    LANGUAGES
        .iter()
        .find(|(_, _, c)| c.eq_ignore_ascii_case(base))
        .map(|(language, _, _)| language.to_string())
}

/// Lingua's confidence that names a language on its own.
pub const SURE: f64 = 0.8;

/// Lingua's confidence that names a language when whatlang agrees.
pub const FAIRLY_SURE: f64 = 0.5;

/// With fewer letters than this, a message says too little about its
/// language ("ok", "sí", "merci").
const MIN_LETTERS: usize = 10;

/// Common Hindi words as written in Latin letters; two of them mark a message
/// as romanised Hindi.
const ROMAN_HINDI: &[&str] = &[
    "hai", "hain", "nahi", "nahin", "nhi", "mujhe", "mera", "meri", "mere", "kya", "kuch", "raha",
    "rahi", "rahe", "hoon", "hun", "yaar", "bahut", "karna", "kyun", "kyu", "apna", "apni", "bhi",
    "toh", "tha", "thi", "ko", "ki", "ka", "ke", "aur", "gaya", "gayi", "koi", "sab",
];

pub struct Detector {
    lingua: LanguageDetector,
    whatlang: whatlang::Detector,
}

impl Default for Detector {
    fn default() -> Detector {
        Detector::new()
    }
}

impl Detector {
    pub fn new() -> Detector {
        let languages: Vec<Language> = LANGUAGES.iter().map(|(l, _, _)| *l).collect();
        Detector {
            lingua: LanguageDetectorBuilder::from_languages(&languages)
                .with_preloaded_language_models()
                .build(),
            whatlang: whatlang::Detector::with_allowlist(
                LANGUAGES.iter().map(|(_, w, _)| *w).collect(),
            ),
        }
    }

    /// The languages it can name (ISO 639-1): the ones the replies speak.
    pub fn languages(&self) -> impl Iterator<Item = &'static str> {
        LANGUAGES.iter().map(|(_, _, code)| *code)
    }

    /// The language `text` is clearly written in (ISO 639-1), if any.
    pub fn detect(&self, text: &str) -> Option<&'static str> {
        if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS || romanised_hindi(text)
        {
            return None;
        }
        let (language, confidence) = self
            .lingua
            .compute_language_confidence_values(text)
            .into_iter()
            .next()?;
        let (_, seconded, code) = LANGUAGES.iter().find(|(l, _, _)| *l == language)?;
        let sure = confidence >= SURE
            || (confidence >= FAIRLY_SURE && self.whatlang.detect_lang(text) == Some(*seconded));
        sure.then_some(*code)
    }

    /// The language to answer `text` in: its own, else that of the person's
    /// `earlier` messages in the conversation (most recent first, read
    /// together), else `profile`'s.
    pub fn reply_language(&self, profile: &str, text: &str, earlier: &[&str]) -> String {
        if let Some(l) = self.detect(text) {
            return l.to_owned();
        }
        let mut together = text.to_owned();
        for e in earlier {
            together.push('\n');
            together.push_str(e);
            if let Some(l) = self.detect(&together) {
                return l.to_owned();
            }
        }
        profile.to_owned()
    }
}

fn romanised_hindi(text: &str) -> bool {
    let lower = text.to_lowercase();
    let mut seen: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| ROMAN_HINDI.contains(w))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() >= 2
}
