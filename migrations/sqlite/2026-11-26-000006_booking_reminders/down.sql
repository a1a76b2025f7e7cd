DROP TABLE booking_reminders;
