-- Each person's data key, wrapped by a master key (never stored in the clear).
-- Deleting the row destroys every copy of their encrypted content, backups included.
CREATE TABLE user_keys (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_user_keys_master ON user_keys (master_key_id);
