//! Conversations: the response pipeline, its events, and the REST endpoints.

pub mod analysis;
pub mod care;
pub mod crisis;
pub mod history;
pub mod idempotency;
pub mod pipeline;
pub mod prompt;
pub mod providers;
pub mod risk;
pub mod routes;
pub mod send;
pub mod summary;
pub mod views;
pub mod voice;
