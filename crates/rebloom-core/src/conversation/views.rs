//! What clients see of a turn: the stored message, the reply and its safety side.

use rebloom_safety::Assessment;
use rebloom_store::{Message, Session};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One resource line as clients see it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    pub name: String,
    pub contact: String,
    pub hours: String,
}

/// The safety side of a reply, for clients (the crisis panel).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SafetyView {
    /// `none`, `low`, `moderate`, `high` or `critical`.
    pub risk_level: String,
    pub categories: Vec<String>,
    /// The person's country's crisis lines, when this reply lists them.
    pub resources: Vec<ResourceView>,
    pub emergency_number: Option<String>,
    pub urge_emergency_services: bool,
    pub offer_safety_plan: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: Uuid,
    pub session_id: Uuid,
    /// `user` or `ai`.
    pub sender: String,
    pub content: String,
    pub message_type: String,
    pub sentiment_score: Option<f64>,
    #[schema(value_type = Vec<String>)]
    pub emotional_tags: Value,
    pub risk_level: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        MessageView {
            id: m.id,
            session_id: m.session_id,
            sender: m.sender.as_str().to_owned(),
            content: m.content.clone(),
            message_type: m.message_type.clone(),
            sentiment_score: m.sentiment_score,
            emotional_tags: m.emotional_tags.clone(),
            risk_level: m.risk_level.clone(),
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AiResponse {
    pub id: Uuid,
    pub content: String,
    /// Which engine answered: `guided`, `openai`, `anthropic`, or `safety` for templated crisis replies.
    pub provider: String,
    pub safety: SafetyView,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The guided exercise this reply belongs to, for clients to show it as a card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercise: Option<ExerciseView>,
}

/// A guided exercise under way, or finished by this reply.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseView {
    /// `thought_record`, `behavioural_activation`, `grounding`, `breathing`, `gratitude`, `values` or `safety_plan`.
    pub kind: String,
    /// The step waiting for an answer (e.g. `round2`), or `done`.
    pub step: String,
    /// Position of that step, from 1 (equals `totalSteps` when done).
    pub step_number: u32,
    pub total_steps: u32,
    pub completed: bool,
}

impl ExerciseView {
    /// From the engine state after a reply and the exercise the reply finished, if any.
    pub fn from_state(after: Option<&serde_json::Value>, completed: Option<&str>) -> Option<Self> {
        use rebloom_ai::guided::{ExerciseKind, ExerciseProgress};
        if let Some(id) = completed {
            let kind = ExerciseKind::ALL.into_iter().find(|k| k.id() == id)?;
            let total = kind.steps().len() as u32;
            return Some(Self {
                kind: id.to_owned(),
                step: "done".to_owned(),
                step_number: total,
                total_steps: total,
                completed: true,
            });
        }
        let progress: ExerciseProgress =
            serde_json::from_value(after?.get("exercise")?.clone()).ok()?;
        let steps = progress.kind.steps();
        let position = steps.iter().position(|s| *s == progress.step)?;
        Some(Self {
            kind: progress.kind.id().to_owned(),
            step: progress.step,
            step_number: position as u32 + 1,
            total_steps: steps.len() as u32,
            completed: false,
        })
    }
}

/// The outcome of one message: what was stored and what the companion said.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TurnResult {
    pub session_id: Uuid,
    pub message: MessageView,
    pub ai_response: AiResponse,
    /// The person's crisis state after this turn (what the crisis bar shows
    /// on every device).
    pub crisis: crate::conversation::crisis::CrisisStateView,
}

impl From<&rebloom_safety::Line> for ResourceView {
    fn from(l: &rebloom_safety::Line) -> Self {
        ResourceView {
            name: l.name.clone(),
            contact: l.contact.clone(),
            hours: l.hours.clone(),
        }
    }
}

/// The categories' wire names (`suicidal_ideation`, …).
pub fn category_names(categories: &[rebloom_safety::Category]) -> Vec<String> {
    categories
        .iter()
        .filter_map(|c| serde_json::to_value(c).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

pub fn safety_view(a: &Assessment, reply: Option<&rebloom_safety::SafeReply>) -> SafetyView {
    SafetyView {
        risk_level: a.level.as_str().to_owned(),
        categories: category_names(&a.categories),
        resources: reply
            .map(|r| r.resources.iter().map(ResourceView::from).collect())
            .unwrap_or_default(),
        emergency_number: reply.and_then(|r| r.emergency.clone()),
        urge_emergency_services: reply.is_some_and(|r| r.urged_emergency_services),
        offer_safety_plan: reply.is_some_and(|r| r.offered_safety_plan),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: Uuid,
    pub session_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub duration_minutes: Option<i32>,
    pub message_count: i32,
    pub mood_before: Option<i32>,
    pub mood_after: Option<i32>,
    pub summary: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_message_at: Option<OffsetDateTime>,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> Self {
        SessionView {
            id: s.id,
            session_type: s.session_type.clone(),
            started_at: s.started_at,
            ended_at: s.ended_at,
            duration_minutes: s.duration_minutes,
            message_count: s.message_count,
            mood_before: s.mood_before,
            mood_after: s.mood_after,
            summary: s.summary.clone(),
            last_message_at: s.last_message_at,
        }
    }
}
