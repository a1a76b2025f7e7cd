DROP INDEX resource_blocks_session;
ALTER TABLE resource_blocks DROP COLUMN session_id;
DROP TABLE tutor_courses;
DROP TABLE enrollments;
DROP TABLE session_machines;
DROP TABLE training_sessions;
DROP TABLE courses;
