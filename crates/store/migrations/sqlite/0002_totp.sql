-- Authenticator apps (TOTP) and the master-key check. Lockstep with ../postgres/0002_totp.sql.

-- One row per master key ever used: a value sealed with it, opened at every start to prove the
-- configured key is the right one.
CREATE TABLE key_checks (
    key_id      TEXT PRIMARY KEY NOT NULL,
    sealed      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- An app being set up: not a credential until a code verifies it; expires if abandoned.
CREATE TABLE totp_enrollments (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  TEXT NOT NULL,
    phone          TEXT NOT NULL CHECK (phone IN ('android', 'iphone', 'other')),
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX totp_enrollments_by_user ON totp_enrollments (user_id);

-- A verified authenticator app. last_used_step only ever grows (a step is accepted once).
CREATE TABLE totp_credentials (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed   TEXT NOT NULL,
    drift           BIGINT NOT NULL,
    last_used_step  BIGINT,
    last_used_at    BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX totp_credentials_by_user ON totp_credentials (user_id);
