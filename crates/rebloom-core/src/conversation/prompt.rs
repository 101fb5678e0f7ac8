//! The system prompt given to language models, built from the person's profile
//! (their approach, tone, length, name and goals) and their country's verified
//! crisis lines; what the turn adds about now (the latest mood check-in, the
//! time since the last conversation); and the reply that replaces one the
//! output guard blocked.

use rebloom_safety::resources::{CountryResources, Topic};
use rebloom_store::Profile;
use time::{Duration, OffsetDateTime};

use crate::preferences::{
    Approach, CommunicationPreferences, ReplyLength, TherapeuticPreferences, Tone,
};

const SYSTEM: &str = include_str!("../../content/system-prompt.md");

/// Guidance for the approach the person chose, and only that one.
fn approach_guidance(approach: Option<Approach>) -> &'static str {
    match approach {
        Some(Approach::Cbt) => {
            "They chose CBT: help them notice how thoughts, feelings and actions connect, weigh the evidence for a troubling thought together, and plan small experiments. Offer a thought record when it fits; never force it."
        }
        Some(Approach::Dbt) => {
            "They chose DBT: validate first, then help with distress tolerance (slowing the body down, self-soothing), naming and riding out emotions, and asking for what they need. Offer a skill when it fits; never force it."
        }
        Some(Approach::Act) => {
            "They chose ACT: help them make room for difficult feelings rather than fight them, step back from sticky thoughts, and take small steps toward what matters to them. Offer an exercise when it fits; never force it."
        }
        Some(Approach::Mindfulness) => {
            "They chose mindfulness: invite them to notice the present moment, the breath and the body, without judgement. Offer a short grounding or breathing practice when it fits; never force it."
        }
        Some(Approach::PersonCentred) => {
            "They chose person-centred listening: reflect, follow and understand; offer a technique only if they ask for one."
        }
        None => {
            "They have not chosen an approach: listen first, and offer one evidence-based technique (CBT, DBT, ACT or mindfulness) only when it clearly fits; never force one."
        }
    }
}

/// The contacts a model may give: the person's country's emergency number,
/// crisis lines and lines for one kind of danger, verified.
fn resources_line(profile: &Profile, resources: &CountryResources, found: bool) -> String {
    let lines: Vec<String> = resources
        .lines
        .iter()
        .map(|l| {
            let hours = if l.hours.is_empty() {
                String::new()
            } else {
                format!(", {}", l.hours)
            };
            let topic = match l.topics.first() {
                Some(Topic::DomesticViolence) => ", for domestic violence",
                Some(Topic::ChildProtection) => ", for a child at risk",
                None => "",
            };
            format!("{} ({}{hours}{topic})", l.name, l.contact)
        })
        .collect();
    let place = match (found, profile.country.as_deref()) {
        (true, Some(country)) => format!("They are in {country}"),
        _ => "Their country is not known".to_owned(),
    };
    format!(
        "{place}: emergency services {}; lines: {}. Give only these contacts, never others; \
         if they say they are somewhere else, point them to that country's emergency number \
         and findahelpline.com.",
        resources.emergency,
        lines.join("; ")
    )
}

pub fn system_prompt(profile: &Profile, resources: &CountryResources, found: bool) -> String {
    let therapeutic = TherapeuticPreferences::of(profile);
    let communication = CommunicationPreferences::of(profile);
    let length = match communication.reply_length {
        Some(ReplyLength::Short) => "to two or three sentences",
        Some(ReplyLength::Long) => "thorough but focused",
        _ => "to a short paragraph",
    };
    let tone = match communication.tone {
        Some(Tone::Gentle) => " They asked for a gentle tone: soft, patient, no pressure.",
        Some(Tone::Direct) => " They asked for a direct tone: clear and practical, no padding.",
        Some(Tone::Encouraging) => {
            " They asked for an encouraging tone: notice their efforts and strengths, without false cheer."
        }
        None => "",
    };
    // What they told about themselves: a line each, none when not given.
    let mut profile_lines = String::new();
    if let (Some(name), Some(true) | None) = (&profile.display_name, communication.use_name) {
        profile_lines.push_str(&format!(
            "- The person likes to be called {name}; use it sometimes, not every turn.\n"
        ));
    }
    let goals: Vec<String> = serde_json::from_value(profile.goals.clone()).unwrap_or_default();
    if !goals.is_empty() {
        profile_lines.push_str(&format!("- Their goals: {}.\n", goals.join("; ")));
    }
    let language = rebloom_safety::language::name(&profile.language)
        .unwrap_or_else(|| format!("the language with code {}", profile.language));
    SYSTEM
        .replace("{approach}", approach_guidance(therapeutic.approach))
        .replace("{language}", &language)
        .replace("{length}", length)
        .replace("{tone}", tone)
        .replace("{resources}", &resources_line(profile, resources, found))
        // Last: what the person wrote cannot expand a placeholder.
        .replace("{profile_lines}", &profile_lines)
}

/// What the turn knows about the person's present, beyond this session.
#[derive(Debug, Clone, Default)]
pub struct Situation {
    /// The latest mood check-in of the past week: its score (1 to 10) and when.
    pub mood: Option<(i32, OffsetDateTime)>,
    /// When the person's previous conversation last had a message.
    pub last_session: Option<OffsetDateTime>,
}

/// "3 days ago", "2 hours ago", "less than an hour ago".
fn ago(elapsed: Duration) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    if elapsed.whole_days() >= 1 {
        plural(elapsed.whole_days(), "day")
    } else if elapsed.whole_hours() >= 1 {
        plural(elapsed.whole_hours(), "hour")
    } else {
        "less than an hour ago".to_owned()
    }
}

impl Situation {
    /// Lines for the system prompt; empty when nothing is known.
    pub fn prompt_lines(&self, now: OffsetDateTime) -> String {
        let mut out = String::new();
        if let Some((score, at)) = self.mood {
            out.push_str(&format!(
                "\n- Their latest mood check-in: {score} out of 10, {}.",
                ago(now - at)
            ));
        }
        if let Some(at) = self.last_session {
            out.push_str(&format!(
                "\n- Their previous conversation with you was {}.",
                ago(now - at)
            ));
        }
        if out.is_empty() {
            out
        } else {
            format!("\nAbout now:{out}\n")
        }
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rebloom_safety::resources::Directory;

    fn profile(
        therapeutic: serde_json::Value,
        communication: serde_json::Value,
        country: Option<&str>,
    ) -> Profile {
        let mut p = Profile::empty(uuid::Uuid::nil(), OffsetDateTime::UNIX_EPOCH);
        p.therapeutic_preferences = therapeutic;
        p.communication_preferences = communication;
        p.country = country.map(str::to_owned);
        p
    }

    #[test]
    fn guidance_for_the_chosen_approach_only() {
        let dir = Directory::new().unwrap();
        let (gb, found) = dir.for_country(Some("GB"));
        let p = profile(
            serde_json::json!({"approach": "act"}),
            serde_json::json!({"tone": "direct"}),
            Some("GB"),
        );
        let prompt = system_prompt(&p, gb, found);
        assert!(prompt.contains("They chose ACT"), "{prompt}");
        assert!(
            !prompt.contains("CBT") && !prompt.contains("DBT"),
            "{prompt}"
        );
        assert!(prompt.contains("direct tone"), "{prompt}");
        assert!(prompt.contains("They are in GB"), "{prompt}");
        for line in gb.crisis_lines() {
            assert!(
                prompt.contains(&line.contact),
                "{} missing: {prompt}",
                line.name
            );
        }
        assert!(!prompt.contains('{'), "a placeholder was left: {prompt}");
        assert!(prompt.contains("Write in English."), "{prompt}");
        assert!(!prompt.contains("\n\n\n"), "{prompt}");
    }

    #[test]
    fn lines_for_one_kind_of_danger_are_named_for_it() {
        let dir = Directory::new().unwrap();
        let (us, found) = dir.for_country(Some("US"));
        let p = profile(serde_json::json!({}), serde_json::json!({}), Some("US"));
        let prompt = system_prompt(&p, us, found);
        let topical = us.lines.iter().filter(|l| !l.topics.is_empty()).count();
        assert!(topical > 0);
        assert_eq!(
            prompt.matches("for domestic violence").count()
                + prompt.matches("for a child at risk").count(),
            topical,
            "{prompt}"
        );
    }

    #[test]
    fn an_unknown_country_gets_the_international_guidance() {
        let dir = Directory::new().unwrap();
        let (intl, found) = dir.for_country(None);
        let prompt = system_prompt(
            &profile(serde_json::json!({}), serde_json::json!({}), None),
            intl,
            found,
        );
        assert!(prompt.contains("Their country is not known"), "{prompt}");
        assert!(prompt.contains("have not chosen an approach"), "{prompt}");
    }

    #[test]
    fn the_situation_says_how_long_ago() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(30);
        let lines = Situation {
            mood: Some((3, now - Duration::hours(5))),
            last_session: Some(now - Duration::days(4)),
        }
        .prompt_lines(now);
        assert!(lines.contains("3 out of 10, 5 hours ago"), "{lines}");
        assert!(lines.contains("was 4 days ago"), "{lines}");
        assert_eq!(Situation::default().prompt_lines(now), "");
    }
}
