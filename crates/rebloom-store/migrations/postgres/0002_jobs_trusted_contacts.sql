-- Background jobs, kept in the store so that they survive restarts and are
-- shared by every replica: crisis notifications now; exports, erasure and
-- weekly insights later. Payloads hold ids and levels, never message text.
CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    queue VARCHAR(64) NOT NULL,
    payload JSONB NOT NULL,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    lease UUID,
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_jobs_due ON jobs (status, run_at);
CREATE INDEX idx_jobs_user ON jobs (user_id);

-- Someone the person trusts, named with their explicit consent; notified only
-- when the person asks for it.
CREATE TABLE trusted_contacts (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(320) NOT NULL,
    consented_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_notified_at TIMESTAMPTZ
);
