//! The `application/problem+json` answers: one reusable response per status, a `ToResponse`
//! type per answer for the handlers' attributes, and the answers every operation of a kind can
//! give, added to each operation so that no attribute has to repeat them.
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Components, ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

use crate::http::error::PROBLEM_JSON;
use crate::http::Problem;

/// Puts every problem answer into the components, where the operations' `$ref`s point.
pub(super) fn register(components: &mut Components) {
    for answer in PROBLEMS {
        let response = RefOr::T(answer.response());
        components.responses.insert(answer.name.into(), response);
    }
}

/// Adds what an operation of its kind can answer: 401 where a token is read, 404 for a path that
/// names an object, 400/422 for a query string (unreadable, or values refused: text PostgreSQL
/// cannot hold, say), and 400/413/415/422 for a JSON body.
pub(super) fn add_common_problems(op: &mut Operation) {
    // `security: [{}]` alone: no token is read, so none can be refused.
    let anonymous = op.security.as_ref().is_some_and(|s| {
        s.iter()
            .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    });
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    let mut wanted = Vec::new();
    if !anonymous {
        wanted.push(401);
    }
    if in_path {
        wanted.push(404);
    }
    if in_query {
        wanted.extend([400, 422]);
    }
    if json_body {
        wanted.extend([400, 413, 415, 422]);
    }
    for status in wanted {
        let Some(problem) = PROBLEMS.iter().find(|p| p.status == status) else {
            continue;
        };
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(problem.name)));
    }
}

/// One problem+json answer, by status.
struct ProblemAnswer {
    status: u16,
    name: &'static str,
    description: &'static str,
}

impl ProblemAnswer {
    fn response(&self) -> Response {
        ResponseBuilder::new()
            .description(self.description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(Problem::name())))
                    .build(),
            )
            .build()
    }
}

/// Defines the problem answers and a `ToResponse` type per answer for the handlers' attributes.
macro_rules! problems {
    ($($name:ident => $status:literal, $description:literal;)+) => {
        const PROBLEMS: &[ProblemAnswer] = &[
            $(ProblemAnswer { status: $status, name: stringify!($name), description: $description },)+
        ];
        $(
            #[doc = $description]
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    let answer = ProblemAnswer { status: $status, name: stringify!($name), description: $description };
                    (stringify!($name), RefOr::T(answer.response()))
                }
            }
        )+
    };
}

problems! {
    BadRequest => 400, "The request could not be read (malformed JSON or query string).";
    Unauthorized => 401, "No valid API token: it is missing, unknown, expired or revoked.";
    Forbidden => 403, "The caller may not do this (not staff, not qualified, or a rule forbids it).";
    NotFound => 404, "Nothing was found, or it belongs to someone else.";
    Conflict => 409, "The request conflicts with the current state (time taken, already done).";
    PayloadTooLarge => 413, "The body is larger than the service accepts.";
    UnsupportedMediaType => 415, "The body is not sent as application/json.";
    Unprocessable => 422, "The request is well formed but its values are invalid; `detail` says which.";
    TooManyRequests => 429, "Too many attempts; retry after the seconds in Retry-After.";
}
