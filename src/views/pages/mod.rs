//! One module per page.
pub mod error;
pub mod home;
