//! How malformed input in bodies, query strings and paths becomes a clear 4xx problem.
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{web, HttpRequest};

use super::AppError;

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(move |err, _req: &HttpRequest| form_error(err, limit).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = err else {
            return AppError::BadRequest("The query string could not be read.".into()).into();
        };
        AppError::BadRequest(format!("Invalid query string: {e}.")).into()
    })
}

/// A path segment that does not parse (say, a non-numeric id) names nothing that exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err: PathError, _req| AppError::NotFound.into())
}

fn json_error(err: JsonPayloadError, limit: usize) -> AppError {
    match err {
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType(
            "Send the body as JSON with the header Content-Type: application/json.".into(),
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge(limit)
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::Unprocessable(format!("The JSON body has the wrong shape: {e}."))
        }
        JsonPayloadError::Deserialize(e) => {
            AppError::BadRequest(format!("The body is not valid JSON: {e}."))
        }
        other => AppError::BadRequest(format!("The body could not be read: {other}.")),
    }
}

fn form_error(err: UrlencodedError, limit: usize) -> AppError {
    match err {
        UrlencodedError::ContentType => AppError::UnsupportedMediaType(
            "Send the form as application/x-www-form-urlencoded.".into(),
        ),
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge(limit),
        other => AppError::BadRequest(format!("The form could not be read: {other}.")),
    }
}
