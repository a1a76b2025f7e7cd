//! Pure domain types and rules: no I/O.

pub mod access;
pub mod accounts;
pub mod billing;
pub mod booking;
pub mod chain;
pub mod ids;
pub mod invoice;
pub mod money;
pub mod plans;
pub mod resources;
pub mod time;
pub mod training;
pub mod tutors;
pub mod usage;

pub use access::Actor;
pub use accounts::{
    Customer, CustomerInput, CustomerKind, Email, InvalidField, Name, NewPassword, PriceCategory,
    RawCustomer, Role, User,
};
pub use chain::{ChainBreak, ChainRecord, DocumentKind};
pub use ids::{
    AuditId, BlockId, BookingId, CategoryId, ChargeId, ClosureId, CourseId, CustomerId,
    EnrollmentId, IdParseError, InvoiceId, OutboxId, QualificationId, ResourceId, SeriesId,
    SessionId, TokenId, UsageId, UserId,
};
pub use invoice::{Quantity, Totals, VatRate};
pub use money::{Money, MoneyError};
pub use time::{
    parse_rfc3339_with_offset, Ambiguity, LocalMonth, LocalTimeError, MonthParseError,
    TimeParseError, UnknownTimeZone, WorkshopTz,
};
