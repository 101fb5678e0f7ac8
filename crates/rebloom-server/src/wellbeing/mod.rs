//! Wellbeing: mood check-ins and their trends, goals with progress history,
//! and standardised questionnaires (PHQ-9, GAD-7) with FHIR export. Dates
//! are the person's own (their profile's time zone).

pub mod calendar;
pub mod engagement;
pub mod goals;
pub mod insights;
pub mod moods;
pub mod next_steps;
pub mod questionnaires;
pub mod trends;

use crate::http::error::FieldError;

/// Optional free text: trimmed, empty as none, at most `max` characters
/// (else a field error; the value is still returned for the other checks).
pub(crate) fn optional_text(
    field: &str,
    v: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = v.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty())?;
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("At most {max} characters."),
        ));
    }
    Some(v)
}
