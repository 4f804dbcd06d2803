-- The customer-service console's search. Lockstep with ../postgres/0007_support.sql.
-- Names are searched by prefix, ignoring case: a lower-case copy of the display name, indexed (the
-- email is stored lower-case already and has its unique index).
ALTER TABLE users ADD COLUMN name_key TEXT;
UPDATE users SET name_key = LOWER(display_name);
CREATE INDEX users_by_name_key ON users (name_key);
