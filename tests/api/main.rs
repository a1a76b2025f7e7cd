//! Obrador's HTTP test suite: one binary, each test against its own server on port 0 and its own
//! fresh database (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set).
mod helpers;

mod cli;
mod database;
mod errors;
mod health;
