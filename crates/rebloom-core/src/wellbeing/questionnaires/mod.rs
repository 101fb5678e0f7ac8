//! Standardised questionnaires: the PHQ-9 (depression) and the GAD-7
//! (anxiety), both free to reproduce (Spitzer, Williams, Kroenke and
//! colleagues; Pfizer), scored as published, with their severity bands, and
//! written out as FHIR R4 `QuestionnaireResponse` resources with LOINC codes
//! so a clinician's system can read them.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub mod history;
pub mod submit;

/// One instrument: its items, LOINC codes and severity bands.
pub struct Instrument {
    /// `phq9` or `gad7`.
    pub id: &'static str,
    pub title: &'static str,
    /// The stem before every item.
    pub prompt: &'static str,
    /// LOINC code of the panel, and of its total score.
    pub loinc: &'static str,
    pub loinc_total: &'static str,
    /// (LOINC code, text) of every item, in order.
    pub items: &'static [(&'static str, &'static str)],
    /// (lowest total, band), ascending.
    pub bands: &'static [(i32, &'static str)],
}

/// The answer scale both instruments share: (score, LOINC answer code, text).
pub const ANSWERS: [(i32, &str, &str); 4] = [
    (0, "LA6568-5", "Not at all"),
    (1, "LA6569-3", "Several days"),
    (2, "LA6570-1", "More than half the days"),
    (3, "LA6571-9", "Nearly every day"),
];

pub const PHQ9: Instrument = Instrument {
    id: "phq9",
    title: "Patient Health Questionnaire (PHQ-9)",
    prompt: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    loinc: "44249-1",
    loinc_total: "44261-6",
    items: &[
        ("44250-9", "Little interest or pleasure in doing things"),
        ("44255-8", "Feeling down, depressed, or hopeless"),
        (
            "44259-0",
            "Trouble falling or staying asleep, or sleeping too much",
        ),
        ("44254-1", "Feeling tired or having little energy"),
        ("44251-7", "Poor appetite or overeating"),
        (
            "44258-2",
            "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
        ),
        (
            "44252-5",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
        ),
        (
            "44253-3",
            "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so fidgety or restless that you have been moving around a lot more than usual",
        ),
        (
            "44260-8",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
    ],
    bands: &[
        (0, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (15, "moderately_severe"),
        (20, "severe"),
    ],
};

pub const GAD7: Instrument = Instrument {
    id: "gad7",
    title: "Generalized Anxiety Disorder 7-item scale (GAD-7)",
    prompt: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    loinc: "69737-5",
    loinc_total: "70274-6",
    items: &[
        ("69725-0", "Feeling nervous, anxious or on edge"),
        ("68509-9", "Not being able to stop or control worrying"),
        ("69733-4", "Worrying too much about different things"),
        ("69734-2", "Trouble relaxing"),
        ("69735-9", "Being so restless that it is hard to sit still"),
        ("69689-8", "Becoming easily annoyed or irritable"),
        (
            "69736-7",
            "Feeling afraid as if something awful might happen",
        ),
    ],
    bands: &[
        (0, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (15, "severe"),
    ],
};

pub const INSTRUMENTS: [&Instrument; 2] = [&PHQ9, &GAD7];

/// The PHQ-9 item about thoughts of death or self-harm (0-based).
pub const PHQ9_SELF_HARM_ITEM: usize = 8;

pub fn instrument(id: &str) -> Option<&'static Instrument> {
    INSTRUMENTS.into_iter().find(|i| i.id == id)
}

/// A scored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub total: i32,
    pub severity: &'static str,
    /// PHQ-9 item 9 answered above 0: the safety protocol runs.
    pub self_harm_thoughts: bool,
}

/// Why answers could not be scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreError {
    /// Not one answer per item.
    Count { expected: usize, got: usize },
    /// An answer outside 0-3 (its 0-based index).
    Range(usize),
}

impl Instrument {
    /// Sums the answers (each 0-3) and finds the severity band.
    pub fn score(&self, answers: &[i32]) -> Result<Score, ScoreError> {
        if answers.len() != self.items.len() {
            return Err(ScoreError::Count {
                expected: self.items.len(),
                got: answers.len(),
            });
        }
        if let Some(i) = answers.iter().position(|a| !(0..=3).contains(a)) {
            return Err(ScoreError::Range(i));
        }
        let total: i32 = answers.iter().sum();
        Ok(Score {
            total,
            severity: self.band(total),
            self_harm_thoughts: self.id == PHQ9.id && answers[PHQ9_SELF_HARM_ITEM] > 0,
        })
    }

    pub fn band(&self, total: i32) -> &'static str {
        self.bands
            .iter()
            .rev()
            .find(|(low, _)| total >= *low)
            .map_or("minimal", |(_, band)| band)
    }

    /// The highest possible total.
    pub fn max_score(&self) -> i32 {
        3 * self.items.len() as i32
    }

    /// The instrument as shown to a person (items and answer choices).
    pub fn describe(&self) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "prompt": self.prompt,
            "loinc": self.loinc,
            "maxScore": self.max_score(),
            "items": self.items.iter().enumerate().map(|(i, (code, text))| json!({
                "index": i, "loinc": code, "text": text,
            })).collect::<Vec<_>>(),
            "answers": ANSWERS.iter().map(|(score, code, text)| json!({
                "value": score, "loinc": code, "text": text,
            })).collect::<Vec<_>>(),
            "bands": self.bands.iter().map(|(low, band)| json!({ "from": low, "severity": band })).collect::<Vec<_>>(),
        })
    }

    /// A FHIR R4 `QuestionnaireResponse` for one completed response.
    pub fn fhir(
        &self,
        id: uuid::Uuid,
        user_id: uuid::Uuid,
        answers: &[i32],
        total: i32,
        authored: OffsetDateTime,
    ) -> Value {
        let mut items: Vec<Value> = self
            .items
            .iter()
            .zip(answers)
            .map(|((code, text), answer)| {
                let (_, answer_code, answer_text) = ANSWERS
                    .iter()
                    .find(|(score, _, _)| score == answer)
                    .copied()
                    .unwrap_or(ANSWERS[0]);
                json!({
                    "linkId": code,
                    "text": text,
                    "answer": [{ "valueCoding": {
                        "system": "http://loinc.org",
                        "code": answer_code,
                        "display": answer_text,
                    }}],
                })
            })
            .collect();
        items.push(json!({
            "linkId": self.loinc_total,
            "text": "Total score",
            "answer": [{ "valueInteger": total }],
        }));
        json!({
            "resourceType": "QuestionnaireResponse",
            "id": id.to_string(),
            "questionnaire": format!("http://loinc.org/q/{}", self.loinc),
            "status": "completed",
            "subject": { "reference": format!("Patient/{user_id}") },
            "authored": authored.format(&Rfc3339).unwrap_or_default(),
            "item": items,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn phq9_bands_at_every_boundary() {
        let expect = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ];
        for (total, band) in expect {
            assert_eq!(PHQ9.band(total), band, "{total}");
        }
        assert_eq!(PHQ9.max_score(), 27);
    }

    #[test]
    fn gad7_bands_at_every_boundary() {
        let expect = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ];
        for (total, band) in expect {
            assert_eq!(GAD7.band(total), band, "{total}");
        }
        assert_eq!(GAD7.max_score(), 21);
    }

    #[test]
    fn scores_and_flags_item_nine() {
        let s = PHQ9.score(&[1, 2, 1, 1, 0, 2, 1, 0, 0]).unwrap();
        assert_eq!(
            (s.total, s.severity, s.self_harm_thoughts),
            (8, "mild", false)
        );
        let s = PHQ9.score(&[0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        assert_eq!(
            (s.total, s.severity, s.self_harm_thoughts),
            (1, "minimal", true)
        );
        let s = GAD7.score(&[3, 3, 3, 3, 3, 3, 3]).unwrap();
        assert_eq!(
            (s.total, s.severity, s.self_harm_thoughts),
            (21, "severe", false)
        );
        assert_eq!(
            PHQ9.score(&[0; 7]),
            Err(ScoreError::Count {
                expected: 9,
                got: 7
            })
        );
        assert_eq!(
            GAD7.score(&[0, 0, 4, 0, 0, 0, 0]),
            Err(ScoreError::Range(2))
        );
        assert_eq!(
            GAD7.score(&[0, 0, 0, -1, 0, 0, 0]),
            Err(ScoreError::Range(3))
        );
    }

    #[test]
    fn fhir_response_has_loinc_codes_and_the_total() {
        let id = uuid::Uuid::now_v7();
        let user = uuid::Uuid::now_v7();
        let at = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
        let r = GAD7.fhir(id, user, &[0, 1, 2, 3, 0, 1, 2], 9, at);
        assert_eq!(r["resourceType"], "QuestionnaireResponse");
        assert_eq!(r["status"], "completed");
        assert_eq!(r["questionnaire"], "http://loinc.org/q/69737-5");
        assert_eq!(r["subject"]["reference"], format!("Patient/{user}"));
        let items = r["item"].as_array().unwrap();
        assert_eq!(items.len(), 8);
        assert_eq!(items[3]["linkId"], "69734-2");
        assert_eq!(items[3]["answer"][0]["valueCoding"]["code"], "LA6571-9");
        assert_eq!(items[7]["linkId"], "70274-6");
        assert_eq!(items[7]["answer"][0]["valueInteger"], 9);
        assert!(r["authored"].as_str().unwrap().starts_with("2026-"));
    }
}
