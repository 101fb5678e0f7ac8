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

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(moods::router())
        .merge(goals::router())
        .merge(questionnaires::routes::router())
        .merge(insights::routes::router())
        .merge(engagement::router())
}
