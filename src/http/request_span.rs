//! The root span of every request, as `tracing-actix-web` makes it, except that the path of a
//! route with a `{secret}` segment (a password reset link) is recorded as the route's pattern:
//! the secret stays out of the logs.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{root_span, DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

pub struct SecretSafeRootSpan;

impl RootSpanBuilder for SecretSafeRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let Some(pattern) = request.match_pattern().filter(|p| p.contains("{secret}")) else {
            return root_span!(level = tracing::Level::INFO, request);
        };
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %pattern,
            http.target = %pattern,
            http.status_code = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = %request_id,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
