//! Wellbeing: mood check-ins and their trends, goals with progress history,
//! engagement, and standardised questionnaires (PHQ-9, GAD-7) with FHIR
//! export. Dates are the person's own (their profile's time zone).
//!
//! [`Wellbeing`] holds the ports it reads; its methods live beside what they
//! compute (`moods`, `engagement`, `goals`, `questionnaires::history`).

pub mod calendar;
pub mod engagement;
pub mod goals;
pub mod moods;
pub mod next_steps;
pub mod questionnaires;
pub mod trends;

use std::sync::Arc;

use rebloom_store::{
    ConversationStore, GoalStore, Message, MoodStore, QuestionnaireStore, Store, UserStore,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::Clock;
use crate::{CoreResult, FieldError};
use calendar::Calendar;

/// Messages read for one range at most.
const MAX_MESSAGES: usize = 5_000;

/// Reads a person's wellbeing: their calendar, check-ins, trends, goals,
/// engagement and questionnaires.
#[derive(Clone)]
pub struct Wellbeing {
    users: Arc<dyn UserStore>,
    conversations: Arc<dyn ConversationStore>,
    moods: Arc<dyn MoodStore>,
    goals: Arc<dyn GoalStore>,
    questionnaires: Arc<dyn QuestionnaireStore>,
    clock: Arc<dyn Clock>,
}

impl Wellbeing {
    /// The ports it needs, taken from the (sealed) store.
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>) -> Wellbeing {
        Wellbeing {
            users: store.clone(),
            conversations: store.clone(),
            moods: store.clone(),
            goals: store.clone(),
            questionnaires: store.clone(),
            clock,
        }
    }

    /// The person's calendar, from their profile's time zone (UTC without one).
    pub async fn calendar(&self, user_id: Uuid) -> CoreResult<Calendar> {
        let profile = self.users.get_profile(user_id).await?;
        Ok(Calendar::named(
            profile.as_ref().and_then(|p| p.timezone.as_deref()),
        ))
    }

    /// The person's local date today.
    pub async fn today(&self, user_id: Uuid) -> CoreResult<jiff::civil::Date> {
        Ok(self.calendar(user_id).await?.date_of(self.clock.now()))
    }

    /// The person's messages in `[from, to)`, newest first, walking back from
    /// the newest (at most 5,000).
    pub async fn messages_between(
        &self,
        user_id: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> CoreResult<Vec<Message>> {
        const PAGE: u32 = 200;
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .conversations
                .list_messages(user_id, None, before, PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            let done = last.created_at < from || page.len() < PAGE as usize;
            before = Some(last.id);
            out.extend(
                page.into_iter()
                    .filter(|m| m.created_at >= from && m.created_at < to),
            );
            if done || out.len() >= MAX_MESSAGES {
                break;
            }
        }
        Ok(out)
    }
}

/// Optional free text: trimmed, empty as none, at most `max` characters
/// (else a field error; the value is still returned for the other checks).
pub fn optional_text(
    field: &str,
    v: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = v.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    Some(v)
}
