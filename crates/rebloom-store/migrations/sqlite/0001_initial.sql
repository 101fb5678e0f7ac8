-- Rebloom initial schema (SQLite). Same tables as the PostgreSQL schema; UUIDs are 16-byte BLOBs, times RFC 3339 UTC TEXT, JSON TEXT. The architecture's tables plus what auth needs.

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'clinician', 'admin')),
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_active TEXT,
    subscription_tier TEXT NOT NULL DEFAULT 'free',
    subscription_expires_at TEXT,
    onboarding_completed INTEGER NOT NULL DEFAULT 0,
    disabled_at TEXT,
    deleted_at TEXT
);
CREATE INDEX idx_users_last_active ON users (last_active);

CREATE TABLE user_profiles (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    display_name TEXT,
    age_range TEXT,
    timezone TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    country TEXT,
    goals TEXT NOT NULL DEFAULT '[]',
    mental_health_history TEXT,
    therapeutic_preferences TEXT NOT NULL DEFAULT '{}',
    communication_preferences TEXT NOT NULL DEFAULT '{}',
    privacy_settings TEXT NOT NULL DEFAULT '{}',
    onboarding TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE conversation_sessions (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_type TEXT NOT NULL DEFAULT 'general',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    duration_minutes INTEGER,
    message_count INTEGER NOT NULL DEFAULT 0,
    mood_before INTEGER CHECK (mood_before BETWEEN 1 AND 10),
    mood_after INTEGER CHECK (mood_after BETWEEN 1 AND 10),
    session_summary TEXT,
    -- The guided engine's per-session state (exercise in progress, recent phrasings).
    engine_state TEXT NOT NULL DEFAULT '{}',
    last_message_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_conversation_sessions_user_started ON conversation_sessions (user_id, started_at DESC);
CREATE INDEX idx_conversation_sessions_user_id ON conversation_sessions (user_id, id);

CREATE TABLE messages (
    id BLOB PRIMARY KEY,
    session_id BLOB NOT NULL REFERENCES conversation_sessions(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sender_type TEXT NOT NULL CHECK (sender_type IN ('user', 'ai')),
    content TEXT NOT NULL,
    message_type TEXT NOT NULL DEFAULT 'text' CHECK (message_type IN ('text', 'voice', 'image')),
    sentiment_score REAL CHECK (sentiment_score BETWEEN -1 AND 1),
    emotional_tags TEXT NOT NULL DEFAULT '[]',
    risk_level TEXT NOT NULL DEFAULT 'none',
    ai_confidence_score REAL CHECK (ai_confidence_score BETWEEN 0 AND 1),
    -- Provider, model, safety categories, exercise: never message text.
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX idx_messages_session_created ON messages (session_id, created_at);
CREATE INDEX idx_messages_user_created ON messages (user_id, created_at);
CREATE INDEX idx_messages_risk_level ON messages (risk_level);
CREATE INDEX idx_messages_user_session_created ON messages (user_id, session_id, created_at DESC);
-- Cursor pagination walks ids (UUIDv7, time-ordered).
CREATE INDEX idx_messages_user_id ON messages (user_id, id);
CREATE INDEX idx_messages_session_id ON messages (session_id, id);

CREATE TABLE user_goals (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT,
    category TEXT,
    target_date TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'paused', 'archived')),
    progress_percentage INTEGER NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_user_goals_user ON user_goals (user_id, created_at);

CREATE TABLE mood_entries (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id BLOB REFERENCES conversation_sessions(id) ON DELETE SET NULL,
    mood_score INTEGER NOT NULL CHECK (mood_score >= 1 AND mood_score <= 10),
    anxiety_level INTEGER CHECK (anxiety_level >= 1 AND anxiety_level <= 10),
    stress_level INTEGER CHECK (stress_level >= 1 AND stress_level <= 10),
    energy_level INTEGER CHECK (energy_level >= 1 AND energy_level <= 10),
    notes TEXT,
    triggers TEXT NOT NULL DEFAULT '[]',
    recorded_at TEXT NOT NULL
);
CREATE INDEX idx_mood_user_recorded ON mood_entries (user_id, recorded_at DESC);

CREATE TABLE user_insights (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    insight_type TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    confidence_score REAL CHECK (confidence_score BETWEEN 0 AND 1),
    generated_at TEXT NOT NULL,
    acknowledged_at TEXT
);
CREATE INDEX idx_insights_user_generated ON user_insights (user_id, generated_at);

-- Refresh tokens: one row per issued token; a family is one login on one device.
CREATE TABLE refresh_tokens (
    id BLOB PRIMARY KEY,
    family_id BLOB NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens (user_id);

-- Failed logins per account key (a hash of the normalised e-mail, so unknown addresses are throttled alike).
CREATE TABLE login_attempts (
    key_hash TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT
);

-- Idempotent message sends: a retried request with the same key gets the first answer.
CREATE TABLE idempotency_keys (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idx_idempotency_keys_created ON idempotency_keys (created_at);

-- Crisis events (high and critical assessments): what happened and what was done, never message text.
CREATE TABLE crisis_events (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id BLOB REFERENCES conversation_sessions(id) ON DELETE SET NULL,
    message_id BLOB REFERENCES messages(id) ON DELETE SET NULL,
    risk_level TEXT NOT NULL CHECK (risk_level IN ('high', 'critical')),
    categories TEXT NOT NULL DEFAULT '[]',
    intervention_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_crisis_events_user_created ON crisis_events (user_id, created_at DESC);

-- The Stanley-Brown safety plan, one per person.
CREATE TABLE safety_plans (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    plan TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
