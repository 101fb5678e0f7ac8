//! Rows as the rest of Rebloom sees them, independent of the backend, and the
//! store trait of each aggregate: one file per aggregate, each with its types
//! and the interface that reads and writes them. [`crate::Store`] is their
//! union, all but [`KeyStore`] (the data keys, kept apart from the data).

mod audit;
mod auth;
mod conversations;
mod exports;
mod goals;
mod grants;
mod idempotency;
mod inbox;
mod insights;
mod jobs;
mod keys;
mod memory;
mod moods;
mod questionnaires;
mod reminders;
mod safety;
mod users;
mod vectors;

pub use audit::*;
pub use auth::*;
pub use conversations::*;
pub use exports::*;
pub use goals::*;
pub use grants::*;
pub use idempotency::*;
pub use inbox::*;
pub use insights::*;
pub use jobs::*;
pub use keys::*;
pub use memory::*;
pub use moods::*;
pub use questionnaires::*;
pub use reminders::*;
pub use safety::*;
pub use users::*;
pub use vectors::*;
