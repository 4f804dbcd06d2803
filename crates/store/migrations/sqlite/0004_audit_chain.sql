-- The audit log becomes a hash chain. Lockstep with ../postgres/0004_audit_chain.sql.
-- Each record stores the previous record's hash and its own (see portcullis-core's audit module).
-- Records written before this migration keep empty hashes: they precede the chain.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- The newest record's hash. Appending locks this row (PostgreSQL: FOR UPDATE) as the last step before
-- commit, so the chain has one order across nodes; verify compares it with the last record, so
-- records deleted from the end are noticed too.
CREATE TABLE audit_chain_head (
    id         BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    last_hash  TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_hash) VALUES (1, '');
