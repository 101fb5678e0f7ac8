//! Property tests of the server on bad input: access and refresh tokens
//! (arbitrary, tampered, forged) and request bodies (arbitrary JSON, changed
//! valid bodies, arbitrary bytes, wrong content types) against the real server
//! on SQLite, with the API tests' harness.
//!
//! Run: `cargo test -p rebloom-server --test prop -- --nocapture` (each property
//! prints how many cases it ran). `PROPTEST_CASES=N` sets the number of cases of
//! every property.
//!
//! There is no importer to fuzz: the server exports (`POST /api/me/export`,
//! a ZIP) but imports nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../api/harness.rs"]
mod harness;

mod bodies;
mod endpoints;
mod json;
mod runner;
mod tokens;
mod tokens_api;
