//! The data files: valid, complete, and every template renders cleanly.

use rebloom_ai::guided::content::{self, KNOWN_PLACEHOLDERS};
use rebloom_ai::guided::{ExerciseKind, GuidedEngine};

#[test]
fn embedded_content_is_valid_and_complete() {
    // Known slots only, known placeholders only and only where the code fills
    // them, every exercise step present with a text that needs no data, every
    // emotion, topic and thinking trap described, Spanish translating what it must.
    if let Err(problems) = content::check_embedded() {
        panic!("content problems:\n{}", problems.join("\n"));
    }
    assert!(GuidedEngine::try_new().is_ok());
}

#[test]
fn every_template_renders_with_no_leftover_placeholders() {
    let templates = content::embedded_templates().unwrap();
    assert!(templates.len() > 300, "only {} templates", templates.len());
    let values: Vec<(&str, String)> = KNOWN_PLACEHOLDERS
        .iter()
        .map(|p| (*p, format!("<{p} value>")))
        .collect();
    let vars: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (lang, slot, template) in &templates {
        let names =
            content::placeholders(template).unwrap_or_else(|e| panic!("{lang} {slot}: {e}"));
        for n in &names {
            assert!(
                KNOWN_PLACEHOLDERS.contains(n),
                "{lang} {slot}: unknown {{{n}}}"
            );
        }
        let out = content::render(template, &vars);
        assert!(
            !out.contains(['{', '}']),
            "{lang} {slot}: leftover in {out:?}"
        );
        for n in &names {
            assert!(
                out.contains(&format!("<{n} value>")),
                "{lang} {slot}: {n} not filled"
            );
        }
    }
}

#[test]
fn both_languages_ship_and_every_exercise_has_all_its_steps() {
    let templates = content::embedded_templates().unwrap();
    for lang in ["en", "es"] {
        for kind in ExerciseKind::ALL {
            for step in kind.steps() {
                let slot = format!("ex.{}.{}", kind.id(), kind.prompt_slot(step));
                assert!(
                    templates.iter().any(|(l, s, _)| l == lang && *s == slot),
                    "{lang}: no text for {slot}"
                );
            }
        }
    }
    // Spanish has its own greeting, reflections, questions, breathing and grounding.
    let own = include_str!("../../content/guided/es.json");
    for key in [
        "\"greeting.first\"",
        "\"reflect.topic\"",
        "\"reflect.feeling\"",
        "\"question.open\"",
        "\"ex.breathing.round3\"",
        "\"ex.grounding.taste\"",
    ] {
        assert!(own.contains(key), "es.json lacks {key}");
    }
}

#[test]
fn render_is_single_pass_and_placeholders_are_checked() {
    assert_eq!(
        content::render("Hi {name}, {name}!", &[("name", "{feeling}")]),
        "Hi {feeling}, {feeling}!"
    );
    assert!(content::placeholders("a {b} {c_d}").is_ok());
    assert!(content::placeholders("a {B}").is_err());
    assert!(content::placeholders("a {b").is_err());
    assert!(content::placeholders("a } b").is_err());
}

#[test]
fn the_detector_knows_the_required_emotions() {
    let engine = GuidedEngine::new();
    let cases = [
        ("I've been so sad and down lately", "sadness"),
        ("I'm really anxious about tomorrow", "anxiety"),
        ("I'm furious with him", "anger"),
        ("I'm scared of what might happen", "fear"),
        ("I'm so ashamed of what I did", "shame"),
        ("I feel so lonely", "loneliness"),
        (
            "Everything is too much, I'm completely overwhelmed",
            "overwhelm",
        ),
        ("I feel guilty for shouting", "guilt"),
        ("I'm happy today", "joy"),
        ("I'm so grateful for my friends", "gratitude"),
        ("I'm feeling hopeful about next week", "hope"),
        ("I feel calm and relaxed", "calm"),
        ("I'm exhausted and drained", "tiredness"),
        ("Estoy muy triste", "sadness"),
        ("Tengo mucha ansiedad", "anxiety"),
    ];
    for (text, emotion) in cases {
        let lang = if text.starts_with("Estoy") || text.starts_with("Tengo") {
            "es"
        } else {
            "en"
        };
        let found = engine.detect_emotions(text, lang);
        assert_eq!(
            found.first().map(String::as_str),
            Some(emotion),
            "{text:?} → {found:?}"
        );
    }
    // Negation: "not happy" is not joy.
    let found = engine.detect_emotions("I'm not happy at all", "en");
    assert!(!found.contains(&"joy".to_string()), "{found:?}");
    assert_eq!(found.first().map(String::as_str), Some("sadness"));
    // "Can't stop worrying" is still worry.
    let found = engine.detect_emotions("I can't stop worrying", "en");
    assert_eq!(found.first().map(String::as_str), Some("anxiety"));
}

/// The Spanish content, laid over the English as the engine loads it.
fn spanish() -> content::Content {
    content::load_all()
        .unwrap()
        .into_iter()
        .find(|l| l.id == "es")
        .unwrap()
        .content
}

/// Spanish grammar where a value meets a template: each emotion's article
/// agrees with what the template puts before it, and "a el"/"de el" contract.
#[test]
fn spanish_articles_agree_and_contract() {
    let es = spanish();
    let titles: Vec<String> = es
        .templates
        .iter()
        .filter(|(slot, _)| slot.ends_with(".title"))
        .flat_map(|(_, list)| list.iter().cloned())
        .collect();
    let topics: Vec<String> = es
        .topics
        .values()
        .flat_map(|t| std::iter::once(t.default.clone()).chain(t.words.values().cloned()))
        .collect();
    let mut checked = 0;
    for (slot, list) in &es.templates {
        for template in list {
            for e in es.emotions.values() {
                let (article, bare) = e
                    .noun
                    .split_once(' ')
                    .expect("a Spanish noun has its article");
                assert!(matches!(article, "el" | "la"), "{}", e.noun);
                let wrong: Vec<String> = if article == "el" {
                    ["la", "esa", "esta", "una"]
                        .iter()
                        .map(|d| format!("{d} {bare}"))
                        .collect()
                } else {
                    ["ese", "este", "un"]
                        .iter()
                        .map(|d| format!("{d} {bare}"))
                        .collect()
                };
                for (topic, title) in topics.iter().zip(titles.iter().cycle()) {
                    let vars = [
                        ("emotion", e.noun.as_str()),
                        ("feeling", e.feeling.as_str()),
                        ("topic", topic.as_str()),
                        ("exercise", title.as_str()),
                        ("area", topic.as_str()),
                    ];
                    let out =
                        content::contract(&content::render(template, &vars), &es.contractions);
                    let spaced: String = out
                        .to_lowercase()
                        .chars()
                        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                        .collect();
                    let lower = format!(
                        " {} ",
                        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
                    );
                    for bad in [
                        " a el ", " de el ", " la el ", " el la ", " la la ", " el el ",
                    ] {
                        assert!(!lower.contains(bad), "{slot}: {bad:?} in {out:?}");
                    }
                    for bad in &wrong {
                        assert!(
                            !lower.contains(&format!(" {bad} ")),
                            "{slot}: {bad:?} in {out:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// A translation's word lists replace the English ones: no English name of
/// a feeling or topic ends up in a Spanish reply.
#[test]
fn spanish_word_lists_are_spanish() {
    let raw: serde_json::Value =
        serde_json::from_str(include_str!("../../content/guided/es.json")).unwrap();
    let es = spanish();
    for (id, e) in &es.emotions {
        let own = &raw["emotions"][id]["variants"];
        for (k, v) in &e.variants {
            assert_eq!(own[k].as_str(), Some(v.as_str()), "emotion {id}: {k} → {v}");
        }
    }
    for (id, t) in &es.topics {
        let own = &raw["topics"][id]["words"];
        for (k, v) in &t.words {
            assert_eq!(own[k].as_str(), Some(v.as_str()), "topic {id}: {k} → {v}");
        }
    }
}
