//! Obrador's HTTP test suite: one binary, each test against its own server on port 0 and its own
//! fresh database (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set).
mod helpers;

mod accounts;
mod backup;
mod bookings;
mod browser;
mod calendar;
mod cli;
mod credit_notes;
mod database;
mod demo;
mod errors;
mod health;
mod invoice_documents;
mod invoice_export;
mod invoice_mail;
mod invoicing;
mod limits;
mod login;
mod mail;
mod mail_outage;
mod password_reset;
mod payment_reminders;
mod plans;
mod training;
mod tutors;
mod usage;
mod web_bookings;
mod web_invoicing;
mod web_plans;
mod web_qualifications;
mod web_staff;
mod web_training;
mod web_usage;
