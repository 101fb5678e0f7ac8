-- The in-app inbox and check-in reminders. Titles and bodies are sealed by
-- the encryption layer; reminder settings hold times and days only.
CREATE TABLE notifications (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX idx_notifications_user ON notifications (user_id, created_at DESC);

CREATE TABLE reminder_settings (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL,
    local_time TEXT NOT NULL,
    days TEXT NOT NULL,
    email INTEGER NOT NULL,
    quiet_start TEXT,
    quiet_end TEXT,
    next_due_at TEXT,
    last_sent_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_reminders_due ON reminder_settings (next_due_at) WHERE enabled;
