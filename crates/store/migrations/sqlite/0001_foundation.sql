-- Foundation: organizations, users, one-time links, sessions, throttles, audit events.
-- Kept in lockstep with ../postgres/0001_foundation.sql (a test compares the two schemas).
-- Times are seconds since the epoch (BIGINT), ids are text, flags are integers: what both databases
-- and sqlx's Any driver agree on.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT organizations_name_key_unique UNIQUE (name_key)
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL,
    display_name   TEXT,
    org_id         TEXT REFERENCES organizations (id),
    org_role       TEXT CHECK (org_role IN ('main_admin', 'user_admin', 'employee')),
    platform_role  TEXT CHECK (platform_role IN ('customer_service')),
    status         TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash  TEXT,
    locale         TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    last_login_at  BIGINT,
    CONSTRAINT users_email_unique UNIQUE (email),
    CONSTRAINT users_org_role_needs_org CHECK ((org_id IS NULL) = (org_role IS NULL))
);
-- Exactly one main administrator per organization: the database refuses a second one.
CREATE UNIQUE INDEX users_one_main_admin_per_org ON users (org_id) WHERE org_role = 'main_admin';
CREATE INDEX users_by_org ON users (org_id);

CREATE TABLE one_time_links (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invitation', 'bootstrap')),
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX one_time_links_by_user ON one_time_links (user_id);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage         TEXT NOT NULL,
    amr           TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE throttles (
    key              TEXT PRIMARY KEY NOT NULL,
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT NOT NULL
);

CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    actor_user_id   TEXT,
    target_user_id  TEXT,
    org_id          TEXT,
    ip              TEXT,
    detail          TEXT NOT NULL
);
CREATE INDEX audit_events_by_target ON audit_events (target_user_id);
