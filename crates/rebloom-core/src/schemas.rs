//! Schema-only types for the OpenAPI document (request bodies in this crate
//! and in the server's `http/` refer to them): the strings handlers check by
//! hand (trimmed, not blank, no control characters, a length), described once
//! and referenced from the fields that take them (`#[schema(value_type = …)]`).
//! Lengths count characters after trimming, as the handlers do.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Control characters (Unicode `Cc`), which `char::is_control` refuses.
const CONTROL: &str = r"\x00-\x1f\x7f-\x9f";
/// Control characters except the line feed.
const CONTROL_BUT_NEWLINE: &str = r"\x00-\x09\x0b-\x1f\x7f-\x9f";
/// What `str::trim` removes (Unicode `White_Space`), besides the ASCII space
/// and the controls among it (`\t`–`\r`, `\x85`), which [`CONTROL`] covers.
const OTHER_SPACE: &str = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// All of `White_Space`.
const SPACE: &str = r"\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// At least one character other than white space, and none of `forbidden`.
fn not_blank_without(forbidden: &str) -> String {
    format!("^[^{forbidden}]*[^{CONTROL}{OTHER_SPACE}][^{forbidden}]*$")
}

fn string(description: &str, max: usize, pattern: String) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .into()
}

/// A name or a goal in the person's own words: 1 to 200 characters of text
/// without control characters.
pub struct GoalText;

impl PartialSchema for GoalText {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 200 characters without control characters.",
            200,
            not_blank_without(CONTROL),
        )
    }
}

impl ToSchema for GoalText {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GoalText")
    }
}

/// A trigger tag such as `work` or `sleep`.
pub struct Trigger;

impl PartialSchema for Trigger {
    fn schema() -> RefOr<Schema> {
        string(
            "A tag such as `work` or `sleep`: 1 to 50 characters without control characters; \
             repeats (ignoring case) are dropped.",
            50,
            not_blank_without(CONTROL),
        )
    }
}

impl ToSchema for Trigger {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Trigger")
    }
}

/// Someone's name: 1 to 100 characters without control characters.
pub struct PersonName;

impl PartialSchema for PersonName {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 100 characters without control characters.",
            100,
            not_blank_without(CONTROL),
        )
    }
}

impl ToSchema for PersonName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PersonName")
    }
}

/// A display name: up to 100 characters without control characters; empty clears it.
pub struct DisplayName;

impl PartialSchema for DisplayName {
    fn schema() -> RefOr<Schema> {
        string(
            "Up to 100 characters without control characters; empty clears it.",
            100,
            format!("^[^{CONTROL}]*$"),
        )
    }
}

impl ToSchema for DisplayName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DisplayName")
    }
}

/// One entry of a safety plan: 1 to 500 characters; lines may break.
pub struct PlanEntry;

impl PartialSchema for PlanEntry {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 500 characters without control characters other than line breaks.",
            500,
            not_blank_without(CONTROL_BUT_NEWLINE),
        )
    }
}

impl ToSchema for PlanEntry {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PlanEntry")
    }
}

/// A message to the companion.
pub struct MessageText;

impl PartialSchema for MessageText {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 4000 characters, not only white space.",
            crate::message::MAX_MESSAGE_CHARS,
            format!("[^{SPACE}]"),
        )
    }
}

impl ToSchema for MessageText {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("MessageText")
    }
}

/// An ISO 3166-1 alpha-2 country code.
pub struct Country;

impl PartialSchema for Country {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An ISO 3166-1 alpha-2 country code."))
            .examples([serde_json::Value::from("GB")])
            .enum_values(Some(crate::preferences::COUNTRIES.split_whitespace()))
            .into()
    }
}

impl ToSchema for Country {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Country")
    }
}

/// A memory in the person's words: 1 to 500 characters; lines may break.
pub struct MemoryContent;

impl PartialSchema for MemoryContent {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 500 characters without control characters other than line breaks.",
            500,
            not_blank_without(CONTROL_BUT_NEWLINE),
        )
    }
}

impl ToSchema for MemoryContent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("MemoryContent")
    }
}

/// A topic never to remember: 1 to 100 characters without control characters.
pub struct Topic;

impl PartialSchema for Topic {
    fn schema() -> RefOr<Schema> {
        string(
            "1 to 100 characters without control characters.",
            100,
            not_blank_without(CONTROL),
        )
    }
}

impl ToSchema for Topic {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Topic")
    }
}

/// A consent that must be given: `true`.
pub fn must_be_true() -> utoipa::openapi::schema::Object {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .description(Some("Must be `true`: the consent is given."))
        .enum_values(Some([true]))
        .build()
}

/// Who someone is to Rebloom.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum RoleName {
    User,
    Clinician,
    Admin,
}

/// An age range.
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum AgeRange {
    #[schema(rename = "13-17")]
    From13To17,
    #[schema(rename = "18-24")]
    From18To24,
    #[schema(rename = "25-34")]
    From25To34,
    #[schema(rename = "35-44")]
    From35To44,
    #[schema(rename = "45-54")]
    From45To54,
    #[schema(rename = "55-64")]
    From55To64,
    #[schema(rename = "65+")]
    From65,
}

/// The steps of onboarding.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum OnboardingStep {
    Welcome,
    Name,
    Age,
    Goals,
    Approach,
    Country,
    Privacy,
    Reminders,
    Done,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The patterns agree with the checks: blank and control characters out.
    #[test]
    fn patterns_match_the_checks() {
        let line = regex::Regex::new(&not_blank_without(CONTROL)).unwrap();
        assert!(line.is_match("Sleep better") && line.is_match(" a "));
        for refused in ["", "   ", "\u{3000}\u{85}", "a\u{7}b", "a\nb"] {
            assert!(!line.is_match(refused), "{refused:?}");
        }
        let entry = regex::Regex::new(&not_blank_without(CONTROL_BUT_NEWLINE)).unwrap();
        assert!(entry.is_match("two\nlines") && !entry.is_match("\n\n") && !entry.is_match("a\tb"));
        let message = regex::Regex::new(&format!("[^{SPACE}]")).unwrap();
        assert!(message.is_match(" hi ") && !message.is_match(" \t\u{a0}\u{2028}"));
        // What `trim` removes is what the patterns call blank.
        for c in (0..=0x3000u32).filter_map(char::from_u32) {
            assert_eq!(
                message.is_match(&c.to_string()),
                !c.is_whitespace(),
                "{c:?} ({:x})",
                c as u32
            );
        }
    }
}
