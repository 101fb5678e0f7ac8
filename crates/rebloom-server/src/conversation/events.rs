//! The in-process event bus carrying the architecture's events. Stages publish;
//! analytics, memory, notifications and real-time delivery subscribe instead of
//! being called inline. Events carry ids and levels, never message content.

use serde::Serialize;
use tokio::sync::broadcast;
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

/// Publish/subscribe within one process. Slow subscribers miss old events
/// rather than slowing the pipeline.
#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, event: Event) {
        metrics::counter!("events_published_total", "event" => event.name).increment(1);
        // No subscribers is fine.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
