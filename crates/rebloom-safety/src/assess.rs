//! Risk assessment of a person's message in the context of their conversation.
//! Deterministic rules (phrases and patterns in `data/patterns.json`) with
//! negation, idiom, humour and quotation handling, masked signals read against
//! the conversation, warning signs that mean a crisis together (a group of
//! signs over the last few messages), taking back a disclosure, and risk that
//! persists across turns.

use std::collections::BTreeMap;

use regex::Regex;

use crate::heads::{HeadOutput, Heads, Label, Thresholds};
use crate::session::{
    AFFIRMED_RULE, AFTER_ANSWER_CRISIS, CARRIED_RULE, SAFETY_ANSWER_RULE, SessionRisk,
};
use serde::{Deserialize, Serialize};

/// Risk levels, aligned with the C-SSRS screener.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    #[default]
    None,
    Low,
    Moderate,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Moderate => "moderate",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        match s {
            "none" => Some(RiskLevel::None),
            "low" => Some(RiskLevel::Low),
            "moderate" => Some(RiskLevel::Moderate),
            "high" => Some(RiskLevel::High),
            "critical" => Some(RiskLevel::Critical),
            _ => None,
        }
    }

    pub(crate) fn down(self) -> RiskLevel {
        match self {
            RiskLevel::Critical => RiskLevel::High,
            RiskLevel::High => RiskLevel::Moderate,
            RiskLevel::Moderate => RiskLevel::Low,
            RiskLevel::Low | RiskLevel::None => RiskLevel::None,
        }
    }

    /// Whether the crisis protocol runs (event, resources, notification).
    pub fn is_crisis(self) -> bool {
        self >= RiskLevel::High
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SuicidalIdeation,
    SelfHarm,
    ThirdPartyRisk,
    HarmToOthers,
    HarmFromOthers,
    MedicalEmergency,
    PsychosisOrMania,
    EatingDisorder,
    /// A panic attack or acute anxiety: not a suicide crisis.
    Panic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
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

/// One signal that fired: which rule, what it means, how it was weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub rule: String,
    pub category: Category,
    pub level: RiskLevel,
    /// Why the level differs from the rule's own, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: RiskLevel,
    pub categories: Vec<Category>,
    pub evidence: Vec<Evidence>,
    pub confidence: f32,
}

/// A previous turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Person,
    Companion,
}

#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub speaker: Speaker,
    pub text: &'a str,
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

struct Rule {
    id: String,
    category: Category,
    kind: Kind,
    level: RiskLevel,
    regex: Regex,
    group: Option<usize>,
    unless: Option<Regex>,
}

struct Group {
    name: String,
    category: Category,
    level: RiskLevel,
    min: usize,
    requires: Option<Regex>,
    unless: Option<Regex>,
}

/// A rule that fired in one message: its index, its level before context, why it differs.
type Signal = (usize, RiskLevel, Option<String>);

/// The compiled rules. Build once ([`Assessor::new`]) and share.
pub struct Assessor {
    rules: Vec<Rule>,
    groups: Vec<Group>,
    idioms: Vec<Regex>,
    humour: Regex,
    quote: Regex,
    negators: Regex,
    past: Regex,
    heads: Heads,
}

const PATTERNS: &str = include_str!("../data/patterns.json");
const HEADS: &str = include_str!("../data/heads.json");
/// How many earlier messages of the person are read for context.
const HISTORY_TURNS: usize = 12;
/// Signs of a group count together over this many messages of the person
/// (this one and the ones just before it).
const SIGN_WINDOW: usize = 3;
/// A retraction or withdrawal is read against this many previous messages.
const RECENT_TURNS: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule file: {0}")]
    File(#[from] serde_json::Error),
    #[error("rule {0}: {1}")]
    Pattern(String, regex::Error),
    #[error("rule {0}: unknown group {1:?}")]
    Group(String, String),
    #[error(transparent)]
    Heads(#[from] crate::heads::HeadsError),
}

pub use crate::normalize::normalize;

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
            heads: Heads::from_json(HEADS)?,
        })
    }

    /// The signals in one message, before context.
    fn signals(&self, text: &str) -> Vec<Signal> {
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

    /// The groups whose signs are seen together: `window` holds the signals of
    /// the message being judged first, then of the person's messages before it;
    /// `texts` is the whole conversation of the person, for a group's required context.
    fn groups_met(&self, window: &[&[Signal]], texts: &[&str]) -> Vec<(usize, usize)> {
        let mut met = Vec::new();
        let Some(first) = window.first() else {
            return met;
        };
        for (g, group) in self.groups.iter().enumerate() {
            let counts = |(i, _, note): &&Signal| {
                self.rules[*i].kind == Kind::Sign
                    && self.rules[*i].group == Some(g)
                    && note.is_none()
            };
            if !first.iter().any(|s| counts(&s)) {
                continue;
            }
            if group
                .unless
                .as_ref()
                .is_some_and(|u| texts.first().is_some_and(|t| u.is_match(t)))
            {
                continue;
            }
            let mut seen: Vec<usize> = window
                .iter()
                .flat_map(|sigs| sigs.iter().filter(counts).map(|(i, _, _)| *i))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() < group.min {
                continue;
            }
            if group
                .requires
                .as_ref()
                .is_some_and(|req| !texts.iter().any(|t| req.is_match(t)))
            {
                continue;
            }
            met.push((g, seen.len()));
        }
        met
    }

    /// The highest ideation or self-harm level among `before` (the person's
    /// messages just before, most recent first): what they had just disclosed.
    fn recent_risk(&self, before: &[Vec<Signal>]) -> RiskLevel {
        before
            .iter()
            .take(RECENT_TURNS)
            .flatten()
            .filter(|(i, _, _)| {
                let rule = &self.rules[*i];
                rule.kind != Kind::Denial
                    && matches!(
                        rule.category,
                        Category::SuicidalIdeation | Category::SelfHarm
                    )
            })
            .map(|(_, l, _)| *l)
            .max()
            .unwrap_or(RiskLevel::None)
    }

    /// A retraction or withdrawal read against what came just before it:
    /// `None` when the rule's own level stands.
    fn after_disclosure(
        &self,
        signals: &[Signal],
        kind: Kind,
        recent_risk: RiskLevel,
    ) -> Option<(RiskLevel, &'static str)> {
        let kind_here = |k: Kind| signals.iter().any(|(i, _, _)| self.rules[*i].kind == k);
        if kind_here(Kind::Denial) {
            return None;
        }
        let warning_here = signals
            .iter()
            .any(|(i, l, _)| self.rules[*i].kind == Kind::Distress && *l >= RiskLevel::Moderate);
        // "Never mind, I'm not going to hurt myself": a statement of safety with it.
        let reassured = signals
            .iter()
            .any(|(_, _, note)| note.as_deref() == Some("negated"));
        match kind {
            // Taking back a disclosure is not a resolution: the risk stands.
            Kind::Retract if recent_risk >= RiskLevel::Moderate && reassured => Some((
                RiskLevel::Moderate,
                "taking back what was just disclosed, with a reassurance",
            )),
            Kind::Retract if recent_risk >= RiskLevel::Moderate => {
                Some((RiskLevel::High, "taking back what was just disclosed"))
            }
            // Withdrawal (not eating, not getting up, cutting people off) keeps a
            // crisis a crisis, and next to warning signs asks for a check-in.
            Kind::Withdrawal if recent_risk >= RiskLevel::High => {
                Some((RiskLevel::High, "withdrawal after risk"))
            }
            Kind::Withdrawal if recent_risk >= RiskLevel::Moderate || warning_here => {
                Some((RiskLevel::Moderate, "withdrawal with warning signs"))
            }
            _ => None,
        }
    }

    /// Assesses `message` given the conversation before it (oldest first), with
    /// the rules alone: what runs when the encoder is not available. The
    /// session's risk is read from the person's earlier messages in `history`.
    pub fn assess(&self, history: &[Turn<'_>], message: &str) -> Assessment {
        let session = self.session_of(history, &[]);
        self.assess_in(&session, history, message, None)
    }

    /// The session's risk for a conversation whose earlier assessments were
    /// not kept: each of the person's messages in `history` assessed in turn,
    /// with its encoder views where `views` (aligned with `history`) has them.
    pub fn session_of(&self, history: &[Turn<'_>], views: &[Option<Vec<Vec<f32>>>]) -> SessionRisk {
        let mut session = SessionRisk::default();
        for (i, turn) in history.iter().enumerate() {
            if turn.speaker != Speaker::Person {
                continue;
            }
            let v = views.get(i).and_then(Option::as_deref);
            let a = self.assess_in(&session, &history[..i], turn.text, v);
            session = session.after_assessment(&a);
        }
        session
    }

    /// Assesses `message` in its session: the rules, the learned heads given
    /// the encoder's embeddings of the message (`views`: the whole message,
    /// then its parts when it is long), then the session's risk. The rules
    /// are a floor: the heads only raise the level, except on a clear safety
    /// answer that both read as one, which also clears what the session carried.
    pub fn assess_in(
        &self,
        session: &SessionRisk,
        history: &[Turn<'_>],
        message: &str,
        views: Option<&[Vec<f32>]>,
    ) -> Assessment {
        let (rules, facts) = self.assess_rules(history, message);
        let out = views.and_then(|v| self.heads.read(v));
        // Just after a clear safety answer, the learned layer alone needs a
        // surer reading to start the crisis protocol again.
        let surer;
        let thresholds = if session.just_answered() {
            surer = Thresholds {
                crisis: self.heads.thresholds.crisis.max(AFTER_ANSWER_CRISIS),
                ..self.heads.thresholds.clone()
            };
            &surer
        } else {
            &self.heads.thresholds
        };
        // A clear safety answer: the rules found a denial and nothing else, and
        // the heads (when there) read no risk in it; or the heads read it as
        // a safety answer and no risk.
        let answer = rules.level <= RiskLevel::Low
            && match &out {
                None => facts.denial,
                Some(o) => {
                    let top = o.top_label();
                    (facts.denial && (top == Label::SafetyAnswer || top.category().is_none()))
                        || (top == Label::SafetyAnswer && o.level(thresholds) <= RiskLevel::Low)
                }
            };
        let mut a = match &out {
            Some(o) if !answer => combine(rules, o, thresholds),
            _ => rules,
        };
        let category = session.category.unwrap_or(Category::SuicidalIdeation);
        // A yes to the crisis reply's direct question is still a crisis.
        let yes_floor = session.affirmation_floor();
        if facts.affirmation && !answer && a.level < yes_floor {
            raise(
                &mut a,
                yes_floor,
                category,
                AFFIRMED_RULE,
                format!(
                    "a yes to the direct question, right after {} in the session",
                    session.peak.as_str()
                ),
            );
        }
        if answer {
            a.evidence.push(Evidence {
                rule: SAFETY_ANSWER_RULE.to_owned(),
                category,
                level: a.level,
                note: Some("a clear safety answer: what the session carried is cleared".into()),
            });
            return a;
        }
        // Means or method talk after ideation or distress earlier in the session.
        let means = facts.masked
            || out.as_ref().is_some_and(|o| {
                o.level(thresholds) >= RiskLevel::Moderate
                    && matches!(
                        o.top_risk_label(),
                        Label::MeansAccess | Label::Plan | Label::Intent | Label::AttemptUnderway
                    )
            });
        let floor = session.means_floor();
        if means && a.level < floor {
            raise(
                &mut a,
                floor,
                category,
                CARRIED_RULE,
                format!(
                    "means or method talk after {} earlier in the session",
                    session.peak.as_str()
                ),
            );
        }
        let carried = session.carried();
        if a.level < carried {
            let from = session
                .rule
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            raise(
                &mut a,
                carried,
                category,
                CARRIED_RULE,
                format!(
                    "{} in the session{from}, {} messages before",
                    session.peak.as_str(),
                    session.since + 1
                ),
            );
        }
        a
    }

    fn assess_rules(&self, history: &[Turn<'_>], message: &str) -> (Assessment, Facts) {
        let text = normalize(message);
        let signals = self.signals(&text);
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut level = RiskLevel::None;
        let has = |kind: Kind| signals.iter().any(|(i, _, _)| self.rules[*i].kind == kind);
        let denial = has(Kind::Denial);
        let distress_here = has(Kind::Distress);
        let explicit_here = signals.iter().any(|(i, l, _)| {
            matches!(
                self.rules[*i].kind,
                Kind::Explicit | Kind::Plan | Kind::Behaviour
            ) && *l >= RiskLevel::High
        });

        // Context: the person's recent messages.
        let earlier: Vec<String> = history
            .iter()
            .filter(|t| t.speaker == Speaker::Person)
            .rev()
            .take(HISTORY_TURNS)
            .map(|t| normalize(t.text))
            .collect();
        let earlier_signals: Vec<Vec<Signal>> = earlier.iter().map(|t| self.signals(t)).collect();
        let texts: Vec<&str> = std::iter::once(text.as_str())
            .chain(earlier.iter().map(String::as_str))
            .collect();
        let mut prior = RiskLevel::None;
        let mut prior_distress = false;
        for (j, sigs) in earlier_signals.iter().enumerate() {
            let before = self.recent_risk(&earlier_signals[j + 1..]);
            for (i, l, _) in sigs {
                let rule = &self.rules[*i];
                if rule.kind == Kind::Distress {
                    prior_distress = true;
                }
                let l = self
                    .after_disclosure(sigs, rule.kind, before)
                    .map_or(*l, |(l, _)| l);
                if rule.kind != Kind::Denial && l > prior {
                    prior = l;
                }
            }
            let window: Vec<&[Signal]> = earlier_signals[j..]
                .iter()
                .take(SIGN_WINDOW)
                .map(Vec::as_slice)
                .collect();
            for (g, _) in self.groups_met(&window, &texts[j + 1..]) {
                let group = &self.groups[g];
                if group.level > prior {
                    prior = group.level;
                }
            }
        }
        // What the person disclosed just before: ideation, self-harm or warning signs.
        let recent_risk = self.recent_risk(&earlier_signals);

        let humour = self.humour.is_match(&text);
        let quoted = self.quote.is_match(&text) && !text.contains(" i ") && !text.starts_with("i ");
        for (i, rule_level, note) in &signals {
            let rule = &self.rules[*i];
            let mut l = *rule_level;
            let mut note = note.clone();
            let mut category = rule.category;
            match rule.kind {
                Kind::Masked => {
                    // Asking for heights, doses or means: a crisis right after distress or risk.
                    l = if prior >= RiskLevel::High || explicit_here {
                        RiskLevel::Critical
                    } else if distress_here || prior_distress || prior >= RiskLevel::Moderate {
                        RiskLevel::High
                    } else if quoted {
                        RiskLevel::Low
                    } else {
                        RiskLevel::Moderate
                    };
                    if l != rule.level {
                        note = Some("read against the conversation".into());
                    }
                }
                Kind::Goodbye
                    if distress_here || prior_distress || prior >= RiskLevel::Moderate =>
                {
                    l = RiskLevel::High;
                    note = Some("farewell after distress".into());
                }
                Kind::Explicit if humour && l == RiskLevel::High && prior < RiskLevel::High => {
                    // Dark humour gets a gentle, direct check-in rather than a hotline.
                    l = RiskLevel::Moderate;
                    note = Some("humour marker".into());
                }
                Kind::Explicit
                    if quoted
                        && l >= RiskLevel::High
                        && matches!(
                            rule.category,
                            Category::SuicidalIdeation | Category::SelfHarm
                        ) =>
                {
                    l = RiskLevel::Low;
                    note = Some("quoted or academic".into());
                }
                Kind::Distress if denial => l = l.min(RiskLevel::Low),
                Kind::Retract | Kind::Withdrawal => {
                    if let Some((after, why)) =
                        self.after_disclosure(&signals, rule.kind, recent_risk)
                    {
                        l = after;
                        note = Some(why.into());
                    }
                }
                // C-SSRS: recent behaviour is critical; a past attempt is lifetime
                // history, still a crisis to ask about, not an emergency now.
                Kind::Behaviour
                    if l == RiskLevel::Critical
                        && rule.id.starts_with("behaviour.")
                        && self.past.is_match(&text) =>
                {
                    l = RiskLevel::High;
                    category = Category::SuicidalIdeation;
                    note = Some("past behaviour".into());
                }
                _ => {}
            }
            level = level.max(l);
            evidence.push(Evidence {
                rule: rule.id.clone(),
                category,
                level: l,
                note,
            });
        }
        // Warning signs that together are a crisis (stroke signs, exploitation of a vulnerable person).
        let mut window: Vec<&[Signal]> = vec![signals.as_slice()];
        window.extend(
            earlier_signals
                .iter()
                .take(SIGN_WINDOW - 1)
                .map(Vec::as_slice),
        );
        for (g, n) in self.groups_met(&window, &texts) {
            let group = &self.groups[g];
            level = level.max(group.level);
            evidence.push(Evidence {
                rule: format!("group.{}", group.name),
                category: group.category,
                level: group.level,
                note: Some(format!("{n} warning signs together")),
            });
        }
        // An explicit plan with ideation anywhere in the recent conversation is critical.
        if level == RiskLevel::High
            && prior >= RiskLevel::High
            && signals
                .iter()
                .any(|(i, _, _)| self.rules[*i].kind == Kind::Plan)
        {
            level = RiskLevel::Critical;
        }
        let mut categories: Vec<Category> = evidence
            .iter()
            .filter(|e| e.level >= RiskLevel::Moderate)
            .map(|e| e.category)
            .collect();
        categories.sort();
        categories.dedup();
        let confidence = match level {
            RiskLevel::None => 0.8,
            _ if evidence
                .iter()
                .any(|e| e.level == level && e.note.is_none()) =>
            {
                0.9
            }
            _ => 0.7,
        };
        let facts = Facts {
            denial,
            masked: has(Kind::Masked),
            affirmation: affirmation(&text),
        };
        (
            Assessment {
                level,
                categories,
                evidence,
                confidence,
            },
            facts,
        )
    }
}

/// What the rules saw in a message, beside its level.
struct Facts {
    /// A statement of safety ("I'm not suicidal").
    denial: bool,
    /// A question about means, heights or doses.
    masked: bool,
    /// A bare yes ("yes", "sim", "kind of", "نعم").
    affirmation: bool,
}

/// Answers that say yes, or not quite no, on normalised text (lower case,
/// accents folded, apostrophes dropped, punctuation ignored).
const AFFIRMATIONS: &[&str] = &[
    "yes",
    "yeah",
    "yea",
    "yep",
    "yup",
    "ya",
    "y",
    "kind of",
    "kinda",
    "sort of",
    "sorta",
    "maybe",
    "a bit",
    "a little",
    "sometimes",
    "i guess",
    "i think so",
    "i am",
    "i do",
    "yes i am",
    "yes i do",
    "honestly yes",
    "si",
    "claro",
    "a veces",
    "un poco",
    "tal vez",
    "quizas",
    "creo que si",
    "si estoy",
    "oui",
    "ouais",
    "un peu",
    "parfois",
    "peut etre",
    "je crois",
    "je pense que oui",
    "ja",
    "jein",
    "manchmal",
    "ein bisschen",
    "vielleicht",
    "ich glaube schon",
    "sim",
    "um pouco",
    "as vezes",
    "talvez",
    "acho que sim",
    "un po",
    "a volte",
    "forse",
    "credo di si",
    "soms",
    "een beetje",
    "misschien",
    "ik denk het wel",
    "haan",
    "haa",
    "han ji",
    "haan ji",
    "shayad",
    "kabhi kabhi",
    "हाँ",
    "हां",
    "हा",
    "शायद",
    "نعم",
    "أجل",
    "ايوه",
    "ربما",
    "أحيانا",
];

fn affirmation(text: &str) -> bool {
    AFFIRMATIONS.contains(&words(text).as_str())
}

/// Whether the whole of `normalized` (a message, [`normalize`]d) is a plain
/// yes ("yes", "sim", "kind of", "نعم").
pub(crate) fn plain_yes(normalized: &str) -> bool {
    affirmation(normalized)
}

/// Answers that say no and nothing more, on normalised text.
const NEGATIVES: &[&str] = &[
    "no",
    "nope",
    "nah",
    "no no",
    "not at all",
    "no im not",
    "no i am not",
    "no i dont",
    "im not",
    "no para nada",
    "para nada",
    "no estoy",
    "non",
    "non pas du tout",
    "pas du tout",
    "nein",
    "nee",
    "nein gar nicht",
    "gar nicht",
    "nao",
    "de jeito nenhum",
    "per niente",
    "no per niente",
    "helemaal niet",
    "nahi",
    "nahin",
    "nai",
    "bilkul nahi",
    "नहीं",
    "नही",
    "لا",
    "لأ",
    "ابدا",
];

/// Whether the whole of `normalized` (a message, [`normalize`]d) is a plain
/// no ("no", "nope", "nein", "não", "لا").
pub(crate) fn plain_no(normalized: &str) -> bool {
    NEGATIVES.contains(&words(normalized).as_str())
}

/// The words of normalised text, joined by single spaces.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Raises an assessment to `level` (never lowers it) for a reason the rules
/// did not see, with the evidence for it; a category at `moderate` and above.
fn raise(a: &mut Assessment, level: RiskLevel, category: Category, rule: &str, note: String) {
    a.level = a.level.max(level);
    a.evidence.push(Evidence {
        rule: rule.to_owned(),
        category,
        level,
        note: Some(note),
    });
    if level >= RiskLevel::Moderate && !a.categories.contains(&category) {
        a.categories.push(category);
        a.categories.sort();
    }
}

/// The rules' assessment and the heads' reading of the message, together:
/// the heads raise it to `moderate` or above, with evidence, or leave it.
/// (A clear safety answer never gets here: see [`Assessor::assess_in`].)
fn combine(mut a: Assessment, out: &HeadOutput, thresholds: &Thresholds) -> Assessment {
    let learned = out.level(thresholds);
    // A panic attack is acute anxiety, not a suicide crisis: `moderate` with
    // the panic category, unless the rules found something more.
    let (label, learned) = if out.top_label() == Label::Panic {
        (Label::Panic, learned.min(RiskLevel::Moderate))
    } else {
        (out.top_risk_label(), learned)
    };
    if learned >= RiskLevel::Moderate
        && let Some(c) = label.category()
    {
        raise(
            &mut a,
            learned,
            c,
            &format!("learned.{}", label.as_str()),
            format!("p(crisis) {:.2}", out.crisis()),
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(levels: [f32; 5], label: Label) -> HeadOutput {
        let mut labels = vec![0.01; Label::ALL.len()];
        labels[label.index()] = 0.9;
        labels[Label::IdeationActive.index()] = 0.05;
        HeadOutput { levels, labels }
    }

    fn quiet() -> Assessment {
        Assessment {
            level: RiskLevel::None,
            categories: Vec::new(),
            evidence: Vec::new(),
            confidence: 0.8,
        }
    }

    const T: Thresholds = Thresholds {
        crisis: 0.5,
        critical: 0.5,
        moderate: 0.5,
    };

    #[test]
    fn a_panic_attack_is_moderate_panic_not_a_suicide_crisis() {
        let a = combine(
            quiet(),
            &output([0.0, 0.0, 0.2, 0.8, 0.0], Label::Panic),
            &T,
        );
        assert_eq!(a.level, RiskLevel::Moderate);
        assert_eq!(a.categories, vec![Category::Panic]);
        assert_eq!(a.evidence[0].rule, "learned.panic");
    }

    #[test]
    fn the_heads_raise_the_rules_level_with_the_kind_of_risk() {
        let a = combine(
            quiet(),
            &output([0.0, 0.0, 0.1, 0.3, 0.6], Label::MeansAccess),
            &T,
        );
        assert_eq!(a.level, RiskLevel::Critical);
        assert_eq!(a.categories, vec![Category::SuicidalIdeation]);
        // They never lower what the rules found.
        let mut rules = quiet();
        rules.level = RiskLevel::High;
        let a = combine(rules, &output([0.9, 0.1, 0.0, 0.0, 0.0], Label::Benign), &T);
        assert_eq!(a.level, RiskLevel::High);
    }

    #[test]
    fn below_moderate_the_heads_change_nothing() {
        // An assessment above `none` always has evidence: ordinary distress
        // read by the heads leaves the rules' assessment as it was.
        let a = combine(
            quiet(),
            &output([0.3, 0.6, 0.1, 0.0, 0.0], Label::Distress),
            &T,
        );
        assert_eq!(a, quiet());
    }
}
