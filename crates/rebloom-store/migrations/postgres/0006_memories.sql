-- What the companion remembers about a person, with provenance (the messages
-- each memory came from), the vectors used to find memories and similar past
-- conversations, and the person's memory settings. Content, vectors and the
-- "never remember" list are sealed by the encryption layer.
CREATE TABLE memories (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('person', 'goal', 'stressor', 'coping', 'note')),
    content TEXT NOT NULL,
    sources JSONB NOT NULL DEFAULT '[]',
    mention_count INTEGER NOT NULL DEFAULT 1,
    origin VARCHAR(16) NOT NULL CHECK (origin IN ('conversation', 'person')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_memories_user_seen ON memories (user_id, last_seen_at DESC);

CREATE TABLE memory_vectors (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    memory_id UUID UNIQUE REFERENCES memories(id) ON DELETE CASCADE,
    message_id UUID UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    session_id UUID REFERENCES conversation_sessions(id) ON DELETE CASCADE,
    model VARCHAR(100) NOT NULL,
    vector BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((memory_id IS NULL) <> (message_id IS NULL))
);
CREATE INDEX idx_memory_vectors_user_model ON memory_vectors (user_id, model);

CREATE TABLE memory_settings (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    never_remember JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
