//! The Rebloom server: the ways in (HTTP, Socket.IO, GraphQL, the CLI), the
//! wiring, and (until it moves to `rebloom-core`) the domain.

pub mod app;
pub mod assess_cli;
pub mod config;
pub mod eval;
pub mod graphql;
pub mod http;
pub mod notify;
pub mod providers;
pub mod ratelimit;
pub mod realtime;
pub mod safety_eval;
pub mod secrets;
pub mod shed;
pub mod telemetry;
pub mod web;
pub mod wiring;

pub use app::{App, AppState};
pub use config::Config;
