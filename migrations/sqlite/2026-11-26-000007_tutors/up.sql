-- Tutors are resources of kind 'tutor' linked to a user with role tutor: what they teach, when
-- they work, their time off; a booking records the tutor booked with it so tutor hours can be
-- billed. Tutor time is ordinary resource blocks on the tutor's resource (kind 'tutor').
ALTER TABLE resources ADD COLUMN tutor_user_id BIGINT REFERENCES users (id);

-- What a tutor teaches: a machine category (courses come with training).
CREATE TABLE tutor_skills (
    id INTEGER PRIMARY KEY,
    tutor_id BIGINT NOT NULL REFERENCES resources (id),
    category_id BIGINT REFERENCES machine_categories (id),
    course_name TEXT,
    CHECK (category_id IS NOT NULL OR course_name IS NOT NULL)
);
CREATE INDEX tutor_skills_tutor ON tutor_skills (tutor_id);

-- Weekly local availability: minutes from midnight, [opens, closes), weekday 0 = Monday.
CREATE TABLE tutor_availability (
    id INTEGER PRIMARY KEY,
    tutor_id BIGINT NOT NULL REFERENCES resources (id),
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens_minute INTEGER NOT NULL CHECK (opens_minute BETWEEN 0 AND 1439),
    closes_minute INTEGER NOT NULL CHECK (closes_minute BETWEEN 1 AND 1440),
    CHECK (opens_minute < closes_minute)
);
CREATE INDEX tutor_availability_tutor ON tutor_availability (tutor_id);

CREATE TABLE tutor_time_off (
    id INTEGER PRIMARY KEY,
    tutor_id BIGINT NOT NULL REFERENCES resources (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    CHECK (starts_at < ends_at)
);
CREATE INDEX tutor_time_off_tutor ON tutor_time_off (tutor_id, starts_at);

ALTER TABLE bookings ADD COLUMN tutor_id BIGINT REFERENCES resources (id);
