//! The person's crisis state: whether help stays within reach on every screen
//! and device (the web app's crisis bar), read from what is stored, so every
//! replica, tab and device sees the same. A message or questionnaire answer
//! that ran the crisis protocol starts it; it ends when the person gives a
//! clear safety answer ("no, I'm safe") or after [`QUIET_HOURS`] without new
//! risk, never by navigating away. The lines are always the ones of the
//! person's country now, so a country change shows at once.

use rebloom_safety::{Assessment, Category, Directory, ReplyContext, RiskLevel, Topic};
use rebloom_store::{CrisisEvent, Message, Sender, Session};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::CoreResult;
use crate::conversation::Conversations;
use crate::conversation::risk::{gave_safety_answer, stored_state};
use crate::conversation::views::{
    AiResponse, ResourceView, SafetyView, category_names, safety_view,
};

/// Hours without new risk after which the state ends by itself.
pub const QUIET_HOURS: i64 = 12;
/// Crisis events read (for the crisis state and the session's risk), and
/// messages read to find whether an episode was cleared.
pub const READ: u32 = 50;

/// The person's crisis state, with their country's lines.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CrisisStateView {
    /// Help is kept within reach on every screen.
    pub active: bool,
    /// The highest level in the episode (`high` or `critical`) while active.
    pub level: Option<String>,
    /// What the episode is about (`suicidal_ideation`, `harm_from_others`, …).
    pub categories: Vec<String>,
    /// When the episode started.
    #[serde(with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// When it ends by itself if nothing new happens.
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// The country the lines are for (ISO 3166-1 alpha-2), if the profile says.
    pub country: Option<String>,
    /// The country's emergency number; `None` where the country is not listed.
    pub emergency_number: Option<String>,
    /// The lines for the person's country (for abuse or a child at risk,
    /// those lines first), or the international directory.
    pub resources: Vec<ResourceView>,
}

/// The state from the person's crisis events and messages (each newest first)
/// at `now`, with the lines for `country`.
pub fn fold(
    directory: &Directory,
    events: &[CrisisEvent],
    messages: &[Message],
    country: Option<&str>,
    now: OffsetDateTime,
) -> CrisisStateView {
    // The last clear safety answer among the messages read. Time, then the
    // id (UUIDv7, in order of creation) for the same instant.
    let cleared = messages
        .iter()
        .filter(|m| m.sender == Sender::User && gave_safety_answer(m))
        .map(|m| (m.created_at, m.id))
        .max();
    // However long ago the answer was: the person's newest message keeps its
    // session's risk state, and a state without a `high` peak was cleared
    // since the session's crisis events (decay alone keeps the peak).
    let newest = messages
        .iter()
        .filter(|m| m.sender == Sender::User)
        .max_by_key(|m| (m.created_at, m.id));
    let session_cleared =
        newest.filter(|m| stored_state(m).is_some_and(|r| r.peak < RiskLevel::High));
    let quiet = quiet_since(now);
    let episode: Vec<&CrisisEvent> = events
        .iter()
        .filter(|e| {
            RiskLevel::parse(&e.risk_level).is_some_and(RiskLevel::is_crisis)
                && e.created_at > quiet
                && cleared.is_none_or(|c| (e.created_at, e.id) > c)
                && !session_cleared.is_some_and(|m| {
                    e.session_id == Some(m.session_id)
                        && (e.created_at, e.id) < (m.created_at, m.id)
                })
        })
        .collect();
    let level = episode
        .iter()
        .filter_map(|e| RiskLevel::parse(&e.risk_level))
        .max();
    let mut categories: Vec<Category> = episode
        .iter()
        .flat_map(|e| {
            serde_json::from_value::<Vec<Category>>(e.categories.clone()).unwrap_or_default()
        })
        .collect();
    categories.sort();
    categories.dedup();
    let (resources, known) = directory.for_country(country);
    let topics: &[Topic] = if categories.contains(&Category::HarmFromOthers) {
        &[Topic::DomesticViolence, Topic::ChildProtection]
    } else {
        &[]
    };
    CrisisStateView {
        active: level.is_some(),
        level: level.map(|l| l.as_str().to_owned()),
        categories: category_names(&categories),
        since: episode.iter().map(|e| e.created_at).min(),
        until: episode
            .iter()
            .map(|e| e.created_at + time::Duration::hours(QUIET_HOURS))
            .max(),
        country: known
            .then(|| country.map(str::to_ascii_uppercase))
            .flatten(),
        emergency_number: known.then(|| resources.emergency.clone()),
        resources: resources
            .lines_for(topics)
            .into_iter()
            .map(ResourceView::from)
            .collect(),
    }
}

/// Crisis events before this are past the quiet period.
fn quiet_since(now: OffsetDateTime) -> OffsetDateTime {
    now - time::Duration::hours(QUIET_HOURS)
}

/// The person's crisis state now.
pub async fn current(conv: &Conversations, user_id: Uuid) -> CoreResult<CrisisStateView> {
    let country = conv
        .users
        .get_profile(user_id)
        .await?
        .and_then(|p| p.country);
    current_in(conv, user_id, country.as_deref()).await
}

/// The person's crisis state now, with the lines for `country`.
pub async fn current_in(
    conv: &Conversations,
    user_id: Uuid,
    country: Option<&str>,
) -> CoreResult<CrisisStateView> {
    let events = conv.crises.list_crisis_events(user_id, READ).await?;
    with_events(conv, user_id, country, &events).await
}

/// The person's crisis state now from their crisis `events` as the caller
/// read them (newest first, at most [`READ`]), with the lines for `country`.
/// The messages, which only say whether an episode was cleared, are read only
/// when there is one to clear.
pub async fn with_events(
    conv: &Conversations,
    user_id: Uuid,
    country: Option<&str>,
    events: &[CrisisEvent],
) -> CoreResult<CrisisStateView> {
    let now = conv.clock.now();
    let quiet = quiet_since(now);
    let messages = if events.iter().any(|e| e.created_at > quiet) {
        conv.sessions
            .list_messages(user_id, None, None, READ)
            .await?
    } else {
        Vec::new()
    };
    Ok(fold(
        &conv.safety.directory,
        events,
        &messages,
        country,
        now,
    ))
}

/// How long a questionnaire answer can open a check-in.
const CHECK_IN_HOURS: i64 = 24;
/// The metadata key of a session's opening check-in: the questionnaire
/// response it was opened for.
pub const CHECK_IN_KEY: &str = "checkInFrom";

/// Whether `response` is the person's own questionnaire answer, from the last
/// [`CHECK_IN_HOURS`], that ran the crisis protocol.
pub async fn check_in_allowed(
    conv: &Conversations,
    user_id: Uuid,
    response: Uuid,
) -> CoreResult<bool> {
    let since = conv.clock.now() - time::Duration::hours(CHECK_IN_HOURS);
    let responses = conv
        .questionnaires
        .list_questionnaires(user_id, None, 50)
        .await?;
    Ok(responses.iter().any(|r| {
        r.id == response
            && r.completed_at >= since
            && crate::wellbeing::questionnaires::instrument(&r.instrument)
                .and_then(|i| i.score(&r.answers).ok())
                .is_some_and(|s| s.self_harm_thoughts)
    }))
}

/// Opens `session` with the companion's direct check-in after a questionnaire
/// answer that ran the crisis protocol: acknowledged, asked directly, in the
/// person's language, stored as the session's first message, with the crisis
/// dialogue started (its lines were given with the answer). The person's
/// reply is then read as an answer to it, and the session carries the risk.
pub async fn open_check_in(
    conv: &Conversations,
    session: &Session,
    response: Uuid,
) -> CoreResult<AiResponse> {
    let profile = conv.users.get_profile(session.user_id).await?;
    let language = profile.as_ref().map_or("en", |p| p.language.as_str());
    let text = conv.safety.replies.check_in_opening(language);
    let dialogue = rebloom_safety::Dialogue::asked_directly();
    let message = Message::companion(
        session.id,
        session.user_id,
        text,
        RiskLevel::High.as_str(),
        serde_json::json!({
            "provider": "safety",
            "model": "templates",
            "resourcesListed": true,
            "crisisDialogue": dialogue,
            CHECK_IN_KEY: response,
        }),
        conv.clock.now(),
    );
    conv.sessions.insert_message(&message).await?;
    let assessment = rebloom_safety::Assessment {
        level: RiskLevel::High,
        categories: vec![Category::SuicidalIdeation],
        evidence: Vec::new(),
        confidence: 1.0,
    };
    Ok(AiResponse {
        id: message.id,
        content: message.content,
        provider: "safety".to_owned(),
        safety: crate::conversation::views::safety_view(&assessment, None),
        created_at: message.created_at,
        exercise: None,
    })
}

/// What the crisis protocol gives a questionnaire answer.
pub struct QuestionnaireCrisis {
    /// The person's country's crisis lines.
    pub safety: SafetyView,
    /// The templated crisis reply, in the conversation's language.
    pub message: String,
    /// The crisis state it started; `None` when it could not be read (the
    /// reply never waits on it).
    pub state: Option<CrisisStateView>,
}

/// The crisis protocol for a questionnaire answer: recorded as a crisis
/// event at `high` (thoughts of death or self-harm, asked about directly),
/// notified as any crisis is, answered with the templated crisis reply.
pub async fn questionnaire_protocol(
    conv: &Conversations,
    user_id: Uuid,
    session_id: Option<Uuid>,
    now: OffsetDateTime,
) -> CoreResult<QuestionnaireCrisis> {
    let profile = conv.users.get_profile(user_id).await?;
    let country = profile.as_ref().and_then(|p| p.country.clone());
    // In the language of the conversation the questionnaire was taken in, if
    // it is clear from the person's recent messages, else the profile's.
    let earlier = match session_id {
        Some(id) => match conv
            .sessions
            .list_messages(user_id, Some(id), None, 6)
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "reading the conversation failed; answering in the profile's language");
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let language = crate::conversation::turn::reply_language(
        &conv.safety,
        profile.as_ref().map_or("en", |p| p.language.as_str()),
        "",
        earlier.iter(),
    );
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
    let reply = conv
        .safety
        .replies
        .crisis(&assessment, &conv.safety.directory, &ctx);
    let event = CrisisEvent {
        id: Uuid::now_v7(),
        user_id,
        session_id,
        message_id: None,
        risk_level: assessment.level.as_str().to_owned(),
        categories: serde_json::json!(assessment.categories),
        intervention_type: "questionnaire".to_owned(),
        created_at: now,
    };
    metrics::counter!("crisis_events_total", "risk_level" => assessment.level.as_str(), "intervention_type" => "questionnaire")
        .increment(1);
    conv.crises.record_crisis_event(&event).await?;
    conv.notices.crisis(&event, country.as_deref()).await;
    let state = current_in(conv, user_id, country.as_deref())
        .await
        .inspect_err(|e| tracing::error!(error = %e, "reading the crisis state failed"))
        .ok();
    Ok(QuestionnaireCrisis {
        safety: safety_view(&assessment, Some(&reply)),
        message: reply.text,
        state,
    })
}
