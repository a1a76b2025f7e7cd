-- Machines (and later tutors), what unlocks them, when the workshop is open, bookings, the
-- resource blocks that make double booking impossible, and the charges ledger.
CREATE TABLE machine_categories (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE qualifications (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- NULL: never expires.
    valid_months INTEGER
);

CREATE TABLE user_qualifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    qualification_id BIGINT NOT NULL REFERENCES qualifications (id),
    granted_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    UNIQUE (user_id, qualification_id)
);

CREATE TABLE resources (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('machine', 'tutor')),
    name TEXT NOT NULL,
    category_id BIGINT REFERENCES machine_categories (id),
    description TEXT NOT NULL DEFAULT '',
    rate_member_cents BIGINT NOT NULL CHECK (rate_member_cents >= 0),
    rate_business_cents BIGINT NOT NULL CHECK (rate_business_cents >= 0),
    rate_public_cents BIGINT NOT NULL CHECK (rate_public_cents >= 0),
    slot_minutes INTEGER NOT NULL,
    min_minutes INTEGER NOT NULL,
    max_minutes INTEGER NOT NULL,
    horizon_days INTEGER NOT NULL,
    notice_minutes INTEGER NOT NULL,
    buffer_minutes INTEGER NOT NULL,
    required_qualification_id BIGINT REFERENCES qualifications (id),
    billing_basis TEXT NOT NULL CHECK (billing_basis IN ('booked', 'actual', 'max')),
    billing_increment_minutes INTEGER NOT NULL CHECK (billing_increment_minutes IN (3, 6, 12, 15, 30, 60)),
    minimum_charge_cents BIGINT NOT NULL DEFAULT 0,
    out_of_service BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    calendar_secret TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Local opening hours: minutes from midnight, [opens, closes), weekday 0 = Monday.
CREATE TABLE opening_hours (
    id BIGSERIAL PRIMARY KEY,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens_minute INTEGER NOT NULL CHECK (opens_minute BETWEEN 0 AND 1439),
    closes_minute INTEGER NOT NULL CHECK (closes_minute BETWEEN 1 AND 1440),
    CHECK (opens_minute < closes_minute)
);

CREATE TABLE closures (
    id BIGSERIAL PRIMARY KEY,
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    reason TEXT NOT NULL,
    CHECK (first_day <= last_day)
);

CREATE TABLE booking_series (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    weeks INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE bookings (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    series_id BIGINT REFERENCES booking_series (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    -- The hourly rate and price category when booked: what a late cancellation is charged on.
    price_category TEXT NOT NULL,
    rate_cents BIGINT NOT NULL,
    -- iCalendar SEQUENCE: raised on every move or cancellation.
    sequence INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    CHECK (starts_at < ends_at)
);
CREATE INDEX bookings_customer ON bookings (customer_id, starts_at);
CREATE INDEX bookings_user ON bookings (user_id, starts_at);
CREATE INDEX bookings_resource ON bookings (resource_id, starts_at);

CREATE TABLE maintenance_windows (
    id BIGSERIAL PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at)
);

-- Everything that occupies a resource. Two live blocks of one resource never overlap on
-- [starts_at, blocks_until): see the trigger / exclusion constraint below.
CREATE TABLE resource_blocks (
    id BIGSERIAL PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    kind TEXT NOT NULL CHECK (kind IN ('booking', 'tutor', 'session', 'maintenance')),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    blocks_until TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('live', 'released')),
    booking_id BIGINT REFERENCES bookings (id),
    maintenance_id BIGINT REFERENCES maintenance_windows (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at AND ends_at <= blocks_until)
);
CREATE INDEX resource_blocks_span ON resource_blocks (resource_id, starts_at);
CREATE INDEX resource_blocks_booking ON resource_blocks (booking_id);

-- The charges ledger: everything billable, written once per (source, kind, revision).
CREATE TABLE charges (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('usage', 'tutor', 'seat', 'late_cancel', 'no_show', 'manual',
        'plan_fee', 'included_hours', 'discount', 'reversal')),
    source_type TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    service_date DATE NOT NULL,
    description TEXT NOT NULL,
    -- Minutes for time, a count otherwise.
    quantity BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    price_category TEXT NOT NULL,
    vat_category TEXT NOT NULL,
    machine_category_id BIGINT REFERENCES machine_categories (id),
    deferred_to_month TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (source_type, source_id, kind, revision)
);
CREATE INDEX charges_customer ON charges (customer_id, service_date);

ALTER TABLE users ADD COLUMN calendar_secret TEXT;
CREATE UNIQUE INDEX users_calendar_secret ON users (calendar_secret);

-- PostgreSQL refuses overlapping live blocks itself, also between concurrent transactions.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE resource_blocks ADD CONSTRAINT resource_blocks_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tsrange(starts_at, blocks_until) WITH &&)
    WHERE (status = 'live');
