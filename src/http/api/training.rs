//! `/api/v1/courses`, `/api/v1/training-sessions` and `/api/v1/enrollments`: staff manage
//! courses and sessions; anyone reads the catalog; members sign up (a business admin for several
//! employees), read their place in line and leave; staff or the tutor mark attendance.
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::training::{
    parse_seats, Attendance, Course, Enrollment, NewSession, RawCourse, RawSession, Session,
};
use crate::domain::{
    parse_rfc3339_with_offset, CourseId, EnrollmentId, ResourceId, SessionId, UserId,
};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::training::{self, Left, MyEnrollment, SessionQuery};

#[utoipa::path(
    operation_id = "list_courses",
    tag = "training",
    summary = "The course catalog",
    responses(
        (status = 200, description = "The courses", body = Items<Course>),
    )
)]
#[get("/courses")]
pub async fn list_courses(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let items = state.db(training::courses).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

fn parse_course(id: i64, raw: &RawCourse) -> Result<Course, AppError> {
    Course::parse(CourseId::new(id), raw).map_err(|e| AppError::Unprocessable(e.0))
}

#[utoipa::path(
    operation_id = "create_course",
    tag = "training",
    summary = "Adds a course (staff)",
    request_body = RawCourse,
    responses(
        (status = 201, description = "The new course", body = Course),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/courses")]
pub async fn create_course(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RawCourse>,
) -> Result<HttpResponse, AppError> {
    let course = parse_course(0, &body)?;
    let by = user.by();
    let course = state
        .db(move |c| training::create_course(c, &by, &course))
        .await?;
    Ok(created(&course))
}

#[utoipa::path(
    operation_id = "update_course",
    tag = "training",
    summary = "Replaces a course's settings (staff)",
    request_body = RawCourse,
    responses(
        (status = 200, description = "The course as saved", body = Course),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[put("/courses/{id}")]
pub async fn update_course(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<RawCourse>,
) -> Result<HttpResponse, AppError> {
    let course = parse_course(path.into_inner(), &body)?;
    let by = user.by();
    let course = state
        .db(move |c| training::update_course(c, &by, &course))
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    #[param(format = DateTime)]
    from: Option<String>,
    #[param(format = DateTime)]
    to: Option<String>,
    course_id: Option<i64>,
    tutor_id: Option<i64>,
    #[serde(default)]
    include_cancelled: bool,
}

/// The catalog: sessions that have not ended (or those in `[from, to)`), with seats left.
#[utoipa::path(
    operation_id = "list_sessions",
    tag = "training",
    params(SessionsQuery),
    responses(
        (status = 200, description = "Sessions, earliest first", body = Items<Session>),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/training-sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<SessionsQuery>,
) -> Result<HttpResponse, AppError> {
    let instant = |what: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                parse_rfc3339_with_offset(t)
                    .map_err(|e| AppError::Unprocessable(format!("{what}: {e}")))
            })
            .transpose()
    };
    let query = SessionQuery {
        from: instant("from", &query.from)?,
        to: instant("to", &query.to)?,
        course_id: query.course_id.map(CourseId::new),
        tutor_id: query.tutor_id.map(ResourceId::new),
        include_cancelled: query.include_cancelled,
    };
    let items = state.db(move |c| training::sessions(c, &query)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[utoipa::path(
    operation_id = "get_session",
    tag = "training",
    summary = "A session with its seats left",
    responses(
        (status = 200, description = "The session", body = Session),
    )
)]
#[get("/training-sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = SessionId::new(path.into_inner());
    let session = state.db(move |c| training::session(c, id)).await?;
    Ok(HttpResponse::Ok().json(session))
}

#[utoipa::path(
    operation_id = "create_session",
    tag = "training",
    summary = "Schedules a session of a course (staff); it blocks its tutor and machines",
    request_body = RawSession,
    responses(
        (status = 201, description = "The new session", body = Session),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/training-sessions")]
pub async fn create_session(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RawSession>,
) -> Result<HttpResponse, AppError> {
    let new = NewSession::parse(&body).map_err(|e| AppError::Unprocessable(e.0))?;
    let by = user.by();
    let session = state
        .with_context(move |c, ctx| training::create_session(c, ctx, &by, &new))
        .await?;
    Ok(created(&session))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SessionChange {
    seats: i64,
}

/// Changes a session's seats; added seats promote the waiting list.
#[utoipa::path(
    operation_id = "update_session",
    tag = "training",
    request_body = SessionChange,
    responses(
        (status = 200, description = "The session as saved", body = Session),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/training-sessions/{id}")]
pub async fn update_session(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<SessionChange>,
) -> Result<HttpResponse, AppError> {
    let seats = parse_seats(body.seats).map_err(|e| AppError::Unprocessable(e.0))?;
    let (by, id) = (user.by(), SessionId::new(path.into_inner()));
    let session = state
        .with_context(move |c, ctx| training::set_seats(c, ctx, &by, id, seats))
        .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Cancels a session for everyone (the workshop calls it off).
#[utoipa::path(
    operation_id = "cancel_session",
    tag = "training",
    responses(
        (status = 200, description = "The cancelled session", body = Session),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/training-sessions/{id}/cancel")]
pub async fn cancel_session(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), SessionId::new(path.into_inner()));
    let session = state
        .with_context(move |c, ctx| training::cancel_session(c, ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(session))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct SignUpBody {
    /// Who to sign up (default: the caller).
    user_id: Option<i64>,
    /// Several people at once (a business admin's employees); answered as `{items: [...]}`.
    user_ids: Option<Vec<i64>>,
}

/// Signs up: 201 with the enrollment (`status` confirmed or waitlisted, `position` in line). An
/// empty body signs up the caller.
#[utoipa::path(
    operation_id = "sign_up",
    tag = "training",
    request_body(content = SignUpBody, description = "Who to sign up; an empty body signs up the caller"),
    responses(
        (status = 201, description = "The enrollment; with `user_ids`, `{items: [...]}`", body = openapi::SignedUp),
        (status = 403, response = openapi::Forbidden),
        (status = 404, response = openapi::NotFound),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/training-sessions/{id}/enrollments")]
pub async fn sign_up(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: SignUpBody = if body.iter().all(u8::is_ascii_whitespace) {
        SignUpBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            if e.is_data() {
                AppError::Unprocessable(format!("The JSON body has the wrong shape: {e}."))
            } else {
                AppError::BadRequest(format!("The body is not valid JSON: {e}."))
            }
        })?
    };
    let session = SessionId::new(path.into_inner());
    let by = user.by();
    match (body.user_id, body.user_ids) {
        (Some(_), Some(_)) => Err(AppError::Unprocessable(
            "Send either user_id or user_ids, not both.".into(),
        )),
        (_, Some(many)) => {
            let people: Vec<UserId> = many.into_iter().map(UserId::new).collect();
            let items = state
                .with_context(move |c, ctx| training::sign_up(c, ctx, &by, session, &people))
                .await?;
            Ok(created(&Items { items }))
        }
        (one, None) => {
            let person = one.map_or(user.user.id, UserId::new);
            let mut items = state
                .with_context(move |c, ctx| training::sign_up(c, ctx, &by, session, &[person]))
                .await?;
            let enrollment = items.pop().ok_or(AppError::NotFound)?;
            Ok(created(&enrollment))
        }
    }
}

/// Participants and waiting list: staff and the session's tutor.
#[utoipa::path(
    operation_id = "list_participants",
    tag = "training",
    responses(
        (status = 200, description = "Enrollments, confirmed and waiting", body = Items<Enrollment>),
    )
)]
#[get("/training-sessions/{id}/enrollments")]
pub async fn participants(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), SessionId::new(path.into_inner()));
    let items = state
        .db(move |c| training::participants(c, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// The caller's enrollments (a business admin's: the business's), newest session first.
#[utoipa::path(
    operation_id = "my_enrollments",
    tag = "training",
    responses(
        (status = 200, description = "Enrollments with their sessions", body = Items<MyEnrollment>),
    )
)]
#[get("/enrollments")]
pub async fn my_enrollments(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let by = user.by();
    let items = state.db(move |c| training::my_enrollments(c, &by)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[utoipa::path(
    operation_id = "get_enrollment",
    tag = "training",
    summary = "An enrollment: status and place on the waiting list",
    responses(
        (status = 200, description = "The enrollment", body = Enrollment),
    )
)]
#[get("/enrollments/{id}")]
pub async fn get_enrollment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), EnrollmentId::new(path.into_inner()));
    let enrollment = state.db(move |c| training::enrollment(c, &by, id)).await?;
    Ok(HttpResponse::Ok().json(enrollment))
}

/// Gives up a seat (promoting the first in line) or leaves the waiting list.
#[utoipa::path(
    operation_id = "leave_session",
    tag = "training",
    responses(
        (status = 200, description = "The cancelled enrollment, its fee, and who got the seat", body = Left),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[delete("/enrollments/{id}")]
pub async fn leave(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), EnrollmentId::new(path.into_inner()));
    let left = state
        .with_context(move |c, ctx| training::leave(c, ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(left))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendanceBody {
    attendance: Attendance,
}

/// Marks attended or no-show: staff and the session's tutor.
#[utoipa::path(
    operation_id = "mark_attendance",
    tag = "training",
    request_body = AttendanceBody,
    responses(
        (status = 200, description = "The enrollment as marked", body = Enrollment),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/enrollments/{id}/attendance")]
pub async fn mark_attendance(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
    body: web::Json<AttendanceBody>,
) -> Result<HttpResponse, AppError> {
    let (by, id, attendance) = (
        user.by(),
        EnrollmentId::new(path.into_inner()),
        body.attendance,
    );
    let enrollment = state
        .with_context(move |c, ctx| training::mark_attendance(c, ctx, &by, id, attendance))
        .await?;
    Ok(HttpResponse::Ok().json(enrollment))
}
