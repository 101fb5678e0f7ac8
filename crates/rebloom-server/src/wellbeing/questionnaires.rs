//! Standardised questionnaires: the PHQ-9 (depression) and the GAD-7
//! (anxiety), both free to reproduce (Spitzer, Williams, Kroenke and
//! colleagues; Pfizer), scored as published, with their severity bands, and
//! written out as FHIR R4 `QuestionnaireResponse` resources with LOINC codes
//! so a clinician's system can read them.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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

/// `/api/questionnaires` (the instruments) and `/api/me/questionnaires` (the
/// caller's responses, their history and FHIR export).
pub mod routes {
    use axum::extract::{Query, State};
    use axum::http::StatusCode;
    use rebloom_safety::{Assessment, Category, ReplyContext, RiskLevel};
    use rebloom_store::QuestionnaireResponse;
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};
    use time::OffsetDateTime;
    use utoipa::{IntoParams, ToSchema};
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    use uuid::Uuid;

    use super::{INSTRUMENTS, ScoreError, instrument};
    use crate::app::AppState;
    use crate::conversation::views::{SafetyView, safety_view};
    use crate::error::{ApiError, ApiResult, FieldError, Problem};
    use crate::extract::{ApiJson, AuthUser};

    pub fn router() -> OpenApiRouter<AppState> {
        OpenApiRouter::new()
            .routes(routes!(list_instruments))
            .routes(routes!(history, submit))
            .routes(routes!(fhir_bundle))
    }

    const MAX_HISTORY: i64 = 500;

    #[derive(Debug, Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct ResponseView {
        pub id: Uuid,
        /// `phq9` or `gad7`.
        pub instrument: String,
        pub answers: Vec<i32>,
        pub total_score: i32,
        pub max_score: i32,
        /// `minimal`, `mild`, `moderate`, `moderately_severe` (PHQ-9 only) or `severe`.
        pub severity: String,
        /// Change in total from the previous response to the same instrument.
        pub change: Option<i32>,
        pub session_id: Option<Uuid>,
        #[serde(with = "time::serde::rfc3339")]
        pub completed_at: OffsetDateTime,
    }

    #[derive(Debug, Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Submitted {
        pub response: ResponseView,
        /// Present when an answer calls for the safety protocol (PHQ-9 item 9
        /// above 0): the person's country's crisis lines and a message.
        pub safety: Option<SafetyView>,
        pub safety_message: Option<String>,
    }

    #[derive(Debug, Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct History {
        /// Newest first.
        pub responses: Vec<ResponseView>,
        /// Per instrument: `improving`, `worsening` or `stable` (a change of
        /// 5 points or more, the usual threshold for a clinically meaningful
        /// change) from the first to the latest response; null with fewer than two.
        #[schema(value_type = Object)]
        pub trend: Value,
    }

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Submission {
        /// `phq9` or `gad7`.
        pub instrument: String,
        /// One answer per item, each 0 (not at all) to 3 (nearly every day).
        pub answers: Vec<i32>,
        pub session_id: Option<Uuid>,
    }

    #[derive(Debug, Deserialize, IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct HistoryQuery {
        /// Only this instrument.
        pub instrument: Option<String>,
    }

    fn views(responses: Vec<QuestionnaireResponse>) -> Vec<ResponseView> {
        // Newest first: the previous response to an instrument comes later in the list.
        let mut out: Vec<ResponseView> = Vec::with_capacity(responses.len());
        for (i, r) in responses.iter().enumerate() {
            let previous = responses[i + 1..]
                .iter()
                .find(|p| p.instrument == r.instrument);
            out.push(ResponseView {
                id: r.id,
                instrument: r.instrument.clone(),
                answers: r.answers.clone(),
                total_score: r.total_score,
                max_score: instrument(&r.instrument).map_or(0, |i| i.max_score()),
                severity: r.severity.clone(),
                change: previous.map(|p| r.total_score - p.total_score),
                session_id: r.session_id,
                completed_at: r.completed_at,
            });
        }
        out
    }

    /// The questionnaires a person can take, with their items and answers.
    #[utoipa::path(get, path = "/api/questionnaires", tag = "wellbeing", security(("bearer" = [])),
        responses((status = 200, body = Object)))]
    pub async fn list_instruments(_user: AuthUser) -> ApiJson<Value> {
        ApiJson(
            json!({ "instruments": INSTRUMENTS.iter().map(|i| i.describe()).collect::<Vec<_>>() }),
        )
    }

    /// The caller's responses with the change between them, and each instrument's trend.
    #[utoipa::path(get, path = "/api/me/questionnaires", tag = "wellbeing", security(("bearer" = [])),
        params(HistoryQuery),
        responses((status = 200, body = History), (status = 422, body = Problem, content_type = "application/problem+json")))]
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn history(
        State(state): State<AppState>,
        user: AuthUser,
        Query(q): Query<HistoryQuery>,
    ) -> ApiResult<ApiJson<History>> {
        if let Some(i) = &q.instrument
            && instrument(i).is_none()
        {
            return Err(ApiError::field(
                "instrument",
                "unknown_instrument",
                "phq9 or gad7.",
            ));
        }
        let responses = state
            .store
            .list_questionnaires(user.id, q.instrument.as_deref(), MAX_HISTORY)
            .await?;
        let mut trend = serde_json::Map::new();
        for i in INSTRUMENTS {
            let of: Vec<&QuestionnaireResponse> =
                responses.iter().filter(|r| r.instrument == i.id).collect();
            let value = match (of.first(), of.last()) {
                (Some(latest), Some(first)) if of.len() >= 2 => {
                    let change = latest.total_score - first.total_score;
                    json!({
                        "direction": if change <= -5 { "improving" } else if change >= 5 { "worsening" } else { "stable" },
                        "change": change,
                        "from": first.total_score,
                        "to": latest.total_score,
                        "responses": of.len(),
                    })
                }
                _ => Value::Null,
            };
            trend.insert(i.id.to_owned(), value);
        }
        Ok(ApiJson(History {
            responses: views(responses),
            trend: Value::Object(trend),
        }))
    }

    /// Scores and keeps a completed questionnaire. A PHQ-9 item 9 answer above
    /// 0 goes straight to the safety protocol: a crisis event (clinicians the
    /// person shares with are told the level and time), and the reply carries
    /// the person's country's crisis lines.
    #[utoipa::path(post, path = "/api/me/questionnaires", tag = "wellbeing", security(("bearer" = [])),
        request_body = Submission,
        responses(
            (status = 201, body = Submitted),
            (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
        ))]
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn submit(
        State(state): State<AppState>,
        user: AuthUser,
        ApiJson(req): ApiJson<Submission>,
    ) -> ApiResult<(StatusCode, ApiJson<Submitted>)> {
        let Some(inst) = instrument(&req.instrument) else {
            return Err(ApiError::field(
                "instrument",
                "unknown_instrument",
                "phq9 or gad7.",
            ));
        };
        let score = inst.score(&req.answers).map_err(|e| {
            ApiError::Validation(vec![match e {
                ScoreError::Count { expected, got } => FieldError::new(
                    "answers",
                    "wrong_count",
                    format!("{expected} answers, not {got}."),
                ),
                ScoreError::Range(i) => FieldError::new(
                    format!("answers[{i}]"),
                    "out_of_range",
                    "Each answer is 0 to 3.",
                ),
            }])
        })?;
        let mut errors = Vec::new();
        crate::wellbeing::moods::check_session(&state, user.id, req.session_id, &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let now = state.clock.now();
        let response = QuestionnaireResponse {
            id: Uuid::now_v7(),
            user_id: user.id,
            instrument: inst.id.to_owned(),
            answers: req.answers,
            total_score: score.total,
            severity: score.severity.to_owned(),
            session_id: req.session_id,
            completed_at: now,
        };
        state.store.insert_questionnaire(&response).await?;
        metrics::counter!("questionnaires_total", "instrument" => inst.id, "severity" => score.severity)
            .increment(1);
        let (safety, safety_message) = if score.self_harm_thoughts {
            let (view, text) = safety_protocol(&state, user.id, req.session_id, now).await?;
            (Some(view), Some(text))
        } else {
            (None, None)
        };
        let previous = state
            .store
            .list_questionnaires(user.id, Some(inst.id), 2)
            .await?;
        let view = views(previous)
            .into_iter()
            .find(|v| v.id == response.id)
            .ok_or(ApiError::NotFound)?;
        Ok((
            StatusCode::CREATED,
            ApiJson(Submitted {
                response: view,
                safety,
                safety_message,
            }),
        ))
    }

    /// The crisis protocol for a questionnaire answer: recorded as a crisis
    /// event at `high` (thoughts of death or self-harm, asked about directly),
    /// notified as any crisis is, answered with the templated crisis reply.
    async fn safety_protocol(
        state: &AppState,
        user_id: Uuid,
        session_id: Option<Uuid>,
        now: OffsetDateTime,
    ) -> ApiResult<(SafetyView, String)> {
        let profile = state.store.get_profile(user_id).await?;
        let country = profile.as_ref().and_then(|p| p.country.clone());
        let language = profile
            .as_ref()
            .map_or_else(|| "en".to_owned(), |p| p.language.clone());
        let assessment = Assessment {
            level: RiskLevel::High,
            categories: vec![Category::SuicidalIdeation],
            evidence: Vec::new(),
            confidence: 1.0,
        };
        let ctx = ReplyContext {
            country: country.as_deref(),
            language: &language,
            resources_given: false,
            turn: 0,
        };
        let reply = state
            .safety
            .replies
            .crisis(&assessment, &state.safety.directory, &ctx);
        let event = rebloom_store::CrisisEvent {
            id: Uuid::now_v7(),
            user_id,
            session_id,
            message_id: None,
            risk_level: assessment.level.as_str().to_owned(),
            categories: json!(assessment.categories),
            intervention_type: "questionnaire".to_owned(),
            created_at: now,
        };
        metrics::counter!("crisis_events_total", "risk_level" => assessment.level.as_str(), "intervention_type" => "questionnaire")
            .increment(1);
        state.store.record_crisis_event(&event).await?;
        crate::jobs::notify::crisis(state, &event, country.as_deref()).await;
        Ok((safety_view(&assessment, Some(&reply)), reply.text))
    }

    /// Every response as a FHIR R4 `Bundle` (type `collection`) of
    /// `QuestionnaireResponse` resources with LOINC codes.
    #[utoipa::path(get, path = "/api/me/questionnaires/fhir", tag = "wellbeing", security(("bearer" = [])),
        responses((status = 200, description = "A FHIR R4 Bundle", body = Object, content_type = "application/fhir+json")))]
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn fhir_bundle(
        State(state): State<AppState>,
        user: AuthUser,
    ) -> ApiResult<axum::response::Response> {
        use axum::response::IntoResponse;
        let responses = state
            .store
            .list_questionnaires(user.id, None, MAX_HISTORY)
            .await?;
        Ok((
            [(axum::http::header::CONTENT_TYPE, "application/fhir+json")],
            axum::Json(bundle(&responses)),
        )
            .into_response())
    }

    /// A FHIR `Bundle` of the responses.
    pub fn bundle(responses: &[QuestionnaireResponse]) -> Value {
        let entries: Vec<Value> = responses
            .iter()
            .filter_map(|r| {
                let i = instrument(&r.instrument)?;
                let resource = i.fhir(r.id, r.user_id, &r.answers, r.total_score, r.completed_at);
                Some(json!({ "fullUrl": format!("urn:uuid:{}", r.id), "resource": resource }))
            })
            .collect();
        json!({
            "resourceType": "Bundle",
            "type": "collection",
            "total": entries.len(),
            "entry": entries,
        })
    }
}
