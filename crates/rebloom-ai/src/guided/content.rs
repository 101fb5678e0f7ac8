//! The engine's words, loaded from `content/guided/<lang>.json` (embedded at
//! build time) and checked against the slot table in [`super::slots`].
//!
//! A translation only has to carry what it translates: it is laid over the
//! English file key by key, so anything missing falls back to English.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::slots;
use super::state::ExerciseKind;

pub use super::slots::KNOWN_PLACEHOLDERS;

const FILES: &[(&str, &str)] = &[
    ("en", include_str!("../../content/guided/en.json")),
    ("es", include_str!("../../content/guided/es.json")),
];

/// The embedded content is unreadable or inconsistent with the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("guided content is invalid: {}", problems.join("; "))]
pub struct ContentError {
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    pub language: String,
    /// Words that merge when a value follows them ("a el" → "al" in Spanish),
    /// applied to every rendered template.
    #[serde(default)]
    pub contractions: BTreeMap<String, String>,
    pub words: BTreeMap<String, String>,
    pub emotions: BTreeMap<String, Emotion>,
    pub topics: BTreeMap<String, Topic>,
    pub distortions: BTreeMap<String, Distortion>,
    pub lexicon: BTreeMap<String, Vec<String>>,
    pub templates: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emotion {
    /// How to name it after "feeling" ("sad"); in Spanish, a noun.
    pub feeling: String,
    /// The emotion as a noun ("sadness"); in Spanish with its article
    /// ("el miedo"), so templates never guess the gender.
    pub noun: String,
    /// Words that signal it with a more exact name ("frustrat*" → "frustrated").
    #[serde(default)]
    pub variants: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// A phrase for the topic in general ("things at work").
    pub default: String,
    /// Keyword → phrase ("deadline" → "the deadline at work").
    pub words: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distortion {
    pub name: String,
    pub explanation: String,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// How a person might name it when they recognise it.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One language, ready to use, with the slots its own file provides.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub id: String,
    pub content: Content,
    pub own_slots: Vec<String>,
}

/// Parses every embedded language, English first, and validates each.
pub fn load_all() -> Result<Vec<Loaded>, ContentError> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut base: Option<Value> = None;
    for (id, text) in FILES {
        let raw: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{id}.json: {e}"));
                continue;
            }
        };
        let own_slots: Vec<String> = raw
            .get("templates")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let merged = match &base {
            None => raw.clone(),
            Some(en) => {
                let mut m = en.clone();
                drop_replaced_lists(&mut m, &raw);
                overlay(&mut m, raw);
                m
            }
        };
        match serde_json::from_value::<Content>(merged.clone()) {
            Ok(content) => {
                problems.extend(validate(id, &content, &own_slots));
                out.push(Loaded {
                    id: (*id).to_string(),
                    content,
                    own_slots,
                });
            }
            Err(e) => problems.push(format!("{id}.json: {e}")),
        }
        if base.is_none() {
            base = Some(merged);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ContentError { problems })
    }
}

/// Word lists (an emotion's variants, a topic's words) are a language's own:
/// a translation that has one replaces the English list rather than merging
/// with it, which would put an English word in a Spanish reply ("sintiendo
/// panicky").
fn drop_replaced_lists(base: &mut Value, top: &Value) {
    for (section, list) in [("emotions", "variants"), ("topics", "words")] {
        let Some(items) = top.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (id, item) in items {
            if item.get(list).is_some()
                && let Some(b) = base
                    .get_mut(section)
                    .and_then(|s| s.get_mut(id))
                    .and_then(Value::as_object_mut)
            {
                b.remove(list);
            }
        }
    }
}

/// Lays `top` over `base`: objects merge key by key, anything else replaces.
fn overlay(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Object(b), Value::Object(t)) => {
            for (k, v) in t {
                match b.get_mut(&k) {
                    Some(slot) => overlay(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, t) => *b = t,
    }
}

/// Everything wrong with one language's content, as readable lines.
pub fn validate(lang: &str, c: &Content, own_slots: &[String]) -> Vec<String> {
    let mut p = Vec::new();
    let known: BTreeMap<String, &[&str]> = slots::all_slots().into_iter().collect();
    for (slot, allowed) in &known {
        match c.templates.get(slot) {
            Some(list) if !list.is_empty() => {
                for t in list {
                    check_template(lang, slot, t, allowed, &mut p);
                }
            }
            _ => p.push(format!("{lang}: template slot {slot} is missing or empty")),
        }
    }
    for slot in c.templates.keys() {
        if !known.contains_key(slot) {
            p.push(format!("{lang}: unknown template slot {slot}"));
        }
    }
    for slot in slots::prompt_slots() {
        let usable = c.templates.get(&slot).is_some_and(|list| {
            list.iter()
                .any(|t| placeholders(t).is_ok_and(|ph| ph.is_empty()))
        });
        if !usable {
            p.push(format!(
                "{lang}: step prompt {slot} has no text without placeholders"
            ));
        }
    }
    for kind in ExerciseKind::ALL {
        for step in kind.steps() {
            let slot = format!("ex.{}.{}", kind.id(), kind.prompt_slot(step));
            if !known.contains_key(&slot) {
                p.push(format!("{lang}: exercise step {slot} has no slot"));
            }
        }
    }
    if lang != "en" {
        for prefix in slots::TRANSLATED {
            for slot in known.keys() {
                if slot.starts_with(prefix) && !own_slots.contains(slot) {
                    p.push(format!("{lang}: {slot} is not translated"));
                }
            }
        }
    }
    for w in slots::WORDS {
        plain(lang, &format!("words.{w}"), c.words.get(*w), &mut p);
    }
    for e in slots::EMOTIONS {
        match c.emotions.get(*e) {
            Some(em) => {
                plain(
                    lang,
                    &format!("emotions.{e}.feeling"),
                    Some(&em.feeling),
                    &mut p,
                );
                plain(lang, &format!("emotions.{e}.noun"), Some(&em.noun), &mut p);
                for (k, v) in &em.variants {
                    plain(lang, &format!("emotions.{e}.variants.{k}"), Some(v), &mut p);
                }
            }
            None => p.push(format!("{lang}: emotion {e} is missing")),
        }
    }
    for t in slots::TOPICS {
        match c.topics.get(*t) {
            Some(topic) => {
                plain(
                    lang,
                    &format!("topics.{t}.default"),
                    Some(&topic.default),
                    &mut p,
                );
                for (k, v) in &topic.words {
                    plain(lang, &format!("topics.{t}.words.{k}"), Some(v), &mut p);
                }
            }
            None => p.push(format!("{lang}: topic {t} is missing")),
        }
    }
    for d in slots::DISTORTIONS {
        match c.distortions.get(*d) {
            Some(dist) => {
                plain(
                    lang,
                    &format!("distortions.{d}.name"),
                    Some(&dist.name),
                    &mut p,
                );
                let explanation = Some(&dist.explanation);
                plain(
                    lang,
                    &format!("distortions.{d}.explanation"),
                    explanation,
                    &mut p,
                );
            }
            None => p.push(format!("{lang}: distortion {d} is missing")),
        }
    }
    let mut lexicon_keys: Vec<String> = slots::LEXICON.iter().map(|k| (*k).to_string()).collect();
    for kind in ExerciseKind::ALL {
        lexicon_keys.push(format!("trigger.{}.strong", kind.id()));
        lexicon_keys.push(format!("trigger.{}.weak", kind.id()));
    }
    for key in &lexicon_keys {
        if c.lexicon.get(key).is_none_or(Vec::is_empty) {
            p.push(format!("{lang}: lexicon.{key} is missing or empty"));
        }
    }
    for key in c.lexicon.keys() {
        if !lexicon_keys.contains(key) {
            p.push(format!("{lang}: unknown lexicon list {key}"));
        }
    }
    p
}

fn check_template(lang: &str, slot: &str, t: &str, allowed: &[&str], p: &mut Vec<String>) {
    if t.trim().is_empty() {
        p.push(format!("{lang}: {slot} has an empty template"));
    }
    match placeholders(t) {
        Ok(names) => {
            for n in names {
                if !KNOWN_PLACEHOLDERS.contains(&n) {
                    p.push(format!("{lang}: {slot}: unknown placeholder {{{n}}}"));
                } else if !allowed.contains(&n) {
                    p.push(format!(
                        "{lang}: {slot}: placeholder {{{n}}} is not filled here"
                    ));
                }
            }
        }
        Err(e) => p.push(format!("{lang}: {slot}: {e} in {t:?}")),
    }
}

fn plain(lang: &str, what: &str, text: Option<&String>, p: &mut Vec<String>) {
    match text {
        Some(t) if !t.trim().is_empty() => {
            if t.contains(['{', '}']) {
                p.push(format!("{lang}: {what} must not contain braces"));
            }
        }
        _ => p.push(format!("{lang}: {what} is missing or empty")),
    }
}

/// The placeholders of a template, in order, or what is malformed about it.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a stray }".to_string());
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| "an unclosed {".to_string())?;
        let name = &after[..close];
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
        if !well_formed {
            return Err(format!("a malformed placeholder {{{name}}}"));
        }
        out.push(name);
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Fills a template's placeholders in one pass (values are never expanded
/// again). An unknown placeholder is left as it is.
/// Merges the words a language contracts ("de el" → "del") where a value
/// put them side by side.
pub fn contract(text: &str, contractions: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (from, to) in contractions {
        if let Some(rest) = out.strip_prefix(from.as_str()) {
            out = format!("{to}{rest}");
        }
        out = out.replace(&format!(" {from}"), &format!(" {to}"));
    }
    out
}

pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every template of every embedded language as (language, slot, template),
/// for checks and tests.
pub fn embedded_templates() -> Result<Vec<(String, String, String)>, ContentError> {
    Ok(load_all()?
        .into_iter()
        .flat_map(|l| {
            let id = l.id;
            l.content
                .templates
                .into_iter()
                .flat_map(move |(slot, list)| {
                    let id = id.clone();
                    list.into_iter().map(move |t| (id.clone(), slot.clone(), t))
                })
        })
        .collect())
}

/// Checks the embedded content; the problems, if any.
pub fn check_embedded() -> Result<(), Vec<String>> {
    load_all().map(|_| ()).map_err(|e| e.problems)
}
