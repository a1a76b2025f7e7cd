//! How values read on screen: local times, money.
use chrono::{DateTime, Utc};

use crate::domain::WorkshopTz;

/// An instant in the workshop's time zone, to the minute.
pub fn local_minute(instant: DateTime<Utc>, tz: WorkshopTz) -> String {
    tz.to_local(instant).format("%Y-%m-%d %H:%M").to_string()
}
