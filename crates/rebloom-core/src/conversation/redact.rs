//! Contact details a person typed (e-mail addresses, phone numbers), taken
//! out of what a language model is sent: the model needs to know that a
//! number was given, never the number. The safety plan, built by the guided
//! engine on this server, still sees them (a plan lists whom to call).
//! A crisis line's number is not a private contact and stays.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::{CoreError, CoreResult};

/// Said instead of an e-mail address.
pub const EMAIL: &str = "[e-mail address]";
/// Said instead of a phone number.
pub const PHONE: &str = "[phone number]";

/// The patterns, compiled once.
struct Patterns {
    email: Regex,
    /// A run of digits with the separators phone numbers are written with
    /// (spaces, dots, dashes, brackets), optionally after `+`; whether it is
    /// a phone number is decided by [`Patterns::is_phone`].
    phone: Regex,
    /// A date (`2026-12-07`, `12.05.2024`, `14-12-2026`), perhaps with a
    /// time: digits, but not a number to call.
    date: Regex,
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(|| {
    Ok(Patterns {
        email: Regex::new(r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b")?,
        phone: Regex::new(r"\+?\(?[0-9](?:[ .\-()]{0,2}[0-9]){6,}")?,
        date: Regex::new(
            r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4})",
        )?,
    })
});

impl Patterns {
    /// Seven digits or more (longer runs too: a card or account number is
    /// no more the model's business), not a date, not a listed line.
    fn is_phone(&self, candidate: &str, listed: &impl Fn(&str) -> bool) -> bool {
        let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        digits.len() >= 7 && !self.date.is_match(candidate) && !listed(&digits)
    }
}

/// `text` with every e-mail address and phone number replaced by [`EMAIL`]
/// and [`PHONE`], but for the numbers `listed` says are crisis lines (given
/// their digits); borrowed when there was none.
pub fn contacts<'a>(text: &'a str, listed: impl Fn(&str) -> bool) -> CoreResult<Cow<'a, str>> {
    let p = PATTERNS
        .as_ref()
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("redaction patterns: {e}")))?;
    let text = p.email.replace_all(text, EMAIL);
    if !p
        .phone
        .find_iter(&text)
        .any(|m| p.is_phone(m.as_str(), &listed))
    {
        return Ok(text);
    }
    let replaced = p.phone.replace_all(&text, |c: &Captures<'_>| {
        if p.is_phone(&c[0], &listed) {
            PHONE.to_owned()
        } else {
            c[0].to_owned()
        }
    });
    Ok(Cow::Owned(replaced.into_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn e_mail_addresses_and_phone_numbers_are_replaced() {
        let cases = [
            (
                "email me at sam.jones+notes@example.co.uk please",
                "email me at [e-mail address] please",
            ),
            (
                "my number is 07700 900123, or +44 (0)20 7946 0958",
                "my number is [phone number], or [phone number]",
            ),
            ("call her on 555-123-4567.", "call her on [phone number]."),
            ("llámame al 612 34 56 78", "llámame al [phone number]"),
            (
                "(020) 7946-0958 is the office",
                "[phone number] is the office",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(contacts(text, none).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_phone_numbers_stay() {
        for text in [
            "I slept 4 hours and walked 10,000 steps",
            "my exam is on 2026-12-14 at 09:30",
            "it happened on 12.05.2024 and again on 14-12-2026",
            "call 988 or 116 123 if you need to",
            "it was 12/05/2024 when it started",
            "I have been clean for 365 days",
            "version 1.2.3 of the app",
            "no contact details here",
        ] {
            assert!(
                matches!(contacts(text, none).unwrap(), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn a_crisis_line_the_person_names_stays() {
        let listed = |digits: &str| digits == "08001110111";
        assert_eq!(
            contacts("I called 0800 111 0 111 and my mum on 07700 900123", listed).unwrap(),
            "I called 0800 111 0 111 and my mum on [phone number]"
        );
    }
}
