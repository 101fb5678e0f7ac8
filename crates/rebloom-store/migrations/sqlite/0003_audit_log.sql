-- The audit log: append-only and hash-chained. Each entry's hash covers the
-- previous entry's hash, so an altered, inserted or removed entry breaks the
-- chain (`rebloom audit verify`); audit_head holds the last sequence number and
-- hash, so removing entries from the end is seen too. Entries hold ids, roles
-- and actions, never health content. No foreign keys: the record outlives the
-- accounts it mentions.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor_role TEXT NOT NULL,
    subject_id BLOB,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX idx_audit_log_subject ON audit_log (subject_id, seq DESC);

CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, X'0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
