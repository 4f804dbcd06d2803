-- Self-registration of individuals. Lockstep with ../sqlite/0008_registration.sql.

-- A registration link is for an email address that has no account yet (nothing is written to `users`
-- until the link is used, so an abandoned registration blocks nothing): the link carries the address.
ALTER TABLE one_time_links ADD COLUMN email TEXT;

-- The new purpose. The CHECK is replaced under the same name as before, so both schemas stay alike.
ALTER TABLE one_time_links DROP CONSTRAINT IF EXISTS one_time_links_purpose_check;
ALTER TABLE one_time_links ADD CONSTRAINT one_time_links_purpose_check
    CHECK (purpose IN ('invitation', 'bootstrap', 'registration'));
