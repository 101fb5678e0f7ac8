//! Password hashing and tokens.

pub mod password;
pub mod tokens;
