-- The mail outbox: each message is enqueued inside the transaction of the change it reports,
-- under a unique key, already formatted, and sent by the mail sender job (at least once, always
-- the same bytes and Message-ID). lease_owner/lease_until let one instance at a time work on a row.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    "key" TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
-- The sender's claim: pending rows that are due, oldest first.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
-- The staff list: newest first.
CREATE INDEX outbox_created ON outbox (created_at);
