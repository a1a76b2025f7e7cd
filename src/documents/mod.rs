//! Documents the service produces: iCalendar files (feeds and mail attachments), invoices (HTML
//! and PDF), the accountant's CSV export.
pub mod csv;
pub mod ics;
pub mod invoice;
