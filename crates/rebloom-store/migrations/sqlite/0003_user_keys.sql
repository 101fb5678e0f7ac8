-- Each person's data key, wrapped by a master key (never stored in the clear).
-- Without the row (and a master key that unwraps it) their content cannot be read.
CREATE TABLE user_keys (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_user_keys_master ON user_keys (master_key_id);
