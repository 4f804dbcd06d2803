-- API tokens for the admin JSON API (issue 6). Lockstep with ../postgres/0009_api_tokens.sql.
-- An organization's administrator creates a token; it acts as its creator (created_by), narrowed to
-- its scopes, until it expires or is revoked. Only the SHA-256 of the token is stored.
--
-- scopes: space-separated, e.g. 'users:read audit:read' (see portcullis_core::api_token::Scope).
-- last_used_at: the last call it authenticated (shown to administrators; helps find unused tokens).
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
-- An organization's tokens, newest first.
CREATE INDEX api_tokens_by_org ON api_tokens (org_id, created_at);
