//! Staff: training courses (list, add) and sessions (the upcoming ones, cancelled too, and
//! scheduling one in local wall-clock time with its tutor, seats, seat prices and machines). The
//! service's refusals — a tutor who does not teach the course or is busy (409) — are shown on the
//! form and nothing is created.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{sentence, Flash};
use crate::db::DbConn;
use crate::domain::resources::ResourceKind;
use crate::domain::training::{Course, NewSession, RawCourse, RawSession};
use crate::domain::{CourseId, InvalidField, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::bookings::euros;
use crate::http::web::training::Pairs;
use crate::http::web::wall_clock::{end_instant, instant, parse_date, parse_time};
use crate::http::web::{chrome, form_refusal, html, see_other};
use crate::http::{AppError, AppState};
use crate::services::bookings::when;
use crate::services::training::{self, SessionQuery};
use crate::services::{now, resources, ServiceError};
use crate::views::pages::staff::training::{
    self as view, Choices, CourseFields, CourseLine, SessionFields, SessionLine, TrainingPage,
};
use crate::views::pages::staff::FormError;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "course" => Some("The course was added."),
        "session" => Some("The session was scheduled; it is in the catalog now."),
        _ => None,
    }
}

fn number(field: &'static str, text: &str) -> Result<Option<i64>, FormError> {
    match text.trim() {
        "" => Ok(None),
        typed => typed
            .parse()
            .map(Some)
            .map_err(|_| FormError::on(field, format!("'{typed}' is not a whole number."))),
    }
}

#[derive(Deserialize)]
pub struct CourseForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    qualification_id: String,
    #[serde(default)]
    free_cancel_hours: String,
    #[serde(default)]
    late_cancel_percent: String,
    #[serde(default)]
    no_show_fee: String,
}

/// The course parser's message as a sentence, on the field it is about.
fn course_field_of(error: &InvalidField) -> FormError {
    let message = &error.0;
    if message.starts_with("the course needs a name") {
        FormError::on("name", sentence(message))
    } else if message.starts_with("free_cancel_hours") {
        FormError::on(
            "free_cancel_hours",
            "Free leaving ends 0 to 8760 hours before the session.",
        )
    } else if message.starts_with("late_cancel_percent") {
        FormError::on(
            "late_cancel_percent",
            "A late leaver pays 0 to 100 % of the seat.",
        )
    } else if message.starts_with("the no-show fee") {
        FormError::on("no_show_fee", sentence(message))
    } else {
        FormError::general(sentence(message))
    }
}

impl CourseForm {
    fn parse(&self) -> Result<Course, FormError> {
        let raw = RawCourse {
            name: self.name.clone(),
            description: self.description.clone(),
            qualification_id: number("qualification_id", &self.qualification_id)?,
            free_cancel_hours: number("free_cancel_hours", &self.free_cancel_hours)?,
            late_cancel_percent: number("late_cancel_percent", &self.late_cancel_percent)?,
            no_show_fee: Some(self.no_show_fee.trim().to_string()).filter(|t| !t.is_empty()),
        };
        Course::parse(CourseId::new(0), &raw).map_err(|e| course_field_of(&e))
    }

    fn fields(&self) -> CourseFields {
        CourseFields {
            name: self.name.clone(),
            description: self.description.clone(),
            qualification_id: self.qualification_id.clone(),
            free_cancel_hours: self.free_cancel_hours.clone(),
            late_cancel_percent: self.late_cancel_percent.clone(),
            no_show_fee: self.no_show_fee.clone(),
        }
    }
}

/// The schedule form as typed (read from the form's pairs: the machines are repeated checkboxes).
fn session_fields(form: &Pairs) -> SessionFields {
    SessionFields {
        course_id: form.one("course_id"),
        tutor_id: form.one("tutor_id"),
        date: form.one("date"),
        start: form.one("start"),
        end: form.one("end"),
        seats: form.one("seats"),
        seat_price_member: form.one("seat_price_member"),
        seat_price_business: form.one("seat_price_business"),
        seat_price_public: form.one("seat_price_public"),
        machine_ids: form
            .all("machine_ids")
            .into_iter()
            .map(str::to_string)
            .collect(),
        note: form.one("note"),
    }
}

/// The session parser's message as a sentence, on the field it is about.
fn session_field_of(error: &InvalidField) -> FormError {
    const FIELDS: [(&str, &str); 6] = [
        ("the session must end", "end"),
        ("a session lasts", "end"),
        ("a session has", "seats"),
        ("the member seat price", "seat_price_member"),
        ("the business seat price", "seat_price_business"),
        ("the public seat price", "seat_price_public"),
    ];
    let message = sentence(&error.0);
    match FIELDS.iter().find(|(start, _)| error.0.starts_with(start)) {
        Some((_, field)) => FormError::on(field, message),
        None => FormError::general(message),
    }
}

fn chosen(field: &'static str, text: &str, prompt: &str) -> Result<i64, FormError> {
    text.trim()
        .parse()
        .map_err(|_| FormError::on(field, prompt.to_string()))
}

/// The session the fields describe, through the one parser for sessions.
fn parse_session(fields: &SessionFields, tz: WorkshopTz) -> Result<NewSession, FormError> {
    let on = |field: &'static str| move |message: String| FormError::on(field, message);
    let course_id = chosen("course_id", &fields.course_id, "Choose a course.")?;
    let tutor_id = chosen("tutor_id", &fields.tutor_id, "Choose a tutor.")?;
    let date = parse_date(&fields.date, "The date").map_err(on("date"))?;
    let start = parse_time(&fields.start, "The start").map_err(on("start"))?;
    let end = parse_time(&fields.end, "The end").map_err(on("end"))?;
    let starts_at: DateTime<Utc> = instant(tz, date, start).map_err(on("start"))?;
    let ends_at = end_instant(tz, date, start, end).map_err(on("end"))?;
    let seats = fields.seats.trim();
    let seats = seats.parse().map_err(|_| {
        FormError::on(
            "seats",
            format!("'{seats}' is not a whole number of seats."),
        )
    })?;
    let machine_ids = fields
        .machine_ids
        .iter()
        .map(|m| chosen("machine_ids", m, "Choose machines from the list."))
        .collect::<Result<Vec<i64>, FormError>>()?;
    let raw = RawSession {
        course_id,
        tutor_id,
        starts_at: starts_at.to_rfc3339(),
        ends_at: ends_at.to_rfc3339(),
        seats,
        seat_price_member: fields.seat_price_member.clone(),
        seat_price_business: fields.seat_price_business.clone(),
        seat_price_public: fields.seat_price_public.clone(),
        machine_ids,
        note: fields.note.clone(),
    };
    NewSession::parse(&raw).map_err(|e| session_field_of(&e))
}

/// Everything the page lists and offers.
struct Loaded {
    courses: Vec<CourseLine>,
    sessions: Vec<SessionLine>,
    course_choices: Vec<(String, String)>,
    tutors: Vec<(String, String)>,
    machines: Vec<(String, String)>,
    qualifications: Vec<(String, String)>,
}

fn load(c: &mut DbConn, tz: WorkshopTz) -> Result<Loaded, ServiceError> {
    let courses = training::courses(c)?;
    let qualifications: Vec<(String, String)> = resources::qualifications(c)?
        .into_iter()
        .map(|q| (q.id.to_string(), q.name))
        .collect();
    let all = resources::resources(c)?;
    let of_kind = |kind: ResourceKind| -> Vec<(String, String)> {
        all.iter()
            .filter(|r| r.kind == kind)
            .map(|r| (r.id.to_string(), r.name.clone()))
            .collect()
    };
    let query = SessionQuery {
        include_cancelled: true,
        ..SessionQuery::default()
    };
    let sessions = training::sessions(c, &query)?
        .into_iter()
        .map(|s| SessionLine {
            id: s.id.get(),
            course: s.course_name.clone(),
            when: when(tz, s.starts_at, s.ends_at),
            tutor: s.tutor_name.clone(),
            seats: format!(
                "{} of {} taken, {} waiting",
                s.seats_taken, s.seats, s.waiting
            ),
            cancelled: s.status == crate::domain::training::SessionStatus::Cancelled,
        })
        .collect();
    Ok(Loaded {
        course_choices: courses
            .iter()
            .filter(|k| k.active)
            .map(|k| (k.id.to_string(), k.name.clone()))
            .collect(),
        courses: courses
            .iter()
            .map(|k| CourseLine {
                name: k.name.clone(),
                description: k.description.clone(),
                qualification: k.qualification_id.and_then(|id| {
                    qualifications
                        .iter()
                        .find(|(q, _)| *q == id.to_string())
                        .map(|(_, name)| name.clone())
                }),
                free_cancel_hours: k.free_cancel_hours,
                late_cancel_percent: k.late_cancel_percent,
                no_show_fee: euros(k.no_show_fee),
            })
            .collect(),
        sessions,
        tutors: of_kind(ResourceKind::Tutor),
        machines: of_kind(ResourceKind::Machine),
        qualifications,
    })
}

/// The page as shown: empty forms, or one as typed with its problem.
#[derive(Default)]
struct Shown<'a> {
    course: Option<CourseFields>,
    session: Option<SessionFields>,
    notice: Option<&'a str>,
    course_error: Option<&'a FormError>,
    session_error: Option<&'a FormError>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let tz = state.tz;
    let loaded = state.db(move |c| load(c, tz)).await?;
    let course = shown.course.unwrap_or_default();
    let session = shown.session.unwrap_or_else(|| SessionFields {
        date: tz.local_date(now() + Duration::days(1)).to_string(),
        seats: "8".into(),
        ..SessionFields::default()
    });
    let data = TrainingPage {
        courses: &loaded.courses,
        sessions: &loaded.sessions,
        choices: Choices {
            courses: &loaded.course_choices,
            tutors: &loaded.tutors,
            machines: &loaded.machines,
            qualifications: &loaded.qualifications,
        },
        course: &course,
        session: &session,
        tz: tz.name(),
        notice: shown.notice,
        course_error: shown.course_error,
        session_error: shown.session_error,
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: notice_for(flash.done.as_deref()),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, StatusCode::OK).await
}

pub async fn add_course(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<CourseForm>,
) -> Result<HttpResponse, AppError> {
    let (status, error) = match form.parse() {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(course) => {
            let by = user.by();
            match state
                .db(move |c| training::create_course(c, &by, &course))
                .await
            {
                Ok(_) => return Ok(see_other("/staff/training?done=course")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        course: Some(form.fields()),
        course_error: Some(&error),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, status).await
}

pub async fn add_session(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let fields = session_fields(&Pairs(form));
    let (status, error) = match parse_session(&fields, state.tz) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(new) => {
            let by = user.by();
            match state
                .with_context(move |c, ctx| training::create_session(c, ctx, &by, &new))
                .await
            {
                Ok(_) => return Ok(see_other("/staff/training?done=session")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = Shown {
        session: Some(fields),
        session_error: Some(&error),
        ..Shown::default()
    };
    render(&state, &user, &csrf, shown, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> SessionFields {
        SessionFields {
            course_id: "1".into(),
            tutor_id: "2".into(),
            date: "2027-03-01".into(),
            start: "10:00".into(),
            end: "13:00".into(),
            seats: "8".into(),
            seat_price_member: "30".into(),
            seat_price_business: "45".into(),
            seat_price_public: "60".into(),
            machine_ids: vec!["5".into(), "3".into()],
            note: String::new(),
        }
    }

    #[test]
    fn the_schedule_form_reads_local_time_and_names_the_wrong_field() {
        let tz = WorkshopTz::DEFAULT;
        let new = parse_session(&fields(), tz).expect("valid");
        assert_eq!((new.ends_at - new.starts_at).num_hours(), 3);
        assert_eq!(new.machine_ids.len(), 2);
        let field = |f: SessionFields| parse_session(&f, tz).err().and_then(|e| e.field);
        assert_eq!(
            field(SessionFields {
                end: "09:00".into(),
                ..fields()
            }),
            Some("end")
        );
        assert_eq!(
            field(SessionFields {
                seats: "0".into(),
                ..fields()
            }),
            Some("seats")
        );
        assert_eq!(
            field(SessionFields {
                seats: "x".into(),
                ..fields()
            }),
            Some("seats")
        );
        assert_eq!(
            field(SessionFields {
                tutor_id: String::new(),
                ..fields()
            }),
            Some("tutor_id")
        );
        assert_eq!(
            field(SessionFields {
                seat_price_public: "-1".into(),
                ..fields()
            }),
            Some("seat_price_public")
        );
        assert_eq!(
            field(SessionFields {
                start: "02:30".into(),
                date: "2027-03-28".into(),
                ..fields()
            }),
            Some("start")
        );
    }

    #[test]
    fn the_course_form_names_the_wrong_field() {
        let form = |late: &str, name: &str| CourseForm {
            name: name.into(),
            description: String::new(),
            qualification_id: String::new(),
            free_cancel_hours: String::new(),
            late_cancel_percent: late.into(),
            no_show_fee: String::new(),
        };
        let course = form("", "Lathe basics").parse().expect("valid");
        assert_eq!(
            (course.free_cancel_hours, course.late_cancel_percent),
            (48, 50)
        );
        assert_eq!(
            form("101", "Lathe").parse().err().and_then(|e| e.field),
            Some("late_cancel_percent")
        );
        assert_eq!(
            form("", " ").parse().err().and_then(|e| e.field),
            Some("name")
        );
    }
}
