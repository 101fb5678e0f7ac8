//! HTTP routes, grouped by area; each area returns an `OpenApiRouter` so the
//! OpenAPI document is generated from the handlers themselves.

pub mod admin;
pub mod auth;
pub mod clinician;
pub mod erasure;
pub mod export;
pub mod me;
pub mod ops;
pub mod safety;
pub mod trusted_contact;
