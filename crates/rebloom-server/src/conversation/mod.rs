//! Conversations: the turn (one message and its reply), its sending, and the REST endpoints.

pub mod analysis;
pub mod care;
pub mod crisis;
pub mod greeting;
pub mod history;

pub mod prompt;
pub mod providers;
pub mod risk;
pub mod send;
pub mod summary;
pub mod turn;
pub mod views;
