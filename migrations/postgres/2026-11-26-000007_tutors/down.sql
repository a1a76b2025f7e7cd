ALTER TABLE bookings DROP COLUMN tutor_id;
DROP TABLE tutor_time_off;
DROP TABLE tutor_availability;
DROP TABLE tutor_skills;
ALTER TABLE resources DROP COLUMN tutor_user_id;
