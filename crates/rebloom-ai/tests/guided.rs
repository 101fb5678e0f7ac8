//! The guided engine end to end, driven the way the server drives it: the
//! whole conversation in every request, and the `EngineState` chunk of each
//! reply fed back as the next request's `engine_state`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "guided/adaptation.rs"]
mod adaptation;
#[path = "guided/content.rs"]
mod content;
#[path = "guided/conversation.rs"]
mod conversation;
#[path = "guided/eval.rs"]
mod eval;
#[path = "guided/exercises.rs"]
mod exercises;
#[path = "guided/harness.rs"]
mod harness;
#[path = "guided/safety.rs"]
mod safety;
#[path = "guided/safety_plan.rs"]
mod safety_plan;
#[path = "guided/safety_plan_start.rs"]
mod safety_plan_start;
