//! What Rebloom does, whatever reaches it: the services and the ports they
//! hold, with no HTTP, Socket.IO or GraphQL here. `rebloom-server` holds the
//! ways in (REST, Socket.IO, GraphQL, the CLI) and maps [`CoreError`] to each.
//!
//! Moving in: the domain moves here from `rebloom-server` area by area (see
//! `docs/architecture.md`); what is here is already transport-free.

pub mod accounts;
pub mod audit;
pub mod clinicians;
pub mod clock;
pub mod conversation;
pub mod cpu_pool;
pub mod deliver;
pub mod email;
pub mod error;
pub mod events;
pub mod insights;
pub mod jobs;
pub mod json;
pub mod mail;
pub mod memory;
pub mod message;
pub mod notices;
pub mod notifications;
pub mod preferences;
pub mod privacy;
pub mod profile;
pub mod safety_plan;
pub mod schemas;
pub mod trusted_contact;
pub mod wellbeing;

pub use error::{CoreError, CoreResult, FieldError};
