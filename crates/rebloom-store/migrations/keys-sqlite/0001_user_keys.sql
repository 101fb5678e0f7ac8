-- The key store: each person's data key, wrapped by a master key. It lives
-- apart from the data it protects (its own file or schema, its own backups),
-- so erasing a person's key here leaves their content unreadable in every
-- backup of the data taken before.
CREATE TABLE user_keys (
    user_id BLOB PRIMARY KEY,
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_user_keys_master ON user_keys (master_key_id);
