-- Usage: who used which resource from when to when, and where the record came from. A record is
-- open (no end yet) until checked out or stopped; a closed record with a customer is charged
-- once per revision. Device events are kept as received, keyed by the device's event id.
CREATE TABLE usage_records (
    id BIGSERIAL PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    -- NULL until known (a device start with no booking and no customer): an anomaly to resolve.
    customer_id BIGINT REFERENCES customers (id),
    user_id BIGINT REFERENCES users (id),
    booking_id BIGINT REFERENCES bookings (id),
    source TEXT NOT NULL CHECK (source IN ('booking', 'front_desk', 'device', 'staff')),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'void')),
    -- Raised by each staff correction; the charge of each revision is written once.
    revision INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ended_at IS NULL OR started_at < ended_at),
    CHECK (status <> 'closed' OR ended_at IS NOT NULL)
);
CREATE INDEX usage_records_resource ON usage_records (resource_id, started_at);
CREATE INDEX usage_records_customer ON usage_records (customer_id, started_at);
CREATE INDEX usage_records_booking ON usage_records (booking_id);
CREATE INDEX usage_records_status ON usage_records (status, started_at);

CREATE TABLE usage_events (
    id BIGSERIAL PRIMARY KEY,
    -- The device's idempotency key: a repeat of an event changes nothing.
    event_id TEXT NOT NULL UNIQUE,
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    kind TEXT NOT NULL CHECK (kind IN ('start', 'stop')),
    at TIMESTAMP NOT NULL,
    customer_id BIGINT REFERENCES customers (id),
    token_id BIGINT REFERENCES api_tokens (id),
    received_at TIMESTAMP NOT NULL,
    -- The record this event opened or closed; NULL for a stop still waiting for its start.
    usage_id BIGINT REFERENCES usage_records (id),
    -- A stop without a start that staff have dealt with.
    dismissed_at TIMESTAMP
);
CREATE INDEX usage_events_pending ON usage_events (resource_id, kind, usage_id, at);

-- Each confirmed booking is settled once after it ends plus a grace period: found used, or charged
-- as a no-show. Claimed by the no-show job under a lease; (re)scheduled when a booking is made or
-- moved, skipped when it is cancelled.
CREATE TABLE booking_settlements (
    id BIGSERIAL PRIMARY KEY,
    booking_id BIGINT NOT NULL UNIQUE REFERENCES bookings (id),
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'used', 'no_show', 'skipped')),
    lease_owner TEXT,
    lease_until TIMESTAMP
);
CREATE INDEX booking_settlements_due ON booking_settlements (status, due_at);
INSERT INTO booking_settlements (booking_id, due_at, status)
    SELECT id, ends_at, 'pending' FROM bookings WHERE status = 'confirmed';
