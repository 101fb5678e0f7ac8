-- Data exports (GDPR Art. 15/20): built by the job queue into a ZIP sealed with
-- the person's data key, downloadable once until it expires.
CREATE TABLE exports (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'ready', 'downloaded', 'expired', 'failed')),
    file TEXT,
    size_bytes BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    ready_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    downloaded_at TIMESTAMPTZ
);
CREATE INDEX idx_exports_user ON exports (user_id, created_at DESC);
