-- Wellbeing: mood entries gain edit times; goals gain a progress history;
-- standardised questionnaires (PHQ-9, GAD-7) are kept with their scores.
-- Free text (mood notes and triggers, goal titles and descriptions, progress
-- notes) is sealed by the encryption layer; scores, answers to questionnaire items,
-- levels, categories, statuses and times are not, so they can be aggregated.
ALTER TABLE mood_entries ADD COLUMN updated_at TIMESTAMPTZ;
ALTER TABLE user_goals ADD COLUMN completed_at TIMESTAMPTZ;
ALTER TABLE user_goals ALTER COLUMN title TYPE TEXT;

CREATE TABLE goal_progress (
    id UUID PRIMARY KEY,
    goal_id UUID NOT NULL REFERENCES user_goals(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    progress_percentage INTEGER NOT NULL CHECK (progress_percentage BETWEEN 0 AND 100),
    note TEXT,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_goal_progress_goal ON goal_progress (goal_id, recorded_at);
CREATE INDEX idx_goal_progress_user ON goal_progress (user_id, recorded_at);

CREATE TABLE questionnaire_responses (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    instrument VARCHAR(16) NOT NULL CHECK (instrument IN ('phq9', 'gad7')),
    answers JSONB NOT NULL,
    total_score INTEGER NOT NULL CHECK (total_score >= 0),
    severity VARCHAR(32) NOT NULL,
    session_id UUID REFERENCES conversation_sessions(id) ON DELETE SET NULL,
    completed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_questionnaires_user ON questionnaire_responses (user_id, instrument, completed_at DESC);

-- Weekly insights: sealed title and content, one per person, type and week.
ALTER TABLE user_insights ALTER COLUMN title TYPE TEXT;
ALTER TABLE user_insights ALTER COLUMN content TYPE TEXT USING content::text;
ALTER TABLE user_insights ADD COLUMN period_start DATE;
CREATE UNIQUE INDEX idx_insights_user_type_period ON user_insights (user_id, insight_type, period_start);
