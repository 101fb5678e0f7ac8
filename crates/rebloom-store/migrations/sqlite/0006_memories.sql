-- What the companion remembers about a person, with provenance (the messages
-- each memory came from), the vectors used to find memories and similar past
-- conversations, and the person's memory settings. Content, vectors and the
-- "never remember" list are sealed by the encryption layer.
CREATE TABLE memories (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'goal', 'stressor', 'coping', 'note')),
    content TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',
    mention_count INTEGER NOT NULL DEFAULT 1,
    origin TEXT NOT NULL CHECK (origin IN ('conversation', 'person')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX idx_memories_user_seen ON memories (user_id, last_seen_at DESC);

CREATE TABLE memory_vectors (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    memory_id BLOB UNIQUE REFERENCES memories(id) ON DELETE CASCADE,
    message_id BLOB UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    session_id BLOB REFERENCES conversation_sessions(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((memory_id IS NULL) <> (message_id IS NULL))
);
CREATE INDEX idx_memory_vectors_user_model ON memory_vectors (user_id, model);

CREATE TABLE memory_settings (
    user_id BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    paused INTEGER NOT NULL DEFAULT 0,
    never_remember TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
