-- Clinician access with consent: a person grants one clinician a scope for a
-- time, and can revoke it at any time. Reads under a grant are audited.
CREATE TABLE clinician_grants (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    clinician_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('mood', 'summaries', 'conversations', 'everything')),
    session_ids TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX idx_clinician_grants_user ON clinician_grants (user_id);
CREATE INDEX idx_clinician_grants_clinician ON clinician_grants (clinician_id);
