//! The system prompt given to language models, built from the person's profile,
//! and the reply that replaces one the output guard blocked.

use rebloom_store::Profile;

use crate::preferences::{CommunicationPreferences, ReplyLength, TherapeuticPreferences};

const SYSTEM: &str = include_str!("../../content/system-prompt.md");

pub fn system_prompt(profile: &Profile) -> String {
    let therapeutic = TherapeuticPreferences::of(profile);
    let communication = CommunicationPreferences::of(profile);
    let approach = therapeutic
        .approach
        .map(|a| format!("the person prefers {}", a.as_str()))
        .unwrap_or_else(|| "no stated preference".to_owned());
    let length = match communication.reply_length {
        Some(ReplyLength::Short) => "to two or three sentences",
        Some(ReplyLength::Long) => "thorough but focused",
        _ => "to a short paragraph",
    };
    let name_line = match (&profile.display_name, communication.use_name) {
        (Some(name), Some(true) | None) => {
            format!("- The person likes to be called {name}; use it sometimes, not every turn.")
        }
        _ => String::new(),
    };
    let goals: Vec<String> = serde_json::from_value(profile.goals.clone()).unwrap_or_default();
    let goals_line = if goals.is_empty() {
        String::new()
    } else {
        format!("- Their goals: {}.", goals.join("; "))
    };
    SYSTEM
        .replace("{approach}", &approach)
        .replace("{language}", &profile.language)
        .replace("{length}", length)
        .replace("{name_line}", &name_line)
        .replace("{goals_line}", &goals_line)
}

/// Said instead of a reply the output guard blocked.
pub fn guard_replacement(language: &str) -> String {
    match language.split('-').next().unwrap_or("en") {
        "es" => "Quiero asegurarme de responderte con cuidado. ¿Me cuentas un poco más sobre cómo te sientes ahora mismo?",
        "fr" => "Je veux te répondre avec soin. Peux-tu m'en dire un peu plus sur ce que tu ressens en ce moment ?",
        "de" => "Ich möchte dir achtsam antworten. Magst du mir etwas mehr darüber erzählen, wie es dir gerade geht?",
        _ => "I want to make sure I respond to you with care. Could you tell me a bit more about how you're feeling right now?",
    }
    .to_owned()
}
