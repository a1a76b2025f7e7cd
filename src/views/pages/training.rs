//! Manufacturing training for members: the public course catalog, a session's page (signing up,
//! and for staff or its tutor the participants, waiting list and attendance) and "My trainings".
use maud::{html, Markup};

use crate::views::components::{csrf_field, error_summary, notice, text_field};
use crate::views::layout::{self, Chrome};

/// What a seat costs, as the visitor sees it.
pub enum SeatPrice {
    /// The price of the signed-in visitor's price category.
    Yours(String),
    /// Not signed in: every category's price.
    All {
        member: String,
        business: String,
        public: String,
    },
}

/// Seats left, or the waiting list when there are none.
pub enum Seats {
    Left { left: i32, of: i32 },
    Full { waiting: i64 },
}

/// A session as the catalog and its page show it, every value in words and local time.
pub struct SessionSummary {
    pub id: i64,
    pub when: String,
    pub tutor: String,
    pub seats: Seats,
    pub price: SeatPrice,
    pub cancelled: bool,
}

/// A course with its upcoming sessions.
pub struct CatalogCourse {
    pub name: String,
    pub description: String,
    pub sessions: Vec<SessionSummary>,
}

pub fn catalog(chrome: &Chrome<'_>, courses: &[CatalogCourse]) -> Markup {
    layout::page(
        chrome,
        "Training",
        html! {
            h1 { "Training" }
            p.lead { "Courses at the workshop. Seat prices are VAT excluded. Attending a course grants the qualification that unlocks its machines." }
            @if chrome.user.is_some() {
                p { a href="/trainings" { "My trainings" } }
            }
            @if courses.is_empty() {
                p.muted { "No courses yet." }
            }
            @for course in courses {
                article.course {
                    h2 { (course.name) }
                    @if !course.description.is_empty() { p { (course.description) } }
                    @if course.sessions.is_empty() {
                        p.muted { "No sessions scheduled at the moment." }
                    } @else {
                        (sessions_table(&course.name, &course.sessions))
                    }
                }
            }
        },
    )
}

fn sessions_table(course: &str, sessions: &[SessionSummary]) -> Markup {
    html! {
        table.responsive {
            caption.skip { "Sessions of " (course) }
            thead {
                tr {
                    th scope="col" { "When" }
                    th scope="col" { "Tutor" }
                    th scope="col" { "Seats" }
                    th scope="col" { "Seat price" }
                }
            }
            tbody {
                @for session in sessions {
                    tr id={ "session-" (session.id) } {
                        th scope="row" data-label="When" {
                            a href={ "/training/sessions/" (session.id) } { (session.when) }
                        }
                        td data-label="Tutor" { (session.tutor) }
                        td data-label="Seats" { (seats_text(&session.seats)) }
                        td data-label="Seat price" { (price_text(&session.price)) }
                    }
                }
            }
        }
    }
}

fn seats_text(seats: &Seats) -> Markup {
    html! {
        @match seats {
            Seats::Left { left, of } => { (left) " of " (of) " seats left" }
            Seats::Full { waiting } => { "Full — join the waiting list (" (waiting) " waiting)" }
        }
    }
}

fn price_text(price: &SeatPrice) -> Markup {
    html! {
        @match price {
            SeatPrice::Yours(price) => { (price) }
            SeatPrice::All { member, business, public } => {
                "Member " (member) ", business " (business) ", public " (public)
            }
        }
    }
}

/// Someone the business admin may sign up, and whether they already are.
pub struct Person {
    pub id: i64,
    pub name: String,
    /// "has a seat", "waiting list, position 2"…: already signed up.
    pub enrolled: Option<String>,
}

/// What the session page offers for signing up.
pub enum SignUp<'a> {
    /// Nobody can sign up, and why.
    Closed(&'static str),
    /// A visitor: the sign-in link that comes back here.
    SignIn { login: String },
    /// The signed-in user for themself; `mine` says where they stand if already signed up.
    Own { mine: Option<String>, full: bool },
    /// A business admin for the business's people.
    Business { people: &'a [Person], full: bool },
}

/// A participant or someone waiting, as staff and the tutor see them.
pub struct Participant {
    pub enrollment_id: i64,
    pub name: String,
    /// "confirmed", "attended", "no-show" or, on the waiting list, the position.
    pub status: String,
    pub position: Option<i64>,
    /// Attendance can be marked now.
    pub markable: bool,
}

/// The part of the page for staff and the session's tutor.
pub struct Manage<'a> {
    pub participants: &'a [Participant],
    pub waiting: &'a [Participant],
    /// The session has started (attendance is marked from then on).
    pub started: bool,
    /// Staff, until the session has ended: change seats, cancel.
    pub staff: bool,
    pub seats: String,
}

pub struct SessionPage<'a> {
    pub course: &'a str,
    pub description: &'a str,
    pub summary: &'a SessionSummary,
    pub machines: &'a [String],
    pub note: &'a str,
    /// The course's rule for giving up a seat, in words.
    pub policy: String,
    pub sign_up: SignUp<'a>,
    pub manage: Option<Manage<'a>>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn session(chrome: &Chrome<'_>, data: &SessionPage<'_>) -> Markup {
    let summary = data.summary;
    let title = format!("{}, {}", data.course, summary.when);
    layout::page(
        chrome,
        &title,
        html! {
            p { a href="/training" { "← Training" } }
            h1 { (data.course) }
            (notice(data.notice))
            (error_summary(data.error))
            @if summary.cancelled {
                p.out-of-service { strong { "This session was cancelled by the workshop." } }
            }
            @if !data.description.is_empty() { p { (data.description) } }
            dl.facts {
                dt { "When" } dd { (summary.when) }
                dt { "Tutor" } dd { (summary.tutor) }
                dt { "Seats" } dd { (seats_text(&summary.seats)) }
                dt { "Seat price" } dd { (price_text(&summary.price)) " (VAT excluded)" }
                @if !data.machines.is_empty() {
                    dt { "Machines" } dd { (data.machines.join(", ")) }
                }
                dt { "Giving up a seat" } dd { (data.policy) }
            }
            @if !data.note.is_empty() { p { (data.note) } }
            (sign_up_section(chrome.csrf, summary.id, &data.sign_up))
            @if let Some(manage) = &data.manage {
                (participants_section(chrome.csrf, manage))
                @if manage.staff && !summary.cancelled {
                    (staff_section(chrome.csrf, summary.id, manage))
                }
            }
        },
    )
}

fn sign_up_button(full: bool) -> &'static str {
    if full {
        "Join the waiting list"
    } else {
        "Sign up"
    }
}

fn sign_up_section(csrf: &str, id: i64, sign_up: &SignUp<'_>) -> Markup {
    let action = format!("/training/sessions/{id}/signup");
    html! {
        section {
            h2 #sign-up { "Sign up" }
            @match sign_up {
                SignUp::Closed(reason) => p.muted { (reason) },
                SignUp::SignIn { login } => p { a.button href=(login) { "Sign in to sign up" } },
                SignUp::Own { mine: Some(mine), .. } => {
                    p { "You are signed up: " (mine) ". " a href="/trainings" { "My trainings" } }
                }
                SignUp::Own { mine: None, full } => {
                    @if *full {
                        p { "The session is full. On the waiting list you get the first seat that frees up, and are told by email." }
                    }
                    form.inline method="post" action=(action) {
                        (csrf_field(csrf))
                        button type="submit" { (sign_up_button(*full)) }
                    }
                }
                SignUp::Business { people, full } => {
                    @if people.is_empty() {
                        p.muted { "The business has no active people to sign up." }
                    } @else {
                        form.stack method="post" action=(action) {
                            (csrf_field(csrf))
                            fieldset {
                                legend { "Who to sign up" }
                                @for person in people.iter() {
                                    @let field = format!("f-person-{}", person.id);
                                    @match &person.enrolled {
                                        Some(status) => p { (person.name) " — " (status) },
                                        None => label.check for=(field) {
                                            input type="checkbox" id=(field) name="user_id" value=(person.id);
                                            (person.name)
                                        },
                                    }
                                }
                            }
                            @if *full {
                                p.muted { "The session is full: everyone ticked joins the waiting list, in this order." }
                            } @else {
                                p.muted { "Each person ticked takes a seat while seats are left; the others join the waiting list." }
                            }
                            button type="submit" { (sign_up_button(*full)) }
                        }
                    }
                }
            }
        }
    }
}

fn participants_section(csrf: &str, manage: &Manage<'_>) -> Markup {
    html! {
        section {
            h2 #participants { "Participants" }
            @if manage.participants.is_empty() {
                p.muted { "Nobody has a seat yet." }
            } @else {
                @if !manage.started {
                    p.muted { "Attendance can be marked once the session has started." }
                }
                table.responsive aria-labelledby="participants" {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Status" } th scope="col" { "Attendance" } } }
                    tbody {
                        @for person in manage.participants {
                            tr id={ "enrollment-" (person.enrollment_id) } {
                                th scope="row" data-label="Name" { (person.name) }
                                td data-label="Status" { (person.status) }
                                td data-label="Attendance" {
                                    @if person.markable { (attendance_form(csrf, person)) }
                                }
                            }
                        }
                    }
                }
            }
            h2 #waiting { "Waiting list" }
            @if manage.waiting.is_empty() {
                p.muted { "Nobody is waiting." }
            } @else {
                table.responsive aria-labelledby="waiting" {
                    thead { tr { th scope="col" class="num" { "Position" } th scope="col" { "Name" } } }
                    tbody {
                        @for person in manage.waiting {
                            tr id={ "enrollment-" (person.enrollment_id) } {
                                td.num data-label="Position" { (person.position.unwrap_or_default()) }
                                th scope="row" data-label="Name" { (person.name) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn attendance_form(csrf: &str, person: &Participant) -> Markup {
    let action = format!("/training/enrollments/{}/attendance", person.enrollment_id);
    html! {
        div.actions {
            form.inline method="post" action=(action) {
                (csrf_field(csrf))
                input type="hidden" name="attendance" value="attended";
                button type="submit" aria-label={ (person.name) " attended" } { "Attended" }
            }
            form.inline method="post" action=(action) {
                (csrf_field(csrf))
                input type="hidden" name="attendance" value="no_show";
                button.secondary type="submit" aria-label={ (person.name) " did not come" } { "No-show" }
            }
        }
    }
}

fn staff_section(csrf: &str, id: i64, manage: &Manage<'_>) -> Markup {
    html! {
        section {
            h2 { "Manage the session" }
            form.stack method="post" action={ "/training/sessions/" (id) "/seats" } {
                (csrf_field(csrf))
                (text_field("Seats", "seats", "number", &manage.seats, None))
                p.muted { "Added seats go to the first on the waiting list." }
                button type="submit" { "Change seats" }
            }
            form.stack method="post" action={ "/training/sessions/" (id) "/cancel" } {
                (csrf_field(csrf))
                label.check for="f-confirm" {
                    input type="checkbox" id="f-confirm" name="confirm" value="yes";
                    "Yes, cancel this session: everyone signed up or waiting is told by email and nobody is charged."
                }
                button.secondary type="submit" { "Cancel the session" }
            }
        }
    }
}

/// What giving up a place would mean, said on its button and beside it.
pub struct Leave {
    pub button: String,
    pub note: String,
}

/// An enrollment as "My trainings" lists it.
pub struct TrainingLine {
    pub enrollment_id: i64,
    pub session_id: i64,
    pub course: String,
    pub when: String,
    /// Whose seat, when a business admin sees the business's.
    pub who: String,
    pub status: String,
    pub price: String,
    pub leave: Option<Leave>,
}

pub struct MyTrainingsPage<'a> {
    pub upcoming: &'a [TrainingLine],
    pub past: &'a [TrainingLine],
    pub show_who: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn mine(chrome: &Chrome<'_>, data: &MyTrainingsPage<'_>) -> Markup {
    layout::page(
        chrome,
        "My trainings",
        html! {
            h1 { "My trainings" }
            (notice(data.notice))
            (error_summary(data.error))
            p { a href="/training" { "See the courses and sign up" } }
            section {
                h2 #upcoming { "Upcoming" }
                (trainings_table(chrome.csrf, data.upcoming, data.show_who, "upcoming"))
            }
            section {
                h2 #past { "Past and cancelled" }
                (trainings_table(chrome.csrf, data.past, data.show_who, "past"))
            }
        },
    )
}

fn trainings_table(csrf: &str, lines: &[TrainingLine], show_who: bool, heading: &str) -> Markup {
    html! {
        @if lines.is_empty() {
            p.muted { "No trainings." }
        } @else {
            table.responsive aria-labelledby=(heading) {
                thead {
                    tr {
                        th scope="col" { "Course" }
                        th scope="col" { "When" }
                        @if show_who { th scope="col" { "Who" } }
                        th scope="col" { "Status" }
                        th scope="col" class="num" { "Seat price" }
                        th scope="col" { span.skip { "Actions" } }
                    }
                }
                tbody {
                    @for line in lines {
                        tr id={ "enrollment-" (line.enrollment_id) } {
                            th scope="row" data-label="Course" {
                                a href={ "/training/sessions/" (line.session_id) } { (line.course) }
                            }
                            td data-label="When" { (line.when) }
                            @if show_who { td data-label="Who" { (line.who) } }
                            td data-label="Status" { (line.status) }
                            td.num data-label="Seat price" { (line.price) }
                            td {
                                @if let Some(leave) = &line.leave {
                                    form.inline method="post" action={ "/trainings/" (line.enrollment_id) "/leave" } {
                                        (csrf_field(csrf))
                                        button.secondary type="submit" aria-label={ (leave.button) ": " (line.course) ", " (line.when) } { (leave.button) }
                                    }
                                    p.muted { (leave.note) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
