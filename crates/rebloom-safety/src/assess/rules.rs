//! The rules: the rule file (`data/patterns.json`) compiled once
//! ([`Assessor::new`]), and the signals they find in one message before
//! any context, with idioms skipped and a negation just before a statement
//! ("I would never …") lowering it.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{Assessor, Category, RiskLevel, RuleError};
use crate::heads::Heads;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Kind {
    Explicit,
    Plan,
    Behaviour,
    Masked,
    Goodbye,
    Distress,
    Denial,
    /// A warning sign that is a crisis only together with other signs of its
    /// group (stroke signs, signs of financial exploitation).
    Sign,
    /// Taking back what was just said ("forget it, I shouldn't have said that").
    Retract,
    /// Withdrawal: not eating, not getting out of bed, cutting people off.
    Withdrawal,
}

#[derive(Deserialize)]
struct RuleFile {
    rules: Vec<RuleDef>,
    /// Groups of warning signs (`kind: sign`) that mean a crisis together.
    #[serde(default)]
    groups: BTreeMap<String, GroupDef>,
    idioms: Vec<String>,
    humour: String,
    quote: String,
    negators: String,
    /// Time markers that put a described behaviour in the past (lifetime, not recent).
    past: String,
}

#[derive(Deserialize)]
struct RuleDef {
    id: String,
    category: Category,
    kind: Kind,
    level: RiskLevel,
    pattern: String,
    /// For `kind: sign`: the group it belongs to.
    #[serde(default)]
    group: Option<String>,
    /// The rule does not fire when this matches anywhere in the message
    /// (slurred speech after drinking, a question about the signs of a stroke).
    #[serde(default)]
    unless: Option<String>,
}

#[derive(Deserialize)]
struct GroupDef {
    category: Category,
    /// The level when enough signs are seen together.
    level: RiskLevel,
    /// How many distinct signs of the group, in this message and the person's
    /// previous ones (at least one in this message), make that level.
    min: usize,
    /// Context that must appear somewhere in the conversation (a vulnerable person).
    #[serde(default)]
    requires: Option<String>,
    /// The group does not count when this matches in the message.
    #[serde(default)]
    unless: Option<String>,
}

pub(super) struct Rule {
    pub(super) id: String,
    pub(super) category: Category,
    pub(super) kind: Kind,
    pub(super) level: RiskLevel,
    pub(super) regex: Regex,
    pub(super) group: Option<usize>,
    pub(super) unless: Option<Regex>,
}

pub(super) struct Group {
    pub(super) name: String,
    pub(super) category: Category,
    pub(super) level: RiskLevel,
    pub(super) min: usize,
    pub(super) requires: Option<Regex>,
    pub(super) unless: Option<Regex>,
}

/// A rule that fired in one message: its index, its level before context, why it differs.
pub(super) type Signal = (usize, RiskLevel, Option<String>);

const PATTERNS: &str = include_str!("../../data/patterns.json");

/// The words just before `end` in the same clause: where a negation governing
/// the statement would be ("I would never …", "je ne suis pas …").
fn clause_before(text: &str, end: usize) -> String {
    let before = &text[..end];
    let mut clause_start = before
        .rfind(['.', ',', ';', '!', '?', ':'])
        .map(|i| i + 1)
        .unwrap_or(0);
    if let Some(i) = before[clause_start..].rfind(" but ") {
        clause_start += i + 5;
    }
    let words: Vec<&str> = before[clause_start..].split_whitespace().collect();
    words[words.len().saturating_sub(3)..].join(" ")
}

/// Words after which a negator does not govern what follows: "no one
/// cares, I want to die", "I don't care anymore, I want to die".
const NOT_GOVERNING: &[&str] = &[
    "care",
    "know",
    "understand",
    "sure",
    "one",
    "body",
    "matter",
    "idea",
    "clue",
    "point",
    "reason",
    "way",
    "help",
    "think",
    "get",
    "deserve",
    "feel",
    "see",
    "have",
];

/// Whether a negator in `window` governs the statement right after it.
fn negated(negators: &Regex, window: &str) -> bool {
    negators.find_iter(window).any(|m| {
        let next = window[m.end()..].split_whitespace().next().unwrap_or("");
        !NOT_GOVERNING.contains(&next)
    })
}

impl Assessor {
    pub fn new() -> Result<Assessor, RuleError> {
        let file: RuleFile = serde_json::from_str(PATTERNS)?;
        let compile =
            |id: &str, p: &str| Regex::new(p).map_err(|e| RuleError::Pattern(id.to_owned(), e));
        let mut groups = Vec::with_capacity(file.groups.len());
        for (name, g) in file.groups {
            let id = format!("group.{name}");
            groups.push(Group {
                requires: g.requires.map(|p| compile(&id, &p)).transpose()?,
                unless: g.unless.map(|p| compile(&id, &p)).transpose()?,
                name,
                category: g.category,
                level: g.level,
                min: g.min.max(1),
            });
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        for r in file.rules {
            let group = match r.group {
                Some(name) => Some(
                    groups
                        .iter()
                        .position(|g| g.name == name)
                        .ok_or_else(|| RuleError::Group(r.id.clone(), name))?,
                ),
                None => None,
            };
            rules.push(Rule {
                regex: compile(&r.id, &r.pattern)?,
                unless: r.unless.map(|p| compile(&r.id, &p)).transpose()?,
                group,
                id: r.id,
                category: r.category,
                kind: r.kind,
                level: r.level,
            });
        }
        let idioms = file
            .idioms
            .iter()
            .map(|p| compile("idiom", p))
            .collect::<Result<_, _>>()?;
        Ok(Assessor {
            rules,
            groups,
            idioms,
            humour: compile("humour", &file.humour)?,
            quote: compile("quote", &file.quote)?,
            negators: compile("negators", &file.negators)?,
            past: compile("past", &file.past)?,
            heads: Heads::shipped()?,
        })
    }

    /// The signals in one message, before context.
    pub(super) fn signals(&self, text: &str) -> Vec<Signal> {
        let idiom_spans: Vec<(usize, usize)> = self
            .idioms
            .iter()
            .flat_map(|r| r.find_iter(text).map(|m| (m.start(), m.end())))
            .collect();
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let Some(m) = rule.regex.find(text) else {
                continue;
            };
            if idiom_spans
                .iter()
                .any(|&(s, e)| s < m.end() && m.start() < e)
            {
                continue;
            }
            if rule.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                continue;
            }
            let mut level = rule.level;
            let mut note = None;
            if (matches!(rule.kind, Kind::Explicit | Kind::Plan)
                && rule.category != Category::HarmFromOthers)
                || rule.kind == Kind::Sign
            {
                // "I would never kill myself": a negation just before the
                // statement, in the same clause.
                if negated(&self.negators, &clause_before(text, m.start())) {
                    level = level.min(RiskLevel::Low);
                    note = Some("negated".to_owned());
                }
            }
            out.push((i, level, note));
        }
        out
    }
}
