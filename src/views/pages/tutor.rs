//! A tutor's own page: the sessions they teach (with seats taken, linking to where attendance is
//! marked) and every block of their time over the next weeks.
use maud::{html, Markup};

use crate::views::layout::{self, Chrome};

/// A session the tutor teaches.
pub struct TeachingLine {
    pub session_id: i64,
    pub course: String,
    pub when: String,
    pub seats: String,
    pub waiting: i64,
    /// Started: attendance can be marked on its page.
    pub started: bool,
}

/// One block of the tutor's time.
pub struct ScheduleLine {
    pub when: String,
    pub what: String,
    /// The session's page, for a session.
    pub link: Option<String>,
}

pub struct SchedulePage<'a> {
    pub tutor: &'a str,
    pub teaching: &'a [TeachingLine],
    pub schedule: &'a [ScheduleLine],
    pub weeks: i64,
    pub recent_days: i64,
}

pub fn page(chrome: &Chrome<'_>, data: &SchedulePage<'_>) -> Markup {
    layout::page(
        chrome,
        "My schedule",
        html! {
            h1 { "My schedule" }
            p.lead { (data.tutor) }
            section {
                h2 #teaching { "Sessions you teach" }
                p.muted { "From " (data.recent_days) " days ago to " (data.weeks) " weeks ahead. Open a session to see its participants and, once it has started, mark attendance." }
                @if data.teaching.is_empty() {
                    p.muted { "No sessions." }
                } @else {
                    table.responsive aria-labelledby="teaching" {
                        thead {
                            tr {
                                th scope="col" { "When" }
                                th scope="col" { "Course" }
                                th scope="col" { "Seats taken" }
                                th scope="col" class="num" { "Waiting" }
                            }
                        }
                        tbody {
                            @for line in data.teaching {
                                tr id={ "session-" (line.session_id) } {
                                    th scope="row" data-label="When" {
                                        a href={ "/training/sessions/" (line.session_id) } { (line.when) }
                                        @if line.started { " " span.muted { "(started: mark attendance)" } }
                                    }
                                    td data-label="Course" { (line.course) }
                                    td data-label="Seats taken" { (line.seats) }
                                    td.num data-label="Waiting" { (line.waiting) }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h2 #schedule { "Next " (data.weeks) " weeks" }
                @if data.schedule.is_empty() {
                    p.muted { "Nothing booked." }
                } @else {
                    table.responsive aria-labelledby="schedule" {
                        thead { tr { th scope="col" { "When" } th scope="col" { "What" } } }
                        tbody {
                            @for line in data.schedule {
                                tr {
                                    th scope="row" data-label="When" { (line.when) }
                                    td data-label="What" {
                                        @match &line.link {
                                            Some(link) => a href=(link) { (line.what) },
                                            None => (line.what),
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
