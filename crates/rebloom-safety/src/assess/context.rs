//! The rules read against the conversation: the person's earlier messages
//! ([`Assessor::assess_rules`]), masked signals and farewells after
//! distress, humour and quotation, warning signs that mean a crisis
//! together, and taking back or withdrawing after a disclosure.

use super::answers::plain_yes;
use super::rules::{Kind, Signal};
use super::{Assessment, Assessor, Category, Evidence, RiskLevel, Speaker, Turn};
use crate::normalize::normalize;

/// How many earlier messages of the person are read for context.
const HISTORY_TURNS: usize = 12;
/// Signs of a group count together over this many messages of the person
/// (this one and the ones just before it).
const SIGN_WINDOW: usize = 3;
/// A retraction or withdrawal is read against this many previous messages.
const RECENT_TURNS: usize = 2;

impl Assessor {
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

    pub(super) fn assess_rules(&self, history: &[Turn<'_>], message: &str) -> (Assessment, Facts) {
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
        if level == RiskLevel::High && prior >= RiskLevel::High && has(Kind::Plan) {
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
            affirmation: plain_yes(&text),
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
pub(super) struct Facts {
    /// A statement of safety ("I'm not suicidal").
    pub(super) denial: bool,
    /// A question about means, heights or doses.
    pub(super) masked: bool,
    /// A bare yes ("yes", "sim", "kind of", "نعم").
    pub(super) affirmation: bool,
}
