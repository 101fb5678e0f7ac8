-- Each person's data key, wrapped by a master key (never stored in the clear).
-- Without the row (and a master key that unwraps it) their content cannot be read.
CREATE TABLE user_keys (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    master_key_id VARCHAR(16) NOT NULL,
    wrapped BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_user_keys_master ON user_keys (master_key_id);
