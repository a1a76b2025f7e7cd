DROP INDEX invoices_due;
DROP TABLE payment_reminders;
