//! Rebloom's safety layer: pure and deterministic, with no I/O, no network and
//! no language model, so it runs on every message before any generation.
//!
//! - [`assess`]: risk level, categories and evidence for a message in its conversation.
//! - [`session`]: the risk a conversation carries from one message to the next.
//! - [`reply`]: safe-messaging crisis replies and check-ins.
//! - [`dialogue`]: the crisis conversation after the first crisis reply, and the panic flow.
//! - [`resources`]: crisis lines by country.
//! - [`guard`]: the output guard every generated reply passes.
//! - [`language`]: which language to answer a message in.
//! - [`consent`]: whether a message asks for the trusted contact to be told.

pub mod assess;
pub mod consent;
pub mod dialogue;
pub mod guard;
pub mod heads;
pub mod language;
pub mod normalize;
pub mod reply;
pub mod resources;
pub mod session;
pub mod variants;

pub use assess::{Assessment, Assessor, Category, Evidence, RiskLevel, Speaker, Turn};
pub use consent::accepts_contact_offer;
pub use dialogue::{Dialogue, Dialogues, Move};
pub use guard::{Guard, GuardReason, Verdict};
pub use reply::{ContactText, Replies, ReplyContext, SafeReply};
pub use resources::{CountryResources, Directory, Line, Topic};
pub use session::SessionRisk;

/// Everything the safety layer needs, built once at start-up.
pub struct Safety {
    pub assessor: Assessor,
    pub guard: Guard,
    pub replies: Replies,
    pub dialogues: Dialogues,
    pub directory: Directory,
    pub language: language::Detector,
}

#[derive(Debug, thiserror::Error)]
pub enum SafetyError {
    #[error(transparent)]
    Rules(#[from] assess::RuleError),
    #[error("guard rules: {0}")]
    Guard(#[from] regex::Error),
    #[error("data: {0}")]
    Data(#[from] serde_json::Error),
}

impl Safety {
    pub fn new() -> Result<Safety, SafetyError> {
        Ok(Safety {
            assessor: Assessor::new()?,
            guard: Guard::new()?,
            replies: Replies::new()?,
            dialogues: Dialogues::new()?,
            directory: Directory::new()?,
            language: language::Detector::new(),
        })
    }
}
