-- Background jobs, kept in the store so that they survive restarts and are
-- shared by every replica: crisis notifications now; exports, erasure and
-- weekly insights later. Payloads hold ids and levels, never message text.
CREATE TABLE jobs (
    id BLOB PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    user_id BLOB REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at TEXT NOT NULL,
    lease BLOB,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_jobs_due ON jobs (status, run_at);
CREATE INDEX idx_jobs_user ON jobs (user_id);

-- Someone the person trusts, named with their explicit consent; notified only
-- when the person asks for it.
CREATE TABLE trusted_contacts (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    consented_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_notified_at TEXT
);
