-- Profiles, delegated MFA reset and the organization's audit view. Lockstep with ../postgres/0005_accounts.sql.

-- When this session last passed a second factor (login, setup or a fresh check): changing MFA needs one
-- within the last 5 minutes.
ALTER TABLE sessions ADD COLUMN mfa_at BIGINT;

-- After an MFA reset, the moment by which the user must set up MFA again; past it, login stops until
-- someone resets again (a stolen password cannot enroll an attacker's phone weeks later).
ALTER TABLE users ADD COLUMN mfa_enroll_by BIGINT;

-- Administrators read their organization's events, newest first.
CREATE INDEX audit_events_by_org ON audit_events (org_id, id);
