-- Clinician access with consent: a person grants one clinician a scope for a
-- time, and can revoke it at any time. Reads under a grant are audited.
CREATE TABLE clinician_grants (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    clinician_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope VARCHAR(16) NOT NULL CHECK (scope IN ('mood', 'summaries', 'conversations', 'everything')),
    session_ids JSONB NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX idx_clinician_grants_user ON clinician_grants (user_id);
CREATE INDEX idx_clinician_grants_clinician ON clinician_grants (clinician_id);
