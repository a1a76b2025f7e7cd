//! Documents the service produces: iCalendar files (feeds and mail attachments).
pub mod ics;
