-- The key store: each person's data key, wrapped by a master key. It lives
-- apart from the data it protects (its own schema or database, its own
-- backups), so erasing a person's key here leaves their content unreadable in
-- every backup of the data taken before.
CREATE TABLE user_keys (
    user_id UUID PRIMARY KEY,
    master_key_id VARCHAR(16) NOT NULL,
    wrapped BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_user_keys_master ON user_keys (master_key_id);
