//! Staff: the courses with a form to add one, and the upcoming sessions (cancelled ones too) with a
//! form to schedule one in local wall-clock time.
use maud::{html, Markup};

use super::FormError;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// A course as listed, every value in words.
pub struct CourseLine {
    pub name: String,
    pub description: String,
    pub qualification: Option<String>,
    pub free_cancel_hours: i64,
    pub late_cancel_percent: i64,
    pub no_show_fee: String,
}

/// A session as listed.
pub struct SessionLine {
    pub id: i64,
    pub course: String,
    pub when: String,
    pub tutor: String,
    pub seats: String,
    pub cancelled: bool,
}

/// The new course form's values as typed.
#[derive(Debug, Default)]
pub struct CourseFields {
    pub name: String,
    pub description: String,
    pub qualification_id: String,
    pub free_cancel_hours: String,
    pub late_cancel_percent: String,
    pub no_show_fee: String,
}

/// The new session form's values as typed.
#[derive(Debug, Default)]
pub struct SessionFields {
    pub course_id: String,
    pub tutor_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub seats: String,
    pub seat_price_member: String,
    pub seat_price_business: String,
    pub seat_price_public: String,
    pub machine_ids: Vec<String>,
    pub note: String,
}

/// `(id, name)` pairs for the forms' choices.
pub struct Choices<'a> {
    pub courses: &'a [(String, String)],
    pub tutors: &'a [(String, String)],
    pub machines: &'a [(String, String)],
    pub qualifications: &'a [(String, String)],
}

pub struct TrainingPage<'a> {
    pub courses: &'a [CourseLine],
    pub sessions: &'a [SessionLine],
    pub choices: Choices<'a>,
    pub course: &'a CourseFields,
    pub session: &'a SessionFields,
    pub tz: &'a str,
    pub notice: Option<&'a str>,
    pub course_error: Option<&'a FormError>,
    pub session_error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &TrainingPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Courses and sessions",
        html! {
            h1 { "Courses and sessions" }
            (notice(data.notice))
            p { a href="/training" { "The public catalog" } }
            (sessions_section(chrome.csrf, data))
            (courses_section(chrome.csrf, data))
        },
    )
}

fn sessions_section(csrf: &str, data: &TrainingPage<'_>) -> Markup {
    html! {
        section {
            h2 #sessions { "Upcoming sessions" }
            @if data.sessions.is_empty() {
                p.muted { "No sessions scheduled." }
            } @else {
                table.responsive aria-labelledby="sessions" {
                    thead {
                        tr {
                            th scope="col" { "When" }
                            th scope="col" { "Course" }
                            th scope="col" { "Tutor" }
                            th scope="col" { "Seats" }
                            th scope="col" { "Status" }
                        }
                    }
                    tbody {
                        @for session in data.sessions {
                            tr id={ "session-" (session.id) } {
                                th scope="row" data-label="When" {
                                    a href={ "/training/sessions/" (session.id) } { (session.when) }
                                }
                                td data-label="Course" { (session.course) }
                                td data-label="Tutor" { (session.tutor) }
                                td data-label="Seats" { (session.seats) }
                                td data-label="Status" { @if session.cancelled { "cancelled" } @else { "scheduled" } }
                            }
                        }
                    }
                }
            }
            h3 #new-session { "Schedule a session" }
            (session_form(csrf, data))
        }
    }
}

fn session_form(csrf: &str, data: &TrainingPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.session_error, field);
    let fields = data.session;
    let courses = with_prompt("Choose a course", data.choices.courses);
    let tutors = with_prompt("Choose a tutor", data.choices.tutors);
    html! {
        (error_summary(data.session_error.map(|e| e.message.as_str())))
        @if data.choices.courses.is_empty() || data.choices.tutors.is_empty() {
            p.muted { "A session needs a course and a tutor who teaches it (tutors are set up over the API)." }
        }
        form.stack method="post" action="/staff/training/sessions" {
            (csrf_field(csrf))
            (select_field("Course", "course_id", &courses, &fields.course_id))
            (select_field("Tutor", "tutor_id", &tutors, &fields.tutor_id))
            (text_field("Date", "date", "date", &fields.date, on("date")))
            (text_field("Start (local time)", "start", "time", &fields.start, on("start")))
            (text_field("End (local time; 00:00 is midnight)", "end", "time", &fields.end, on("end")))
            (text_field("Seats", "seats", "number", &fields.seats, on("seats")))
            fieldset {
                legend { "Seat price, € without VAT" }
                (text_field("Member", "seat_price_member", "text", &fields.seat_price_member, on("seat_price_member")))
                (text_field("Business", "seat_price_business", "text", &fields.seat_price_business, on("seat_price_business")))
                (text_field("Public", "seat_price_public", "text", &fields.seat_price_public, on("seat_price_public")))
            }
            @if !data.choices.machines.is_empty() {
                fieldset {
                    legend { "Machines the session uses (optional)" }
                    @for (id, name) in data.choices.machines {
                        @let field = format!("f-machine-{id}");
                        label.check for=(field) {
                            input type="checkbox" id=(field) name="machine_ids" value=(id)
                                checked[fields.machine_ids.contains(id)];
                            (name)
                        }
                    }
                }
            }
            (text_field("Note for participants (optional)", "note", "text", &fields.note, None))
            button type="submit" { "Schedule the session" }
        }
        p.muted { "Times are local (" (data.tz) ")." }
    }
}

fn with_prompt<'a>(prompt: &'a str, options: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("", prompt))
        .chain(options.iter().map(|(v, l)| (v.as_str(), l.as_str())))
        .collect()
}

fn courses_section(csrf: &str, data: &TrainingPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.course_error, field);
    let fields = data.course;
    let qualifications = with_prompt("None", data.choices.qualifications);
    html! {
        section {
            h2 #courses { "Courses" }
            @if data.courses.is_empty() {
                p.muted { "No courses yet." }
            } @else {
                table.responsive aria-labelledby="courses" {
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Grants" }
                            th scope="col" { "Free to leave until" }
                            th scope="col" { "Later" }
                            th scope="col" { "No-show fee" }
                        }
                    }
                    tbody {
                        @for course in data.courses {
                            tr {
                                th scope="row" data-label="Name" {
                                    (course.name)
                                    @if !course.description.is_empty() { br; span.muted { (course.description) } }
                                }
                                td data-label="Grants" { (course.qualification.as_deref().unwrap_or("—")) }
                                td data-label="Free to leave until" { (course.free_cancel_hours) " h before" }
                                td data-label="Later" { (course.late_cancel_percent) " % of the seat" }
                                td.num data-label="No-show fee" { (course.no_show_fee) }
                            }
                        }
                    }
                }
            }
            h3 #new-course { "Add a course" }
            (error_summary(data.course_error.map(|e| e.message.as_str())))
            form.stack method="post" action="/staff/training/courses" {
                (csrf_field(csrf))
                (text_field("Name", "name", "text", &fields.name, on("name")))
                label for="f-description" {
                    "Description"
                    textarea id="f-description" name="description" rows="3" { (fields.description) }
                }
                (select_field("Attending grants the qualification", "qualification_id", &qualifications, &fields.qualification_id))
                (text_field("Free to leave until this many hours before (empty: 48)", "free_cancel_hours", "number", &fields.free_cancel_hours, on("free_cancel_hours")))
                (text_field("Later, this % of the seat is charged (empty: 50)", "late_cancel_percent", "number", &fields.late_cancel_percent, on("late_cancel_percent")))
                (text_field("No-show fee, € (empty: none)", "no_show_fee", "text", &fields.no_show_fee, on("no_show_fee")))
                button type="submit" { "Add the course" }
            }
        }
    }
}
