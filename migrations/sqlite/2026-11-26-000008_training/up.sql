-- Manufacturing training: courses (what a course grants and its cancellation terms), their
-- sessions (seats behind a guarded counter, a tutor and optionally machines they block) and
-- enrollments (confirmed seats and a FIFO waiting list ordered by id).
CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- What attending grants (NULL: nothing).
    qualification_id BIGINT REFERENCES qualifications (id),
    -- A seat can be given up for free until this many hours before the session starts …
    free_cancel_hours INTEGER NOT NULL CHECK (free_cancel_hours BETWEEN 0 AND 8760),
    -- … later it costs this share of the seat price.
    late_cancel_percent INTEGER NOT NULL CHECK (late_cancel_percent BETWEEN 0 AND 100),
    -- Charged on top of the seat to someone marked absent (0: nothing more).
    no_show_fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (no_show_fee_cents >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    tutor_id BIGINT NOT NULL REFERENCES resources (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    seats INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 500),
    -- Confirmed seats: only ever changed by a guarded UPDATE (… WHERE taken < seats).
    taken INTEGER NOT NULL DEFAULT 0,
    seat_member_cents BIGINT NOT NULL CHECK (seat_member_cents >= 0),
    seat_business_cents BIGINT NOT NULL CHECK (seat_business_cents >= 0),
    seat_public_cents BIGINT NOT NULL CHECK (seat_public_cents >= 0),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    -- iCalendar SEQUENCE: raised on every change attendees see.
    sequence INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    CHECK (starts_at < ends_at),
    CHECK (taken >= 0 AND taken <= seats)
);
CREATE INDEX training_sessions_start ON training_sessions (starts_at);
CREATE INDEX training_sessions_tutor ON training_sessions (tutor_id, starts_at);

-- The machines a session occupies (besides its tutor).
CREATE TABLE session_machines (
    session_id BIGINT NOT NULL REFERENCES training_sessions (id),
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    PRIMARY KEY (session_id, resource_id)
);

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES training_sessions (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL
        CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')),
    -- The customer's price category and seat price at sign-up: what the seat is charged at.
    price_category TEXT NOT NULL,
    seat_price_cents BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    cancelled_at TIMESTAMP
);
-- One live enrollment per person and session: signing up twice is refused by the database.
CREATE UNIQUE INDEX enrollments_one_per_person ON enrollments (session_id, user_id)
    WHERE status <> 'cancelled';
CREATE INDEX enrollments_session ON enrollments (session_id, status, id);
CREATE INDEX enrollments_user ON enrollments (user_id);

-- Which courses a tutor teaches (machine categories are in tutor_skills).
CREATE TABLE tutor_courses (
    tutor_id BIGINT NOT NULL REFERENCES resources (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    PRIMARY KEY (tutor_id, course_id)
);

ALTER TABLE resource_blocks ADD COLUMN session_id BIGINT REFERENCES training_sessions (id);
CREATE INDEX resource_blocks_session ON resource_blocks (session_id);
