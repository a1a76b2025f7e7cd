//! Cross-site request forgery defence for the web UI: every visitor gets a signed random token
//! in a SameSite=Strict cookie, every form repeats it in a hidden field, and every state-changing
//! request must carry both, matching. Requests a browser marks as cross-site are refused outright.
use std::future::Future;
use std::pin::Pin;

use actix_web::body::BoxBody;
use actix_web::cookie::SameSite;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use rand::RngCore;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::{cookies, AppError, AppState};

/// This visitor's token, to put in forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Gives every web request a token (from its cookie, or a new one set on the response) and refuses
/// cross-site state changes. The API is exempt: it authenticates with bearer tokens, not cookies.
pub async fn protect(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().starts_with("/api/") {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    if is_unsafe(req.method()) && is_cross_site(&req) {
        let refusal =
            AppError::Forbidden("This form was sent from another site and was refused.".into());
        let response = refusal.error_response();
        return Ok(req.into_response(response));
    }
    let existing = cookies::read_signed(req.request(), &state.cookie_key, cookies::CSRF);
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.call(req).await?;
    if fresh {
        let cookie = cookies::signed(&state, cookies::CSRF, token, SameSite::Strict);
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); a mismatch is an attack.
fn is_cross_site(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return true;
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return false;
    };
    let origin = origin.to_str().unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin == "null" || origin_host.as_bytes() != host.as_bytes()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = std::future::Ready<Result<CsrfToken, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions().get::<CsrfToken>().cloned().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("CSRF middleware not installed"))
            }),
        )
    }
}

/// A url-encoded form whose `csrf_token` field matched the visitor's token; `T` gets the rest.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CsrfForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let expected = req.extensions().get::<CsrfToken>().cloned();
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(0, |state| state.settings.max_body_bytes);
        let is_form = req
            .content_type()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded");
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_form {
                return Err(AppError::UnsupportedMediaType(
                    "Send the form as application/x-www-form-urlencoded.".into(),
                ));
            }
            let body = body.await.map_err(|e| {
                let status = e.as_response_error().status_code();
                if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge(limit)
                } else {
                    AppError::BadRequest("The form could not be read.".into())
                }
            })?;
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            let sent = fields
                .iter()
                .find(|(k, _)| k == crate::views::CSRF_FIELD)
                .map(|(_, v)| v.as_bytes());
            let valid = match (expected, sent) {
                (Some(expected), Some(sent)) => bool::from(expected.0.as_bytes().ct_eq(sent)),
                _ => false,
            };
            if !valid {
                return Err(AppError::Forbidden(
                    "This form has expired or did not come from this site. Reload the page and try again."
                        .into(),
                ));
            }
            serde_urlencoded::from_bytes(&body)
                .map(CsrfForm)
                .map_err(|e| AppError::BadRequest(format!("The form is missing a field: {e}.")))
        })
    }
}
