//! A person's message to the companion, as every transport takes it: the
//! text trimmed, not empty, at most [`MAX_MESSAGE_CHARS`] characters.

use crate::{CoreError, CoreResult};

pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The message's text, trimmed: not empty, at most [`MAX_MESSAGE_CHARS`].
pub fn validate_message(text: &str) -> CoreResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(CoreError::field("message", "empty", "Write a message."));
    }
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        return Err(CoreError::field(
            "message",
            "too_long",
            format!("Keep a message under {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    Ok(trimmed.to_owned())
}
