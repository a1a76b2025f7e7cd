//! Every `.ics` Obrador produces — feeds and mail attachments — comes from here, so a booking has
//! the same UID everywhere and its SEQUENCE tells calendars which version is newer.
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus};

/// One event as calendars should show it.
#[derive(Debug, Clone)]
pub struct CalendarEvent {
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Raised on every change; calendars keep the highest.
    pub sequence: i32,
    pub cancelled: bool,
    /// When this version of the event was made (DTSTAMP).
    pub stamp: DateTime<Utc>,
}

/// What a mail attachment asks of the calendar that opens it (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A new or changed event.
    Request,
    /// The event is called off.
    Cancel,
}

/// The stable UID of a booking, the same in feeds and in every mail about it.
pub fn booking_uid(booking_id: i64, host: &str) -> String {
    format!("booking-{booking_id}@{host}")
}

/// The stable UID of one person's seat at a training session.
pub fn enrollment_uid(enrollment_id: i64, host: &str) -> String {
    format!("enrollment-{enrollment_id}@{host}")
}

/// The stable UID of a training session as its tutor's calendar shows it.
pub fn session_uid(session_id: i64, host: &str) -> String {
    format!("session-{session_id}@{host}")
}

/// A whole calendar: a subscription feed (`method` None) or a mail attachment.
pub fn calendar(name: &str, method: Option<Method>, events: &[CalendarEvent]) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    if let Some(method) = method {
        calendar.append_property((
            "METHOD",
            match method {
                Method::Request => "REQUEST",
                Method::Cancel => "CANCEL",
            },
        ));
    }
    for event in events {
        let mut built = icalendar::Event::new();
        built
            .uid(&event.uid)
            .summary(&event.summary)
            .description(&event.description)
            .location(&event.location)
            .starts(event.starts_at)
            .ends(event.ends_at)
            .sequence(u32::try_from(event.sequence).unwrap_or_default())
            .timestamp(event.stamp)
            .status(if event.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        calendar.push(built.done());
    }
    calendar.done().to_string()
}
