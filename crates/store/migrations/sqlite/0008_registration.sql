-- Self-registration of individuals. Lockstep with ../postgres/0008_registration.sql.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (create the new one, copy,
-- drop the old, rename, recreate its index), the documented procedure. No other table refers to
-- `one_time_links`, so dropping it touches no foreign key. The migration runs in one transaction.

-- A registration link is for an email address that has no account yet (nothing is written to `users`
-- until the link is used, so an abandoned registration blocks nothing): the link carries the address.
CREATE TABLE one_time_links_new (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invitation', 'bootstrap', 'registration')),
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    email       TEXT
);
INSERT INTO one_time_links_new (token_hash, purpose, user_id, created_by, created_at, expires_at, used_at)
    SELECT token_hash, purpose, user_id, created_by, created_at, expires_at, used_at FROM one_time_links;
DROP TABLE one_time_links;
ALTER TABLE one_time_links_new RENAME TO one_time_links;
CREATE INDEX one_time_links_by_user ON one_time_links (user_id);
