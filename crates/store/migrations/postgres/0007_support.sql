-- The customer-service console's search. Lockstep with ../sqlite/0007_support.sql.
-- Names are searched by prefix, ignoring case: a lower-case copy of the display name, indexed (the
-- email is stored lower-case already). Prefix searches are LIKE 'x%', which PostgreSQL answers from a
-- text_pattern_ops index whatever the database's collation.
ALTER TABLE users ADD COLUMN name_key TEXT;
UPDATE users SET name_key = LOWER(display_name);
CREATE INDEX users_by_name_key ON users (name_key text_pattern_ops);
CREATE INDEX users_by_email_pattern ON users (email text_pattern_ops);
CREATE INDEX organizations_by_name_pattern ON organizations (name_key text_pattern_ops);
