//! Goals (`trackUserGoal`): category, target date and status, progress
//! updates with their history (`updateGoalProgress`), and the checks on what
//! a person sets. The endpoints are `rebloom-server`'s `http::goals`.

use rebloom_store::{Goal, GoalProgress};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Wellbeing, optional_text};
use crate::{CoreError, CoreResult, FieldError};

pub const CATEGORIES: &[&str] = &[
    "mood",
    "anxiety",
    "stress",
    "sleep",
    "relationships",
    "self_care",
    "activity",
    "work_study",
    "mindfulness",
    "other",
];
pub const STATUSES: &[&str] = &["active", "completed", "paused", "archived"];
const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 2000;
const MAX_NOTE: usize = 1000;
const MAX_GOALS: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewGoal {
    #[schema(value_type = crate::schemas::GoalText, example = "Sleep better")]
    pub title: String,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(value_type = Option<GoalCategory>)]
    pub category: Option<String>,
    /// Today (the person's) or later.
    #[schema(format = Date)]
    pub target_date: Option<String>,
}

/// What a goal is about.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum GoalCategory {
    Mood,
    Anxiety,
    Stress,
    Sleep,
    Relationships,
    SelfCare,
    Activity,
    WorkStudy,
    Mindfulness,
    Other,
}

/// Where a goal stands.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(
    dead_code,
    reason = "only describes the accepted values in the OpenAPI document"
)]
pub enum GoalStatus {
    Active,
    Completed,
    Paused,
    Archived,
}

/// A change to a goal: absent fields stay; `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoalChange {
    #[schema(value_type = Option<crate::schemas::GoalText>)]
    pub title: Option<String>,
    /// Up to 2000 characters.
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<GoalCategory>)]
    pub category: Option<Option<String>>,
    /// Today (the person's) or later.
    #[serde(default, deserialize_with = "crate::preferences::double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub target_date: Option<Option<String>>,
    #[schema(value_type = Option<GoalStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressUpdate {
    /// 0 to 100; 100 completes the goal.
    #[schema(minimum = 0, maximum = 100)]
    pub progress_percentage: i32,
    /// Up to 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

fn check_title(title: &str, errors: &mut Vec<FieldError>) -> String {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE || t.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "invalid_title",
            format!("1 to {MAX_TITLE} characters."),
        ));
    }
    t.to_owned()
}

fn check_category(c: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let c = c?;
    if !CATEGORIES.contains(&c.as_str()) {
        errors.push(FieldError::new(
            "category",
            "invalid_category",
            format!("One of {}.", CATEGORIES.join(", ")),
        ));
    }
    Some(c)
}

fn check_date(
    v: Option<String>,
    today: time::Date,
    errors: &mut Vec<FieldError>,
) -> Option<time::Date> {
    let v = v?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&v, &format) {
        Ok(d) if d >= today => Some(d),
        Ok(_) => {
            errors.push(FieldError::new(
                "targetDate",
                "in_the_past",
                "Choose today or a later day.",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "targetDate",
                "invalid_date",
                "Use a date such as 2026-12-31.",
            ));
            None
        }
    }
}

fn status_error() -> FieldError {
    FieldError::new(
        "status",
        "invalid_status",
        format!("One of {}.", STATUSES.join(", ")),
    )
}

/// Sets a goal's status, and its completion time when it becomes completed.
fn set_status(goal: &mut Goal, status: &str, now: OffsetDateTime) {
    if status == "completed" && goal.status != "completed" {
        goal.completed_at = Some(now);
    } else if status != "completed" {
        goal.completed_at = None;
    }
    goal.status = status.to_owned();
}

impl Wellbeing {
    /// The person's goals, newest first; only those with `status` when given.
    pub async fn list_goals(&self, user_id: Uuid, status: Option<&str>) -> CoreResult<Vec<Goal>> {
        if let Some(s) = status
            && !STATUSES.contains(&s)
        {
            return Err(CoreError::Invalid(vec![status_error()]));
        }
        let goals = self.goals.list_goals(user_id).await?;
        Ok(goals
            .into_iter()
            .filter(|g| status.is_none_or(|s| s == g.status))
            .collect())
    }

    /// [`Wellbeing::list_goals`], each goal with its progress history, in two reads.
    pub async fn goals_with_history(
        &self,
        user_id: Uuid,
        status: Option<&str>,
    ) -> CoreResult<Vec<(Goal, Vec<GoalProgress>)>> {
        let goals = self.list_goals(user_id, status).await?;
        let mut steps = self.goals.goal_progress(user_id, None).await?;
        Ok(goals
            .into_iter()
            .map(|g| {
                let (mine, rest) = steps.drain(..).partition(|p| p.goal_id == g.id);
                steps = rest;
                (g, mine)
            })
            .collect())
    }

    /// One goal with its progress history, oldest first.
    pub async fn goal(&self, user_id: Uuid, id: Uuid) -> CoreResult<(Goal, Vec<GoalProgress>)> {
        let goal = self
            .goals
            .find_goal(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let history = self.goals.goal_progress(user_id, Some(id)).await?;
        Ok((goal, history))
    }

    /// Sets a new goal, active at 0%; at most 100 per person (`too_many_goals`).
    pub async fn create_goal(&self, user_id: Uuid, new: NewGoal) -> CoreResult<Goal> {
        let mut errors = Vec::new();
        let title = check_title(&new.title, &mut errors);
        let description =
            optional_text("description", new.description, MAX_DESCRIPTION, &mut errors);
        let category = check_category(new.category, &mut errors);
        let target_date = self
            .check_date(user_id, new.target_date, &mut errors)
            .await?;
        CoreError::invalid_if_any(errors)?;
        if self.goals.list_goals(user_id).await?.len() >= MAX_GOALS {
            return Err(CoreError::Conflict("too_many_goals"));
        }
        let now = self.clock.now();
        let goal = Goal {
            id: Uuid::now_v7(),
            user_id,
            title,
            description,
            category,
            target_date,
            status: "active".to_owned(),
            progress_percentage: 0,
            created_at: now,
            updated_at: now,
            completed_at: None,
        };
        self.goals.insert_goal(&goal).await?;
        Ok(goal)
    }

    /// Changes a goal's title, description, category, target date or status.
    pub async fn edit_goal(
        &self,
        user_id: Uuid,
        id: Uuid,
        change: GoalChange,
    ) -> CoreResult<(Goal, Vec<GoalProgress>)> {
        let mut goal = self
            .goals
            .find_goal(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.clock.now();
        let mut errors = Vec::new();
        if let Some(t) = &change.title {
            goal.title = check_title(t, &mut errors);
        }
        if let Some(d) = change.description {
            goal.description = optional_text("description", d, MAX_DESCRIPTION, &mut errors);
        }
        if let Some(c) = change.category {
            goal.category = check_category(c, &mut errors);
        }
        if let Some(d) = change.target_date {
            goal.target_date = self.check_date(user_id, d, &mut errors).await?;
        }
        if let Some(s) = &change.status {
            if STATUSES.contains(&s.as_str()) {
                set_status(&mut goal, s, now);
            } else {
                errors.push(status_error());
            }
        }
        CoreError::invalid_if_any(errors)?;
        goal.updated_at = now;
        if !self.goals.update_goal(&goal).await? {
            return Err(CoreError::NotFound);
        }
        let history = self.goals.goal_progress(user_id, Some(id)).await?;
        Ok((goal, history))
    }

    /// Deletes a goal and its history.
    pub async fn delete_goal(&self, user_id: Uuid, id: Uuid) -> CoreResult<()> {
        if self.goals.delete_goal(user_id, id).await? {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// Records progress, kept in the goal's history: 100 completes the goal,
    /// less reopens a completed one; an archived goal refuses it
    /// (`goal_archived`).
    pub async fn record_progress(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: ProgressUpdate,
    ) -> CoreResult<(Goal, Vec<GoalProgress>)> {
        let ProgressUpdate {
            progress_percentage,
            note,
        } = update;
        let mut errors = Vec::new();
        if !(0..=100).contains(&progress_percentage) {
            errors.push(FieldError::new(
                "progressPercentage",
                "out_of_range",
                "Use 0 to 100.",
            ));
        }
        let note = optional_text("note", note, MAX_NOTE, &mut errors);
        CoreError::invalid_if_any(errors)?;
        let mut goal = self
            .goals
            .find_goal(user_id, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if goal.status == "archived" {
            return Err(CoreError::Conflict("goal_archived"));
        }
        let now = self.clock.now();
        goal.progress_percentage = progress_percentage;
        if progress_percentage == 100 {
            set_status(&mut goal, "completed", now);
        } else if goal.status == "completed" {
            set_status(&mut goal, "active", now);
        }
        goal.updated_at = now;
        let step = GoalProgress {
            id: Uuid::now_v7(),
            goal_id: goal.id,
            user_id,
            progress_percentage,
            note,
            recorded_at: now,
        };
        if !self.goals.record_goal_progress(&goal, &step).await? {
            return Err(CoreError::NotFound);
        }
        metrics::counter!("goal_progress_updates_total").increment(1);
        let history = self.goals.goal_progress(user_id, Some(id)).await?;
        Ok((goal, history))
    }

    /// [`check_date`] against the person's today (read only when there is a date).
    async fn check_date(
        &self,
        user_id: Uuid,
        v: Option<String>,
        errors: &mut Vec<FieldError>,
    ) -> CoreResult<Option<time::Date>> {
        if v.is_none() {
            return Ok(None);
        }
        let today = super::calendar::to_time_date(self.today(user_id).await?)?;
        Ok(check_date(v, today, errors))
    }
}
