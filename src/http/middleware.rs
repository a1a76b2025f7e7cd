//! Cross-cutting response handling: security headers, request ids, and the error renderer.
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpMessage, HttpResponse};
use tracing_actix_web::RequestId;

use super::error::{Problem, PROBLEM_JSON};
use crate::views;

/// Headers on every response. The pages use no inline script or style, so the policy is strict.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
}

/// Echoes the request id that the request's log lines carry, so a report can be traced.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

/// Every 4xx/5xx leaves as a problem: JSON under `/api`, a page elsewhere. Errors that did not come
/// from `AppError` (routing's 405, for instance) get a problem made from their status.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/");
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let problem = res.response().extensions().get::<Problem>().cloned();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    if is_api && content_type == PROBLEM_JSON.as_bytes() {
        return Ok(res);
    }
    if !is_api && problem.is_none() && content_type.starts_with(b"text/html") {
        // A page a handler rendered on purpose, such as a form with its errors inline.
        return Ok(res);
    }
    if !is_api && problem.is_some() && status == StatusCode::UNAUTHORIZED {
        return Ok(redirect_to_login(res));
    }
    let problem = problem.unwrap_or_else(|| Problem::for_status(status));
    Ok(res.map_body(|head, _old| {
        let (body, content_type) = if is_api {
            let json = serde_json::to_string(&problem).unwrap_or_default();
            (BoxBody::new(json), PROBLEM_JSON)
        } else {
            let html = views::pages::error::page(&problem).into_string();
            (BoxBody::new(html), "text/html; charset=utf-8")
        };
        head.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        head.headers_mut().remove(header::CONTENT_LENGTH);
        body
    }))
}

/// A page that needs a signed-in user sends the visitor to the sign-in form, and back afterwards.
fn redirect_to_login(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let (req, _) = res.into_parts();
    let next = match req.query_string() {
        "" => req.path().to_string(),
        query => format!("{}?{}", req.path(), query),
    };
    let target = format!(
        "/login?next={}",
        crate::http::web::encode_query_value(&next)
    );
    let response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .finish();
    ServiceResponse::new(req, response)
}
