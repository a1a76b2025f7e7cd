-- The reminder queue: one row per booking, due some hours before it starts, claimed by the
-- reminder job under a lease so that several instances send each reminder once.
CREATE TABLE booking_reminders (
    id INTEGER PRIMARY KEY,
    booking_id BIGINT NOT NULL UNIQUE REFERENCES bookings (id),
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'skipped')),
    lease_owner TEXT,
    lease_until TIMESTAMP
);
CREATE INDEX booking_reminders_due ON booking_reminders (status, due_at);
