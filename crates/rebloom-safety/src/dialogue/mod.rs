//! The crisis conversation after the first crisis reply, and the panic flow:
//! a small state machine, one step a turn, never the same sentence twice in
//! an episode (`data/dialogue.json`).
//!
//! - The first message that needs the crisis protocol gets the crisis reply
//!   ([`crate::Replies::crisis`]: acknowledge, ask directly, the country's
//!   lines once, a person, staying).
//! - A clear safety answer ("no, I'm safe") is believed: acknowledged once,
//!   the lines stay one tap away, and the conversation goes back to what the
//!   person needs, with a gentle check a few messages later.
//! - A yes, an unclear answer or more risk walks the steps of safety planning
//!   (Stanley & Brown 2012) one at a time: staying with them, distance from
//!   the means (means-safety counselling; first when means were mentioned), a
//!   person now (at `critical`, emergency services), reasons for living,
//!   grounding, and the safety plan (read back when they have one, else
//!   offered; the person can ask for it at any level below `critical`).
//! - A panic attack gets breathing at once, the emergency number once (for
//!   chest pain unlike their usual panic, fainting), then grounding and a
//!   longer breath out, with no suicide lines; it ends when it eases.
//! - A check-in (`moderate`) asks its direct question once; until the person
//!   answers it or says more, the conversation goes on as usual.
//!
//! The state is stored with each companion reply and read back from the
//! session's last one, like [`crate::SessionRisk`] with the person's messages.

use serde::{Deserialize, Serialize};

use crate::assess::Assessment;

mod hear;
mod moves;
mod replies;
#[cfg(test)]
mod tests;

pub use hear::Heard;
pub use replies::{Dialogues, StepContext};

/// Which flow an episode is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    Crisis,
    Panic,
}

/// One step of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The crisis reply itself.
    Open,
    /// After a bare no to the crisis reply (which asks more than one
    /// question): the direct question alone, once.
    Confirm,
    Stay,
    Means,
    Person,
    Reasons,
    Grounding,
    Plan,
    /// Staying in the conversation once the steps are done.
    Still,
    PanicFirst,
    PanicGround,
    PanicExhale,
    PanicBody,
}

const PANIC_STEPS: [Step; 4] = [
    Step::PanicFirst,
    Step::PanicGround,
    Step::PanicExhale,
    Step::PanicBody,
];

/// Where the conversation stands, stored with each companion reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dialogue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// The steps given in this episode, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// Means were mentioned in this episode (in words the rules know).
    #[serde(default)]
    pub means: bool,
    /// Emergency reminders given in this episode after the crisis reply
    /// (each a different sentence).
    #[serde(default)]
    pub urged: u8,
    /// A check-in was asked and not yet answered.
    #[serde(default)]
    pub checked_in: bool,
    /// Messages of the person before the gentle check after a believed answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_after: Option<u8>,
}

/// The conversation as usual, with no check added.
const CONVERSE: Move = Move::Converse {
    gentle_check: false,
};

/// What to answer the person's message with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The crisis reply ([`crate::Replies::crisis`]).
    Open,
    /// A step of the crisis dialogue or the panic flow.
    Step(Step),
    /// A clear safety answer, believed.
    Believed,
    /// The panic has eased.
    PanicEased,
    /// The check-in ([`crate::Replies::check_in`]).
    CheckIn,
    /// The safety plan, built by the guided engine.
    Plan,
    /// The conversation as usual; `gentle_check` adds the later check after
    /// a believed answer.
    Converse { gentle_check: bool },
}

/// What the dialogue needs to know about the person's message.
#[derive(Debug, Clone, Copy)]
pub struct Said<'a> {
    pub assessment: &'a Assessment,
    /// The message asks for (or goes on with) the safety plan.
    pub plan: bool,
    pub heard: Heard,
}
