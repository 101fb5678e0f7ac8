//! A completed questionnaire, scored and kept. A PHQ-9 item 9 answer above 0
//! goes straight to the safety protocol (`conversation::crisis`): a crisis
//! event (clinicians the person shares with are told the level and time),
//! and the answer carries the person's country's crisis lines.

use rebloom_store::QuestionnaireResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::history::{ResponseView, views};
use super::{ScoreError, instrument};
use crate::conversation::Conversations;
use crate::conversation::crisis::{self, CrisisStateView};
use crate::conversation::views::SafetyView;
use crate::deliver::{Deliver, Update, deliver};
use crate::wellbeing::Wellbeing;
use crate::{CoreError, CoreResult, FieldError};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    pub response: ResponseView,
    /// Present when an answer calls for the safety protocol (PHQ-9 item 9
    /// above 0): the person's country's crisis lines and a message.
    pub safety: Option<SafetyView>,
    pub safety_message: Option<String>,
    /// With the safety protocol: the person's crisis state it started (also
    /// pushed to their other devices as `crisis-state`).
    pub crisis: Option<CrisisStateView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Submission {
    #[schema(value_type = Instrument)]
    pub instrument: String,
    /// One answer per item (9 for `phq9`, 7 for `gad7`), each 0 (not at all)
    /// to 3 (nearly every day).
    #[schema(value_type = Vec<Answer>, min_items = 7, max_items = 9)]
    pub answers: Vec<i32>,
    /// One of the caller's sessions.
    pub session_id: Option<Uuid>,
}

/// A questionnaire: `phq9` (PHQ-9, depression) or `gad7` (GAD-7, anxiety).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum Instrument {
    Phq9,
    Gad7,
}

/// An answer: 0 (not at all) to 3 (nearly every day).
#[derive(ToSchema)]
#[schema(value_type = i32, minimum = 0, maximum = 3)]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub struct Answer(i32);

impl Wellbeing {
    /// Scores and keeps a completed questionnaire; an answer that calls for
    /// it starts the safety protocol in `conv`, and the crisis state it
    /// started goes to the person's devices through `devices`.
    pub async fn submit_questionnaire(
        &self,
        conv: &Conversations,
        devices: &dyn Deliver,
        user_id: Uuid,
        req: Submission,
    ) -> CoreResult<Submitted> {
        let Some(inst) = instrument(&req.instrument) else {
            return Err(CoreError::field(
                "instrument",
                "unknown_instrument",
                "phq9 or gad7.",
            ));
        };
        let score = inst.score(&req.answers).map_err(|e| {
            CoreError::Invalid(vec![match e {
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
        self.check_session(user_id, req.session_id, &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let now = self.clock.now();
        let response = QuestionnaireResponse {
            id: Uuid::now_v7(),
            user_id,
            instrument: inst.id.to_owned(),
            answers: req.answers,
            total_score: score.total,
            severity: score.severity.to_owned(),
            session_id: req.session_id,
            completed_at: now,
        };
        self.questionnaires.insert_questionnaire(&response).await?;
        metrics::counter!("questionnaires_total", "instrument" => inst.id, "severity" => score.severity)
            .increment(1);
        let (safety, safety_message, crisis) = if score.self_harm_thoughts {
            let protocol =
                crisis::questionnaire_protocol(conv, user_id, req.session_id, now).await?;
            if let Some(state) = &protocol.state {
                deliver(devices, user_id, Update::CrisisState, state, None).await;
            }
            (
                Some(protocol.safety),
                Some(protocol.message),
                protocol.state,
            )
        } else {
            (None, None, None)
        };
        // Read back with the one before it, for the change between them.
        let previous = self
            .questionnaires
            .list_questionnaires(user_id, Some(inst.id), 2)
            .await?;
        let view = views(previous)
            .into_iter()
            .find(|v| v.id == response.id)
            .ok_or(CoreError::NotFound)?;
        Ok(Submitted {
            response: view,
            safety,
            safety_message,
            crisis,
        })
    }
}
