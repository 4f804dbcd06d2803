-- OpenID Connect (issue 7): the services that trust Portcullis (clients), the keys that sign their
-- tokens, authorization requests waiting for a login, codes, grants and refresh tokens, consents and
-- back-channel logout deliveries. Lockstep with ../sqlite/0010_oidc.sql.

-- A stable id per login session that survives the id rotation at each privilege change: the `sid`
-- services see in ID tokens and back-channel logout tokens. NULL for sessions older than this.
ALTER TABLE sessions ADD COLUMN sid TEXT;
CREATE INDEX sessions_by_sid ON sessions (sid);

-- redirect_uris, post_logout_uris: one URI per line, matched exactly (no wildcards).
-- secret_hash: SHA-256 of the client secret; NULL for a public client (PKCE instead).
-- scopes: the scopes it may ask for, space-separated. require_key: only security-key logins.
-- consent: ask each user once before the first login (third-party services); 0 for first-party.
-- *_ttl: seconds. enabled: 0 refuses every request and grant of the client.
CREATE TABLE oidc_clients (
    id                      TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL,
    secret_hash             TEXT,
    redirect_uris           TEXT NOT NULL,
    post_logout_uris        TEXT NOT NULL,
    backchannel_logout_uri  TEXT,
    scopes                  TEXT NOT NULL,
    require_key             INTEGER NOT NULL,
    signing_alg             TEXT NOT NULL CHECK (signing_alg IN ('ES256', 'RS256')),
    consent                 INTEGER NOT NULL,
    access_ttl              BIGINT NOT NULL,
    refresh_idle_ttl        BIGINT NOT NULL,
    refresh_max_ttl         BIGINT NOT NULL,
    enabled                 INTEGER NOT NULL,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);

-- Token-signing keys. private_key: PKCS#8, sealed under the master key. public_jwk: the JWKS entry.
-- A key is published from created_at, signs from signs_from (after a rotation some minutes later, so
-- that services caching the JWKS know it before they see it) until retired_at, and stays in the JWKS
-- until published_until (when the last token it signed has expired).
CREATE TABLE oidc_signing_keys (
    kid              TEXT PRIMARY KEY NOT NULL,
    alg              TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256')),
    private_key      TEXT NOT NULL,
    public_jwk       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    signs_from       BIGINT NOT NULL,
    retired_at       BIGINT,
    published_until  BIGINT
);
-- One signing key per algorithm at a time: two nodes starting at once cannot both create one.
CREATE UNIQUE INDEX oidc_signing_keys_one_active ON oidc_signing_keys (alg) WHERE retired_at IS NULL;

-- An authorization request waiting for the user to log in (the browser holds its id in a cookie).
-- params: the validated request as JSON.
CREATE TABLE oidc_requests (
    id_hash     TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    params      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- A grant: one user's login at one service, from its authorization code (or nothing else). Its
-- refresh tokens form one family: revoking the grant ends them all and the access tokens it issued
-- (userinfo and introspection look the grant up).
CREATE TABLE oidc_grants (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid          TEXT,
    scope        TEXT NOT NULL,
    amr          TEXT NOT NULL,
    acr          TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    revoked_why  TEXT
);
CREATE INDEX oidc_grants_by_user ON oidc_grants (user_id);
CREATE INDEX oidc_grants_by_sid ON oidc_grants (sid);

-- Authorization codes: single use (used_at set once), bound to the grant's client, the redirect URI
-- and the PKCE challenge.
CREATE TABLE oidc_codes (
    code_hash       TEXT PRIMARY KEY NOT NULL,
    grant_id        TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT,
    nonce           TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX oidc_codes_by_grant ON oidc_codes (grant_id);

-- Refresh tokens: each is used once (rotation); presenting a used one revokes its grant.
-- expires_at: the idle lifetime (the grant's expires_at is the absolute one).
CREATE TABLE oidc_refresh_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    grant_id    TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX oidc_refresh_tokens_by_grant ON oidc_refresh_tokens (grant_id);

-- What a user agreed a third-party service may read (asked once; scope grows when it asks for more).
CREATE TABLE oidc_consents (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- Back-channel logout (OpenID Connect Back-Channel Logout 1.0): a logout token to post to a service,
-- written in the transaction that ends the session, delivered by the worker with retries like email.
-- The token is signed when it is sent (it holds nothing secret; these columns are its claims).
CREATE TABLE oidc_logout_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    client_id        TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    sid              TEXT,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,
    delivered_at     BIGINT,
    abandoned_at     BIGINT,
    last_error       TEXT
);
CREATE INDEX oidc_logout_deliveries_due ON oidc_logout_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
