//! Manufacturing training in the web UI: the public catalog, a session's page (signing up; for
//! staff and its tutor the participants, waiting list and attendance; for staff seats and
//! cancelling) and "My trainings" with giving up a place.
mod actions;
mod catalog;
mod mine;
mod session;

use actix_web::web;

use crate::domain::training::{EnrollmentStatus, Session, SessionStatus};
use crate::domain::{PriceCategory, WorkshopTz};
use crate::services::bookings::when;
use crate::views::pages::training::{SeatPrice, Seats, SessionSummary};

use super::bookings::euros;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/training", web::get().to(catalog::show))
        .route("/training/sessions/{id}", web::get().to(session::show))
        .route(
            "/training/sessions/{id}/signup",
            web::post().to(actions::sign_up),
        )
        .route(
            "/training/sessions/{id}/seats",
            web::post().to(actions::set_seats),
        )
        .route(
            "/training/sessions/{id}/cancel",
            web::post().to(actions::cancel),
        )
        .route(
            "/training/enrollments/{id}/attendance",
            web::post().to(actions::attendance),
        )
        .route("/trainings", web::get().to(mine::list))
        .route("/trainings/{id}/leave", web::post().to(mine::leave));
}

/// A url-encoded form as its pairs: serde's form decoding cannot gather a repeated field (ticked
/// checkboxes of one name) into a list, so forms with one are read this way.
pub(super) struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, or empty.
    pub fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of `name`, in the order sent.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A session in words and local time; the seat price of `category`, or all three without one.
fn summary(session: &Session, tz: WorkshopTz, category: Option<PriceCategory>) -> SessionSummary {
    let prices = &session.seat_prices;
    SessionSummary {
        id: session.id.get(),
        when: when(tz, session.starts_at, session.ends_at),
        tutor: session.tutor_name.clone(),
        seats: if session.seats_left > 0 {
            Seats::Left {
                left: session.seats_left,
                of: session.seats,
            }
        } else {
            Seats::Full {
                waiting: session.waiting,
            }
        },
        price: match category {
            Some(category) => SeatPrice::Yours(euros(prices.for_category(category))),
            None => SeatPrice::All {
                member: euros(prices.member),
                business: euros(prices.business),
                public: euros(prices.public),
            },
        },
        cancelled: session.status == SessionStatus::Cancelled,
    }
}

/// An enrollment's status in words, with its place in line when waiting.
fn status_words(status: EnrollmentStatus, position: Option<i64>) -> String {
    match status {
        EnrollmentStatus::Confirmed => "seat confirmed".into(),
        EnrollmentStatus::Waitlisted => match position {
            Some(position) => format!("waiting list, position {position}"),
            None => "waiting list".into(),
        },
        EnrollmentStatus::Cancelled => "cancelled".into(),
        EnrollmentStatus::Attended => "attended".into(),
        EnrollmentStatus::NoShow => "no-show".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_all_kept_in_order() {
        let body = "csrf_token=x&user_id=7&user_id=3&note=a%20b";
        let pairs = Pairs(serde_urlencoded::from_str(body).expect("pairs"));
        assert_eq!(pairs.all("user_id"), vec!["7", "3"]);
        assert_eq!(pairs.one("note"), "a b");
        assert_eq!(pairs.one("missing"), "");
        assert!(pairs.all("missing").is_empty());
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(
            status_words(EnrollmentStatus::Waitlisted, Some(2)),
            "waiting list, position 2"
        );
        assert_eq!(status_words(EnrollmentStatus::NoShow, None), "no-show");
    }
}
