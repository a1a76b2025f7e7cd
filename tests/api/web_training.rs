//! The training screens.
