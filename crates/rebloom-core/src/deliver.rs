//! The port for real-time delivery: what happened in a person's account,
//! sent to every device they have open (on every replica, when the transport
//! spans them). Delivery is best effort: a device that is not connected reads
//! the same state over the API when it next opens.

use async_trait::async_trait;
use serde::Serialize;
use uuid::Uuid;

/// What is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// A finished turn: the person's message and the companion's reply.
    Turn,
    /// The person's crisis state changed.
    CrisisState,
}

#[async_trait]
pub trait Deliver: Send + Sync {
    /// `payload` as `update` to the person's devices, except `except` (the
    /// device the turn came from, which has it already), by the transport's
    /// own name for a device.
    async fn deliver(
        &self,
        user: Uuid,
        update: Update,
        payload: serde_json::Value,
        except: Option<&str>,
    );
}

/// `value` as `update` to the person's devices (see [`Deliver::deliver`]);
/// a value that cannot be serialised is logged and not sent.
pub async fn deliver<T: Serialize>(
    port: &dyn Deliver,
    user: Uuid,
    update: Update,
    value: &T,
    except: Option<&str>,
) {
    match serde_json::to_value(value) {
        Ok(payload) => port.deliver(user, update, payload, except).await,
        Err(e) => tracing::error!(error = %e, ?update, "an update could not be serialised"),
    }
}

/// No devices to deliver to (the CLI, a job without a transport).
pub struct Nowhere;

#[async_trait]
impl Deliver for Nowhere {
    async fn deliver(&self, _: Uuid, _: Update, _: serde_json::Value, _: Option<&str>) {}
}
