-- Payment reminders for overdue invoices. Reminder `number` n of an invoice falls due
-- `reminder_days` × n days after its due date; the overdue job writes its row once (unique per
-- invoice and number), claims due rows under a lease, and in one transaction re-checks that the
-- invoice is still unpaid, queues the mail and closes the row: sent once, even with several
-- instances, and never lost to a crash (an expired lease is taken over).
CREATE TABLE payment_reminders (
    id INTEGER PRIMARY KEY,
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'skipped')),
    lease_owner TEXT,
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (invoice_id, number)
);
CREATE INDEX payment_reminders_due ON payment_reminders (status, due_at);
-- The overdue job looks for issued invoices by due date.
CREATE INDEX invoices_due ON invoices (status, due_date);
