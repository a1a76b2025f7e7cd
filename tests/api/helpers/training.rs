//! Arranging training for tests: a course taught by a tutor, and sessions of it, made through
//! the services as staff would.
use chrono::{DateTime, Duration, Utc};
use obrador::domain::resources::Rates;
use obrador::domain::training::{Course, NewSession, RawCourse, Session};
use obrador::domain::tutors::{AvailabilitySlot, RawTutor, Tutor};
use obrador::domain::{CourseId, Money, QualificationId, ResourceId, Role};
use obrador::services::bookings::Context;
use obrador::services::{resources, training, tutors, By};

use super::{TestApp, TestUser};

/// A course with its tutor (who works every day, 08:00–22:00) and the qualification it grants.
pub struct TrainingFixture {
    pub course: Course,
    pub tutor: ResourceId,
    pub tutor_user: TestUser,
    pub qualification: QualificationId,
}

impl TestApp {
    /// A course "`name`" granting a qualification of the same name (valid 24 months), free to
    /// leave until 48 hours before, half the seat after, taught by a new tutor.
    pub fn course(&self, name: &str) -> TrainingFixture {
        let mut conn = self.db.conn();
        let system = By::System("test");
        let qualification = resources::create_qualification(&mut conn, &system, name, "", Some(24))
            .expect("qualification");
        let raw = RawCourse {
            name: name.into(),
            description: format!("How to use the {name} safely."),
            qualification_id: Some(qualification.get()),
            free_cancel_hours: Some(48),
            late_cancel_percent: Some(50),
            no_show_fee: None,
        };
        let course = training::create_course(
            &mut conn,
            &system,
            &Course::parse(CourseId::new(0), &raw).expect("course"),
        )
        .expect("course created");
        drop(conn);
        let tutor_user = self.user(Role::Tutor, None);
        let raw = RawTutor {
            user_id: tutor_user.id.get(),
            name: format!("Tutor of {name}"),
            description: String::new(),
            rate_member: "30".into(),
            rate_business: "35".into(),
            rate_public: "40".into(),
            billing_increment_minutes: None,
            skills: vec![],
            courses: vec![course.id.get()],
            availability: (0..7)
                .map(|weekday| AvailabilitySlot {
                    weekday,
                    opens_minute: 8 * 60,
                    closes_minute: 22 * 60,
                })
                .collect(),
            time_off: vec![],
        };
        let tutor = Tutor::parse(ResourceId::new(0), &raw).expect("tutor");
        let mut conn = self.db.conn();
        let tutor = tutors::create(&mut conn, &system, &tutor).expect("tutor created");
        TrainingFixture {
            course,
            tutor: tutor.resource.id,
            tutor_user,
            qualification,
        }
    }

    /// A session of the fixture's course from `start` for 3 hours with `seats` seats at
    /// 30/45/60 € (member/business/public), made without mail.
    pub fn session(&self, fixture: &TrainingFixture, start: DateTime<Utc>, seats: i32) -> Session {
        self.session_with(fixture, start, seats, &[])
    }

    /// Like `session`, also blocking `machines`.
    pub fn session_with(
        &self,
        fixture: &TrainingFixture,
        start: DateTime<Utc>,
        seats: i32,
        machines: &[ResourceId],
    ) -> Session {
        let new = NewSession {
            course_id: fixture.course.id,
            tutor_id: fixture.tutor,
            starts_at: start,
            ends_at: start + Duration::hours(3),
            seats,
            seat_prices: Rates {
                member: Money::from_cents(3000),
                business: Money::from_cents(4500),
                public: Money::from_cents(6000),
            },
            machine_ids: machines.to_vec(),
            note: String::new(),
        };
        let ctx = Context::from_settings(&self.settings, None);
        let mut conn = self.db.conn();
        training::create_session(&mut conn, &ctx, &By::System("test"), &new)
            .expect("session created")
    }
}
