//! Server-rendered HTML with maud: the layout, shared components and one module per page.
//! Views receive plain values and never touch the database.
pub mod components;
pub mod format;
pub mod layout;
pub mod pages;
pub mod tokens;

pub use layout::Chrome;

/// The hidden form field that carries the CSRF token (checked by the HTTP layer).
pub const CSRF_FIELD: &str = "csrf_token";
