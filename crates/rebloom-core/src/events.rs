//! The architecture's domain events, counted. Each stage that does something
//! worth counting publishes an event: `events_published_total{event}` in the
//! metrics, and a debug line with the ids (never content). Nothing subscribes:
//! what must follow an event (memory, notifications, delivery to devices) is
//! called by the service that does the work, so it cannot be dropped.

use serde::Serialize;
use uuid::Uuid;

pub const USER_REGISTERED: &str = "user.registered";
pub const USER_DELETED: &str = "user.deleted";
pub const CONVERSATION_STARTED: &str = "conversation.started";
pub const CONVERSATION_ENDED: &str = "conversation.ended";
pub const MESSAGE_SENT: &str = "message.sent";
pub const AI_RESPONSE_GENERATED: &str = "ai.response.generated";
pub const CRISIS_DETECTED: &str = "safety.crisis.detected";
pub const RISK_ASSESSED: &str = "safety.risk.assessed";
pub const OUTPUT_BLOCKED: &str = "safety.output.blocked";

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub name: &'static str,
    pub user_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    /// Small, content-free details (risk level, provider, reasons).
    pub detail: serde_json::Value,
}

/// Where events are published: the metrics, and the debug log.
#[derive(Clone, Default)]
pub struct EventBus;

impl EventBus {
    pub fn publish(&self, event: Event) {
        metrics::counter!("events_published_total", "event" => event.name).increment(1);
        tracing::debug!(
            event = event.name,
            user_id = %event.user_id,
            session_id = ?event.session_id,
            message_id = ?event.message_id,
            detail = %event.detail,
            "event"
        );
    }
}
