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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::{test, web, App, HttpResponse};
    use tracing_actix_web::TracingLogger;

    use super::SecretSafeRootSpan;

    /// Everything the subscriber writes, to read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn logged_line() -> HttpResponse {
        tracing::warn!("inside the request");
        HttpResponse::Ok().finish()
    }

    #[actix_web::test]
    async fn a_secret_in_the_path_is_logged_as_the_route_pattern() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<SecretSafeRootSpan>::new())
                .route("/password-reset/{secret}", web::get().to(logged_line))
                .route("/account/{id}", web::get().to(logged_line)),
        )
        .await;
        for uri in ["/password-reset/obp_0123456789abcdef", "/account/42"] {
            let response = test::call_service(&app, test::TestRequest::get().uri(uri).to_request());
            assert!(response.await.status().is_success());
        }

        let logs = String::from_utf8(captured.0.lock().expect("not poisoned").clone())
            .expect("utf-8 logs");
        assert!(!logs.contains("obp_0123456789abcdef"), "{logs}");
        assert!(
            logs.contains("http.target=/password-reset/{secret}"),
            "{logs}"
        );
        assert!(
            logs.contains("http.target=/account/42"),
            "other paths as they are: {logs}"
        );
    }
}
