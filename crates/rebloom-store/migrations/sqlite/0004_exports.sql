-- Data exports (GDPR Art. 15/20): built by the job queue into a ZIP sealed with
-- the person's data key, downloadable once until it expires.
CREATE TABLE exports (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'downloaded', 'expired', 'failed')),
    file TEXT,
    size_bytes INTEGER,
    created_at TEXT NOT NULL,
    ready_at TEXT,
    expires_at TEXT,
    downloaded_at TEXT
);
CREATE INDEX idx_exports_user ON exports (user_id, created_at DESC);
