-- The email outbox (DESIGN.md §3). Lockstep with ../sqlite/0006_email_outbox.sql.
-- A message is written in the transaction of the event that causes it, and delivered afterwards by
-- the server's worker, with retries: a crash between the two loses nothing.
--
-- payload: the message's content (JSON, sealed under the master key: it may hold a one-time link);
--          cleared once the message is sent or given up.
-- attempts: counted when a worker claims the message; claimed_until: the claim's lease, after which
--          another worker may take the message (its holder crashed or hangs).
CREATE TABLE email_outbox (
    id               TEXT PRIMARY KEY NOT NULL,
    recipient        TEXT NOT NULL,
    lang             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    payload          TEXT,
    created_at       BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,
    sent_at          BIGINT,
    abandoned_at     BIGINT,
    last_error       TEXT,
    CONSTRAINT email_outbox_done_without_payload CHECK (payload IS NULL OR (sent_at IS NULL AND abandoned_at IS NULL))
);
-- The worker's question: what is due and not yet done.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX email_outbox_by_recipient ON email_outbox (recipient);
