-- The in-app inbox and check-in reminders. Titles and bodies are sealed by
-- the encryption layer; reminder settings hold times and days only.
CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind VARCHAR(32) NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ
);
CREATE INDEX idx_notifications_user ON notifications (user_id, created_at DESC);

CREATE TABLE reminder_settings (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL,
    local_time VARCHAR(5) NOT NULL,
    days JSONB NOT NULL,
    email BOOLEAN NOT NULL,
    quiet_start VARCHAR(5),
    quiet_end VARCHAR(5),
    next_due_at TIMESTAMPTZ,
    last_sent_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_reminders_due ON reminder_settings (next_due_at) WHERE enabled;
