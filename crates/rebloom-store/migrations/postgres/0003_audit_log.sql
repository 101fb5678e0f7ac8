-- The audit log: append-only and hash-chained. Each entry's hash covers the
-- previous entry's hash, so an altered, inserted or removed entry breaks the
-- chain (`rebloom audit verify`); audit_head holds the last sequence number and
-- hash, so removing entries from the end is seen too. Entries hold ids, roles
-- and actions, never health content. No foreign keys: the record outlives the
-- accounts it mentions.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_role VARCHAR(20) NOT NULL,
    subject_id UUID,
    action VARCHAR(64) NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX idx_audit_log_subject ON audit_log (subject_id, seq DESC);

CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
