//! A person's questionnaire responses: their history with its trend, and
//! the FHIR bundle of them.

use crate::{CoreError, CoreResult};
use rebloom_store::QuestionnaireResponse;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{INSTRUMENTS, instrument};
use crate::wellbeing::Wellbeing;

pub const MAX_HISTORY: i64 = 500;

// GraphQL's `QuestionnaireResponse` gives the same fields.
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
pub struct History {
    /// Newest first.
    pub responses: Vec<ResponseView>,
    /// Per instrument: `improving`, `worsening` or `stable` (a change of
    /// 5 points or more, the usual threshold for a clinically meaningful
    /// change) from the first to the latest response; null with fewer than two.
    #[schema(value_type = Object)]
    pub trend: Value,
}

pub fn views(responses: Vec<QuestionnaireResponse>) -> Vec<ResponseView> {
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

impl Wellbeing {
    /// The person's responses, newest first (only `instrument_id`'s when given),
    /// with the trend of each instrument.
    pub async fn questionnaire_history(
        &self,
        user_id: Uuid,
        instrument_id: Option<&str>,
    ) -> CoreResult<History> {
        if let Some(i) = instrument_id
            && instrument(i).is_none()
        {
            return Err(CoreError::field(
                "instrument",
                "unknown_instrument",
                "phq9 or gad7.",
            ));
        }
        let responses = self
            .questionnaires
            .list_questionnaires(user_id, instrument_id, MAX_HISTORY)
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
        Ok(History {
            responses: views(responses),
            trend: Value::Object(trend),
        })
    }
}

impl Wellbeing {
    /// Every response of the person (the last [`MAX_HISTORY`]) as a FHIR R4
    /// `Bundle` ([`bundle`]).
    pub async fn questionnaire_bundle(&self, user_id: Uuid) -> CoreResult<Value> {
        let responses = self
            .questionnaires
            .list_questionnaires(user_id, None, MAX_HISTORY)
            .await?;
        Ok(bundle(&responses))
    }
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
