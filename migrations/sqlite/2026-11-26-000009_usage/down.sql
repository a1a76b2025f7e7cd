DROP TABLE booking_settlements;
DROP TABLE usage_events;
DROP TABLE usage_records;
