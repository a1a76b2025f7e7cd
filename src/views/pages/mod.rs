//! One module per page.
pub mod account;
pub mod bookings;
pub mod business;
pub mod error;
pub mod home;
pub mod invoices;
pub mod login;
pub mod machines;
pub mod password_reset;
pub mod staff;
pub mod training;
pub mod tutor;
pub mod usage;
