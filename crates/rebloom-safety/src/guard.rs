//! The output guard: every generated reply passes it, sentence by sentence,
//! before a person sees any of it. It blocks method, means, dose and location
//! detail; affirming delusions or encouraging manic plans; diagnoses; claims to
//! be human; and advice to stop medication.

use regex::RegexSet;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardReason {
    MethodOrMeans,
    Diagnosis,
    ClaimsHuman,
    StopMedication,
    AffirmsDelusion,
    EncouragesRisk,
}

const RULES: &[(GuardReason, &str)] = &[
    (
        GuardReason::MethodOrMeans,
        r"(?i)\b(lethal|fatal|deadly|toxic) (dose|amount|quantity)\b|\b\d+\s*(mg|milligrams?|g|grams?|pills|tablets)\b.{0,40}\b(lethal|fatal|kill|die|overdose)|\b(kill|die|overdose)\b.{0,40}\b\d+\s*(mg|milligrams?|grams?|pills|tablets)\b|\b(how to|ways? to|best way to|easiest way to|painless way to) (kill yourself|die|end your life|overdose|hang|cut deep)|\b(tallest|highest) (bridges?|buildings?|cliffs?)\b.{0,60}\b(are|is|include|would be)\b|\b\d+\s*(m|meters?|metres?|feet|ft|stor(e)?y|stories|floors)\b.{0,30}\b(bridge|building|cliff|fall|drop|jump)|\b(bridge|building|cliff)\b.{0,60}\b\d+\s*(m|meters?|metres?|feet|ft)\b|\b(jump(ing)? (off|from)|hang(ing)? yourself|noose|slit (your )?wrists?|carbon monoxide|charcoal burning|pesticide|paraquat|rat poison|cyanide)\b|\bwhere (to|you can) (buy|get) (a gun|pesticides?|poison|rope)",
    ),
    (
        GuardReason::Diagnosis,
        r"(?i)\byou (definitely |clearly |probably |likely |must |might )?(have|are suffering from|suffer from|are showing signs of) (clinical depression|major depressive disorder|depression|bipolar( disorder)?|bpd|borderline personality disorder|schizophrenia|ptsd|ocd|adhd|an anxiety disorder|generalized anxiety disorder|psychosis|an eating disorder|anorexia|bulimia|autism)\b|\byou are (bipolar|schizophrenic|psychotic|autistic|borderline|manic)\b|\bi (diagnose|would diagnose) you\b|\bmy diagnosis\b",
    ),
    (
        GuardReason::ClaimsHuman,
        r"(?i)\bi(\s*am|'m|’m) (a )?(real )?(human|person|human being|licensed therapist|therapist|psychologist|psychiatrist|doctor|counsell?or)\b|\bi(\s*am|'m|’m) not (an? )?(ai|bot|robot|chatbot|computer|machine|program)\b|\bas a (human|real person|therapist|doctor)\b",
    ),
    (
        GuardReason::StopMedication,
        r"(?i)\b(stop|quit|skip|come off|get off|ditch|throw away|cut out|halve|double) (taking )?(your|the|those|these) (meds|medication|medications|medicine|pills|antidepressants|lithium|antipsychotics|ssris?|prescriptions?)\b|\byou (don'?t|do not) need (your|the|those) (meds|medication|medications|pills|antidepressants)\b",
    ),
    (
        GuardReason::AffirmsDelusion,
        r"(?i)\b(you are|you're) (indeed |truly |really )?(the chosen one|a prophet|being (watched|followed|tracked|poisoned))\b|\bthe voices are (right|telling the truth)\b|\b(they|the government|your neighbou?rs) (are|is|really are|really is) (watching|following|tracking|poisoning) you\b|\bthe (chip|implant) (is real|in your)\b",
    ),
    (
        GuardReason::EncouragesRisk,
        r"(?i)\b(you should|go ahead and|definitely) (quit your job|spend all|invest (all|everything)|max out|stop sleeping|skip sleep)\b|\byou don'?t need (to )?sleep\b",
    ),
];

/// The guard's compiled rules.
pub struct Guard {
    set: RegexSet,
}

/// The guard's decision on a piece of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub allowed: bool,
    pub reasons: Vec<GuardReason>,
}

impl Guard {
    pub fn new() -> Result<Guard, regex::Error> {
        Ok(Guard {
            set: RegexSet::new(RULES.iter().map(|(_, p)| *p))?,
        })
    }

    pub fn check(&self, text: &str) -> Verdict {
        let mut reasons: Vec<GuardReason> =
            self.set.matches(text).iter().map(|i| RULES[i].0).collect();
        reasons.dedup();
        Verdict {
            allowed: reasons.is_empty(),
            reasons,
        }
    }
}

/// Splits streamed text into complete sentences the guard can judge: returns
/// the sentences that are complete and keeps the rest in `pending`.
pub fn take_sentences(pending: &mut String) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let end = pending
            .char_indices()
            .find(|&(i, c)| {
                matches!(c, '.' | '!' | '?' | '\n' | '。' | '।' | '؟')
                    && pending[i + c.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_whitespace())
            })
            .map(|(i, c)| i + c.len_utf8());
        let Some(end) = end else { break };
        let rest = pending.split_off(end);
        out.push(std::mem::replace(pending, rest));
    }
    out
}
