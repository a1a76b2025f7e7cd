//! Arranging the workshop for booking tests: machines, opening hours, instants in local time.
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use obrador::domain::resources::{RawResource, Resource};
use obrador::domain::{Ambiguity, ResourceId, WorkshopTz};
use obrador::services::{resources, By};

use super::TestApp;

impl TestApp {
    /// A machine with the default rules (30-minute slots, 30 min–8 h, 60 days ahead), billed by
    /// booked time in 15-minute increments at 20/25/30 € an hour; `adjust` changes the raw fields.
    pub fn machine(&self, name: &str, adjust: impl FnOnce(&mut RawResource)) -> Resource {
        let mut raw = RawResource {
            name: name.into(),
            category_id: None,
            description: String::new(),
            rate_member: "20.00".into(),
            rate_business: "25.00".into(),
            rate_public: "30.00".into(),
            slot_minutes: None,
            min_minutes: None,
            max_minutes: None,
            horizon_days: None,
            notice_minutes: None,
            buffer_minutes: None,
            required_qualification_id: None,
            billing_basis: None,
            billing_increment_minutes: None,
            minimum_charge: None,
            out_of_service: false,
        };
        adjust(&mut raw);
        let machine = Resource::parse_machine(ResourceId::new(0), &raw).expect("valid machine");
        let mut conn = self.db.conn();
        resources::create_machine(&mut conn, &By::System("test"), &machine)
            .expect("machine created")
    }
}

/// A local Madrid wall-clock time ("2027-03-01 10:00") as an instant.
pub fn local(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("local time");
    WorkshopTz::DEFAULT
        .to_utc(naive, Ambiguity::Earlier)
        .expect("exists")
}

/// The next weekday (Monday to Friday) at `hour`:00 local, at least `days` days from now.
pub fn weekday_at(days: i64, hour: u32) -> DateTime<Utc> {
    use chrono::Datelike;
    let mut date = WorkshopTz::DEFAULT.local_date(Utc::now() + Duration::days(days));
    while date.weekday().num_days_from_monday() > 4 {
        date = date.succ_opt().expect("date");
    }
    let naive = date.and_hms_opt(hour, 0, 0).expect("time");
    WorkshopTz::DEFAULT
        .to_utc(naive, Ambiguity::Earlier)
        .expect("exists")
}

/// `count` distinct hours to book, in order: 9:00 to 16:00 local on the weekdays from tomorrow.
pub fn hours_ahead(count: usize) -> Vec<DateTime<Utc>> {
    let mut starts: Vec<DateTime<Utc>> = Vec::with_capacity(count);
    let mut day = 1;
    while starts.len() < count {
        for hour in 9..17 {
            let start = weekday_at(day, hour);
            if starts.len() < count && !starts.contains(&start) {
                starts.push(start);
            }
        }
        day += 1;
    }
    starts
}

/// RFC 3339, as the API takes it.
pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}
