//! Server-rendered HTML with maud: the layout, shared components and one module per page.
//! Views receive plain values and never touch the database.
pub mod layout;
pub mod pages;
