#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{ChatMessage, ChatRole};

fn request(texts: &[&str]) -> ChatRequest {
    ChatRequest {
        system: "You are Rebloom, a gentle companion.".into(),
        messages: texts
            .iter()
            .map(|t| ChatMessage::new(ChatRole::User, *t))
            .collect(),
        ..ChatRequest::default()
    }
}

#[test]
fn error_shapes() {
    let r = Redactor::default();
    let cases: &[(&str, Option<&str>)] = &[
        (
            r#"{"error":{"message":"Incorrect API key provided: sk-****abcd.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            Some("invalid_request_error: Incorrect API key provided: sk-****abcd."),
        ),
        (
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}"#,
            Some("overloaded_error: Overloaded"),
        ),
        (
            r#"{"error":{"message":"filtered","type":null,"param":"prompt","code":"content_filter","status":400}}"#,
            Some("content_filter: filtered"),
        ),
        (
            r#"{"error":"model \"llama9\" not found, try pulling it first"}"#,
            Some("model \"llama9\" not found, try pulling it first"),
        ),
        (
            r#"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}"#,
            Some("NotFoundError: The model `x` does not exist."),
        ),
        (r#"{"detail":"Not Found"}"#, Some("Not Found")),
        (
            r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":{"secret":"x"}}]}"#,
            Some("the request was not valid"),
        ),
        ("<html>Bad gateway</html>", None),
        (r#"{"ok":true}"#, None),
    ];
    for (body, want) in cases {
        assert_eq!(
            error_message(body.as_bytes(), &r).as_deref(),
            *want,
            "{body}"
        );
    }
}

#[test]
fn messages_are_tidied_and_capped() {
    let r = Redactor::default();
    let long = "x".repeat(1000);
    let m = r.clean(&format!("line one\nline two {long}"));
    assert!(m.starts_with("line one line two x"));
    assert_eq!(m.chars().count(), MAX_MESSAGE_CHARS + 1);
}

#[test]
fn quotes_of_the_conversation_are_withheld() {
    let secret = "I have been feeling hopeless since my sister moved away last spring";
    let r = Redactor::new(&request(&["hi", "I'm sad", secret]));
    // The start of a message.
    assert_eq!(
        r.clean("invalid content: 'I have been feeling hopeless sin…'"),
        WITHHELD
    );
    // A quote from the middle, long enough to cover an aligned piece.
    assert_eq!(
        r.clean("near 'feeling hopeless since my sister moved away last'"),
        WITHHELD
    );
    // The end.
    assert_eq!(
        r.clean("… my sister moved away last spring' is too long"),
        WITHHELD
    );
    // A short message, whole.
    assert_eq!(r.clean("bad input \"I'm sad\""), WITHHELD);
    // The system prompt.
    assert_eq!(
        r.clean("system: You are Rebloom, a gentle companion."),
        WITHHELD
    );
    // Too short to look for; ordinary messages pass.
    assert_eq!(
        r.clean("hi there: Rate limit reached"),
        "hi there: Rate limit reached"
    );
}
