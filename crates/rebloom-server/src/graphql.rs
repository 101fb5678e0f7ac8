//! `/api/graphql`: the analytics dashboard's queries over the caller's own
//! data (sessions with message metadata, moods and their trends, goals,
//! insights, questionnaires, engagement), read-only, with the REST API's
//! authentication and depth and complexity limits. Message text is not
//! offered here (the dashboard needs counts, levels and tags, not words).
//! Where REST computes something (trends, engagement), the resolvers call
//! the same services (`rebloom_core::wellbeing`), so the two cannot disagree.

use std::sync::Arc;

use async_graphql::{
    ComplexObject, Context, EmptyMutation, EmptySubscription, ErrorExtensions, Json, Object,
    Schema, SimpleObject,
};
use axum::response::IntoResponse;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ApiJson, AuthUser};
use crate::http::goals::GoalView;
use rebloom_core::wellbeing::calendar::RangeParams;
use rebloom_core::wellbeing::moods::{MoodView, TrendParams};
use rebloom_core::wellbeing::questionnaires::history::ResponseView;

/// A mood check-in, with the fields `GET /api/me/moods` gives.
#[derive(SimpleObject)]
struct Mood {
    id: Uuid,
    /// 1 (very low) to 10 (very good).
    mood_score: i32,
    anxiety_level: Option<i32>,
    stress_level: Option<i32>,
    energy_level: Option<i32>,
    notes: Option<String>,
    triggers: Vec<String>,
    session_id: Option<Uuid>,
    recorded_at: OffsetDateTime,
    /// The person's own date of the entry (their time zone), YYYY-MM-DD.
    local_date: String,
    updated_at: Option<OffsetDateTime>,
}

impl From<MoodView> for Mood {
    fn from(m: MoodView) -> Mood {
        Mood {
            id: m.id,
            mood_score: m.mood_score,
            anxiety_level: m.anxiety_level,
            stress_level: m.stress_level,
            energy_level: m.energy_level,
            notes: m.notes,
            triggers: m.triggers,
            session_id: m.session_id,
            recorded_at: m.recorded_at,
            local_date: m.local_date,
            updated_at: m.updated_at,
        }
    }
}

/// A questionnaire response, with the fields `GET /api/me/questionnaires` gives.
#[derive(SimpleObject)]
struct QuestionnaireResponse {
    id: Uuid,
    /// `phq9` or `gad7`.
    instrument: String,
    answers: Vec<i32>,
    total_score: i32,
    max_score: i32,
    /// `minimal`, `mild`, `moderate`, `moderately_severe` (PHQ-9 only) or `severe`.
    severity: String,
    /// Change in total from the previous response to the same instrument.
    change: Option<i32>,
    session_id: Option<Uuid>,
    completed_at: OffsetDateTime,
}

impl From<ResponseView> for QuestionnaireResponse {
    fn from(r: ResponseView) -> QuestionnaireResponse {
        QuestionnaireResponse {
            id: r.id,
            instrument: r.instrument,
            answers: r.answers,
            total_score: r.total_score,
            max_score: r.max_score,
            severity: r.severity,
            change: r.change,
            session_id: r.session_id,
            completed_at: r.completed_at,
        }
    }
}

/// Deepest nesting a query may have.
pub const MAX_DEPTH: usize = 6;
/// Most fields (weighted by list sizes) one query may ask for.
pub const MAX_COMPLEXITY: usize = 5_000;
/// Items a list field returns at most.
const MAX_ITEMS: i32 = 200;

pub type AnalyticsSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

pub fn schema(state: AppState) -> AnalyticsSchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(state)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// `POST /api/graphql` with `{query, variables, operationName}`.
pub async fn handler(
    axum::Extension(schema): axum::Extension<Arc<AnalyticsSchema>>,
    user: AuthUser,
    ApiJson(request): ApiJson<async_graphql::Request>,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let response = schema.execute(request.data(user)).await;
    metrics::histogram!("graphql_request_duration_seconds").record(started.elapsed().as_secs_f64());
    axum::Json(response).into_response()
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn gql(e: impl Into<ApiError>) -> async_graphql::Error {
    let e: ApiError = e.into();
    let code = e.code();
    let message = match &e {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

fn parts<'a>(ctx: &Context<'a>) -> async_graphql::Result<(AppState, AuthUser)> {
    Ok((
        ctx.data::<AppState>()?.clone(),
        ctx.data::<AuthUser>()?.clone(),
    ))
}

fn limit(first: Option<i32>) -> async_graphql::Result<usize> {
    let n = first.unwrap_or(50);
    if !(1..=MAX_ITEMS).contains(&n) {
        return Err(gql(ApiError::field(
            "first",
            "out_of_range",
            format!("Use 1 to {MAX_ITEMS}."),
        )));
    }
    Ok(n as usize)
}

/// A conversation session.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SessionNode {
    pub id: Uuid,
    pub session_type: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub message_count: i32,
    pub mood_before: Option<i32>,
    pub mood_after: Option<i32>,
    #[graphql(skip)]
    user_id: Uuid,
}

/// A message's metadata (never its text).
#[derive(SimpleObject)]
pub struct MessageNode {
    pub id: Uuid,
    /// `user` or `ai`.
    pub sender: String,
    pub message_type: String,
    pub sentiment_score: Option<f64>,
    pub emotional_tags: Json<Value>,
    pub risk_level: String,
    pub created_at: String,
}

#[ComplexObject]
impl SessionNode {
    /// The session's messages, oldest first.
    #[graphql(complexity = "first.unwrap_or(50) as usize * child_complexity")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<MessageNode>> {
        let n = limit(first)?;
        let state = ctx.data::<AppState>()?;
        let messages = state
            .conversations
            .all_messages(self.user_id, Some(self.id))
            .await
            .map_err(gql)?;
        Ok(messages
            .into_iter()
            .take(n)
            .map(|m| MessageNode {
                id: m.id,
                sender: if m.sender == rebloom_store::Sender::User {
                    "user"
                } else {
                    "ai"
                }
                .to_owned(),
                message_type: m.message_type,
                sentiment_score: m.sentiment_score,
                emotional_tags: Json(m.emotional_tags),
                risk_level: m.risk_level,
                created_at: ts(m.created_at),
            })
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct InsightNode {
    pub id: Uuid,
    pub insight_type: String,
    pub title: String,
    pub period_start: Option<String>,
    pub generated_at: String,
    pub acknowledged_at: Option<String>,
    pub confidence_score: Option<f64>,
    /// The report, every figure with the entries it came from.
    pub content: Json<Value>,
}

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The caller's id.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Uuid> {
        Ok(parts(ctx)?.1.id)
    }

    /// The caller's sessions, newest first.
    #[graphql(complexity = "first.unwrap_or(50) as usize * child_complexity")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SessionNode>> {
        let n = limit(first)?;
        let (state, user) = parts(ctx)?;
        let sessions = state
            .conversations
            .all_sessions(user.id)
            .await
            .map_err(gql)?;
        Ok(sessions
            .into_iter()
            .take(n)
            .map(|s| SessionNode {
                id: s.id,
                session_type: s.session_type,
                started_at: ts(s.started_at),
                ended_at: s.ended_at.map(ts),
                message_count: s.message_count,
                mood_before: s.mood_before,
                mood_after: s.mood_after,
                user_id: s.user_id,
            })
            .collect())
    }

    /// Mood check-ins in a range of the caller's days (as `GET /api/me/moods`), newest first.
    #[graphql(complexity = "200 * child_complexity")]
    async fn moods(
        &self,
        ctx: &Context<'_>,
        range: Option<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> async_graphql::Result<Vec<Mood>> {
        let (state, user) = parts(ctx)?;
        let list = state
            .wellbeing
            .moods_in_range(user.id, &RangeParams { range, from, to })
            .await
            .map_err(gql)?;
        Ok(list.entries.into_iter().map(Mood::from).collect())
    }

    /// Mood trends, exactly as `GET /api/me/moods/trends` gives them.
    async fn mood_trends(
        &self,
        ctx: &Context<'_>,
        bucket: Option<String>,
        range: Option<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> async_graphql::Result<Json<Value>> {
        let (state, user) = parts(ctx)?;
        let t = state
            .wellbeing
            .trends_in(
                user.id,
                TrendParams {
                    bucket,
                    range,
                    from,
                    to,
                },
            )
            .await
            .map_err(gql)?;
        Ok(Json(serde_json::to_value(t)?))
    }

    /// Engagement, exactly as `GET /api/me/engagement` gives it.
    async fn engagement(
        &self,
        ctx: &Context<'_>,
        range: Option<String>,
    ) -> async_graphql::Result<Json<Value>> {
        let (state, user) = parts(ctx)?;
        let e = state
            .wellbeing
            .engagement_in(
                user.id,
                &RangeParams {
                    range,
                    from: None,
                    to: None,
                },
            )
            .await
            .map_err(gql)?;
        Ok(Json(serde_json::to_value(e)?))
    }

    /// Goals with their progress history, newest first.
    #[graphql(complexity = "100 * child_complexity")]
    async fn goals(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
    ) -> async_graphql::Result<Vec<GoalView>> {
        let (state, user) = parts(ctx)?;
        let goals = state
            .wellbeing
            .goals_with_history(user.id, status.as_deref())
            .await
            .map_err(gql)?;
        Ok(goals
            .into_iter()
            .map(|(g, history)| GoalView::new(g, history))
            .collect())
    }

    /// Weekly insights, newest first.
    #[graphql(complexity = "52 * child_complexity")]
    async fn insights(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InsightNode>> {
        let (state, user) = parts(ctx)?;
        let insights = state.insights.list(user.id).await.map_err(gql)?;
        Ok(insights
            .into_iter()
            .map(|i| InsightNode {
                id: i.id,
                insight_type: i.insight_type,
                title: i.title,
                period_start: i.period_start.map(|d| d.to_string()),
                generated_at: ts(i.generated_at),
                acknowledged_at: i.acknowledged_at.map(ts),
                confidence_score: i.confidence_score,
                content: Json(i.content),
            })
            .collect())
    }

    /// Questionnaire responses (PHQ-9, GAD-7), newest first.
    #[graphql(complexity = "200 * child_complexity")]
    async fn questionnaires(
        &self,
        ctx: &Context<'_>,
        instrument: Option<String>,
    ) -> async_graphql::Result<Vec<QuestionnaireResponse>> {
        let (state, user) = parts(ctx)?;
        let history = state
            .wellbeing
            .questionnaire_history(user.id, instrument.as_deref())
            .await
            .map_err(gql)?;
        Ok(history
            .responses
            .into_iter()
            .map(QuestionnaireResponse::from)
            .collect())
    }
}
