//! The one error type of the HTTP edge. Every failure becomes an RFC 9457 problem; the
//! `render_errors` middleware shows it as `application/problem+json` under `/api` and as a page
//! elsewhere, so handlers never choose a format.
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;
use crate::services::ServiceError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Nothing was found at this address.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("The request body is larger than the {0} bytes accepted.")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("Too many attempts; try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side; it has been logged.")]
    Internal(#[source] anyhow::Error),
}

/// An RFC 9457 problem document. Also stored in the response's extensions so the error
/// middleware can re-render it as a page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
        }
    }

    /// The problem for a status that no handler described (405 from routing, for instance).
    pub fn for_status(status: StatusCode) -> Problem {
        let detail = match status {
            StatusCode::METHOD_NOT_ALLOWED => "This address does not accept that method.",
            StatusCode::NOT_FOUND => "Nothing was found at this address.",
            s if s.is_server_error() => "Something went wrong on our side; it has been logged.",
            _ => "The request could not be processed.",
        };
        Problem::new(status, detail)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn to_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status())
            .content_type(PROBLEM_JSON)
            .json(self);
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(source) = self {
            tracing::error!(error = ?source, "request failed");
        }
        let mut response = Problem::new(self.status_code(), self.to_string()).to_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> AppError {
        match err {
            DbError::NotFound => AppError::NotFound,
            DbError::Text(_) => {
                AppError::Unprocessable("Text must not contain NUL (zero) characters.".into())
            }
            DbError::Pool(e) => {
                AppError::Unavailable(format!("The database is not answering: {e}"))
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> AppError {
        match err {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Invalid(m) => AppError::Unprocessable(m),
            ServiceError::Forbidden(m) => AppError::Forbidden(m),
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::Unauthenticated(m) => AppError::Unauthorized(m),
            ServiceError::Throttled { retry_after_secs } => {
                AppError::TooManyRequests { retry_after_secs }
            }
            ServiceError::Mail(e) => AppError::Internal(e.into()),
            ServiceError::Document(e) => AppError::Internal(e.into()),
            ServiceError::Db(e) => e.into(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> AppError {
        DbError::from(err).into()
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}
