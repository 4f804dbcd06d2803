-- Security keys (FIDO2 / WebAuthn). Lockstep with ../postgres/0003_security_keys.sql.

-- A registered security key (flags are 0/1). `credential` is webauthn-rs's credential (public key, counter, flags) as
-- JSON; the columns beside it are what pages, policies and the clone check need to read.
CREATE TABLE security_keys (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id     TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    aaguid            TEXT NOT NULL,
    model             TEXT,
    credential        TEXT NOT NULL,
    sign_count        BIGINT NOT NULL,
    user_verified     BIGINT NOT NULL,
    backup_eligible   BIGINT NOT NULL,
    backup_state      BIGINT NOT NULL,
    suspected_clone   BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT
);
CREATE INDEX security_keys_by_user ON security_keys (user_id);

-- A WebAuthn ceremony between its two requests: single-use (taken by DELETE), bound to the session
-- that started it, expiring after 5 minutes. Any node can finish what another started.
CREATE TABLE webauthn_ceremonies (
    id            TEXT PRIMARY KEY NOT NULL,
    session_hash  TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_session ON webauthn_ceremonies (session_hash);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);

-- Key models loaded from a FIDO Metadata Service (MDS3) blob by `portcullis mds load` (the built-in
-- list ships in the binary). attestation_roots: JSON array of base64 DER certificates.
CREATE TABLE key_models (
    aaguid             TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    attestation_roots  TEXT NOT NULL,
    loaded_at          BIGINT NOT NULL
);
