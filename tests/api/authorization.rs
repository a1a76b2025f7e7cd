//! The authorization matrix (issue 9): every route of the JSON API called by every kind of
//! caller, against someone else's object wherever the path names one, each answer checked
//! against the policy written out below; the screens that show one object, for a browser signed
//! in as the owner, another member, a business admin and staff; what lists let each caller see;
//! and a check that the table has a row for every route of the OpenAPI document (which is built
//! from the same list that registers the routes) and none for a route the API lacks.
use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::billing::json_of;
use crate::helpers::{spawn_app_with, AccessFixture, Caller, TestApp};

/// What one caller must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exactly this status.
    Is(u16),
    /// Past authorization: any answer but 401, 403, 404 or a server error (a harmless body may
    /// well be refused with 409 or 422).
    Passes,
}

/// Not signed in (the API), or sent to sign in (a screen).
const U: Expect = Expect::Is(401);
/// Signed in but not allowed this kind of call.
const F: Expect = Expect::Is(403);
/// Someone else's object: as if it did not exist.
const N: Expect = Expect::Is(404);
/// Allowed, and a read answers the object.
const OK: Expect = Expect::Is(200);
/// Allowed: the call gets past every check of who may make it.
const Y: Expect = Expect::Passes;
/// A screen sends a visitor to sign in.
const IN: Expect = Expect::Is(303);

impl Expect {
    fn admits(self, status: u16) -> bool {
        match self {
            Expect::Is(wanted) => status == wanted,
            Expect::Passes => !matches!(status, 401 | 403 | 404) && status < 500,
        }
    }
}

/// One route of the API: method, path under `/api/v1` (with placeholders the fixture fills),
/// the JSON body sent (if any), and what each caller of `Caller::ALL` must get.
struct Row {
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    cells: [Expect; 8],
    /// Puts the fixture back before each call, for a success that can happen only once.
    before_each: Option<fn(&AccessFixture, &TestApp)>,
}

const fn r(
    method: &'static str,
    path: &'static str,
    body: &'static str,
    cells: [Expect; 8],
) -> Row {
    let body = if body.is_empty() { None } else { Some(body) };
    Row {
        method,
        path,
        body,
        cells,
        before_each: None,
    }
}

const fn rearmed(row: Row, before_each: fn(&AccessFixture, &TestApp)) -> Row {
    Row {
        before_each: Some(before_each),
        ..row
    }
}

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";
const DELETE: &str = "DELETE";

// Bodies. Where a success would change what later cells see, the body is one the handler can
// read but the service refuses (an empty name, an end before the start), or changes nothing.
const NONE: &str = "";
const EMPTY: &str = "{}";
const CUSTOMER_BAD: &str = r#"{"kind": "nonsense", "legal_name": "X", "price_category": "member"}"#;
const HIRE: &str = r#"{
    "email": "hired@example.org", "name": "Hired Hand", "role": "member",
    "business_id": {business}
}"#;
const HIRE_ELSEWHERE: &str = r#"{
    "email": "stray@example.org", "name": "Stray Hand", "role": "member",
    "business_id": {customer}
}"#;
const TOKEN: &str = r#"{"name": "matrix"}"#;
const RESET: &str = r#"{"email": "nobody@example.org"}"#;
const MACHINE_BAD: &str =
    r#"{"name": "", "rate_member": "x", "rate_business": "x", "rate_public": "x"}"#;
const MAINTENANCE_BAD: &str = r#"{"starts_at": "{end}", "ends_at": "{start}", "reason": "matrix"}"#;
const PLAN_BAD: &str = r#"{"name": "", "monthly_fee": "x"}"#;
const SUBSCRIBE_BAD: &str =
    r#"{"customer_id": {customer}, "plan_id": {plan}, "first_month": "never"}"#;
const END_LATER: &str = r#"{"last_month": "{next_month}"}"#;
const NAMELESS: &str = r#"{"name": ""}"#;
const GRANT: &str = r#"{"qualification_id": {qualification}}"#;
const SAME_HOURS: &str = "{opening_hours}";
const CLOSURE_BAD: &str =
    r#"{"first_day": "2030-01-02", "last_day": "2030-01-01", "reason": "matrix"}"#;
const BOOK_ON_OWNER: &str = r#"{
    "resource_id": {machine}, "starts_at": "{start}", "ends_at": "{end}",
    "customer_id": {customer}
}"#;
const BOOK_AS_OWNER: &str =
    r#"{"resource_id": {machine}, "starts_at": "{start}", "ends_at": "{end}", "user_id": {owner}}"#;
const SAME_TIME: &str = r#"{"starts_at": "{start}", "ends_at": "{end}"}"#;
const TUTOR_BAD: &str = r#"{
    "user_id": {owner}, "name": "", "rate_member": "x", "rate_business": "x",
    "rate_public": "x"
}"#;
const SESSION_BAD: &str = r#"{
    "course_id": {course}, "tutor_id": {tutor}, "starts_at": "{end}", "ends_at": "{start}",
    "seats": 0, "seat_price_member": "x", "seat_price_business": "x", "seat_price_public": "x"
}"#;
const SAME_SEATS: &str = r#"{"seats": 5}"#;
const SIGN_UP_OWNER: &str = r#"{"user_id": {owner}}"#;
const SIGN_UP_EMPLOYEE: &str = r#"{"user_id": {employee}}"#;
const ATTENDED: &str = r#"{"attendance": "attended"}"#;
const EVENT: &str =
    r#"{"event_id": "matrix-start", "resource_id": {machine}, "kind": "start", "at": "{recent}"}"#;
const BATCH: &str = r#"{
    "events": [{"event_id": "matrix-batch", "resource_id": {machine}, "kind": "start",
    "at": "{recent}"}]
}"#;
const USAGE_BAD: &str = r#"{
    "resource_id": {machine}, "customer_id": {customer}, "started_at": "{end}",
    "ended_at": "{start}"
}"#;
const CORRECTION_BAD: &str = r#"{"started_at": "{end}", "ended_at": "{start}", "note": ""}"#;
const RUN: &str = r#"{"month": "{month}"}"#;
const NOTES: &str = r#"{"notes": ""}"#;
const LINE_BAD: &str = r#"{"description": "", "quantity": 0, "unit_price": "1.00"}"#;
const CREDIT_BAD: &str = r#"{"reason": ""}"#;
const PAYMENT: &str = r#"{"paid_on": "{today}", "amount": "0.01", "method": "transfer"}"#;

/// The policy, route by route in the order the API registers them (rows on the business's or
/// another tutor's things follow the row they mirror). Columns: anonymous, the owner, another
/// member, the admin of another business, the tutor of the owner's session, staff, admin, and a
/// device token. The owner's things are {customer}, {owner}, {booking}, {enrollment}, {usage},
/// {invoice}, {draft}, {token}, {subscription}; the business admin's business is {business},
/// with {employee}'s {employee_booking} and {employee_enrollment}.
#[rustfmt::skip]
const API: &[Row] = &[
    //                                                                                    anon ownr othr badm tutr staf admn dev
    // The document describing the API is public; it reads no token, not even a device's.
    r(GET,    "/openapi.json",                                         NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK]),
    r(GET,    "/me",                                                   NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/me/calendar/rotate",                                   NONE,             [U,   Y,   Y,   Y,   Y,   Y,   Y,   F]),
    r(GET,    "/resources/{machine}/calendar",                         NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(GET,    "/customers",                                            NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(POST,   "/customers",                                            CUSTOMER_BAD,     [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/customers/{customer}",                                 NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/customers/{business}",                                 NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(PATCH,  "/customers/{customer}",                                 EMPTY,            [U,   Y,   N,   N,   N,   Y,   Y,   F]),
    r(PATCH,  "/customers/{business}",                                 EMPTY,            [U,   N,   N,   Y,   N,   Y,   Y,   F]),
    r(GET,    "/users",                                                NONE,             [U,   F,   F,   OK,  F,   OK,  OK,  F]),
    r(POST,   "/users",                                                HIRE,             [U,   F,   F,   Y,   F,   Y,   Y,   F]),
    r(POST,   "/users",                                                HIRE_ELSEWHERE,   [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/users/{owner}",                                        NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/users/{employee}",                                     NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(PATCH,  "/users/{owner}",                                        EMPTY,            [U,   Y,   N,   N,   N,   Y,   Y,   F]),
    r(PATCH,  "/users/{employee}",                                     EMPTY,            [U,   N,   N,   Y,   N,   Y,   Y,   F]),
    r(GET,    "/users/{owner}/tokens",                                 NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/users/{employee}/tokens",                              NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(GET,    "/tokens",                                               NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/tokens",                                               TOKEN,            [U,   Y,   Y,   Y,   Y,   Y,   Y,   F]),
    r(DELETE, "/tokens/{token}",                                       NONE,             [U,   Y,   N,   N,   N,   Y,   Y,   F]),
    r(GET,    "/audit",                                                NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    // Asking for a reset link needs no token, so a device's is not even looked at.
    r(POST,   "/password-reset",                                       RESET,            [Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y]),
    r(GET,    "/resources",                                            NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/resources",                                            MACHINE_BAD,      [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/resources/{machine}",                                  NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(PUT,    "/resources/{machine}",                                  MACHINE_BAD,      [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/resources/{machine}/availability?from={from}&to={to}", NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/resources/{machine}/maintenance",                      MAINTENANCE_BAD,  [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/plans",                                                NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/plans",                                                PLAN_BAD,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/subscriptions?customer_id={customer}",                 NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/subscriptions?customer_id={business}",                 NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(POST,   "/subscriptions",                                        SUBSCRIBE_BAD,    [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/subscriptions/{subscription}/end",                     END_LATER,        [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/categories",                                           NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/categories",                                           NAMELESS,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/qualifications",                                       NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/qualifications",                                       NAMELESS,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/users/{owner}/qualifications",                         NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(POST,   "/users/{owner}/qualifications",                         GRANT,            [U,   F,   F,   F,   F,   Y,   Y,   F]),
    rearmed(
    r(DELETE, "/users/{owner}/qualifications/{qualification}",         NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
        AccessFixture::grant_qualification),
    r(GET,    "/opening-hours",                                        NONE,             [OK,  OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(PUT,    "/opening-hours",                                        SAME_HOURS,       [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/closures",                                             CLOSURE_BAD,      [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/bookings",                                             NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/bookings",                                             BOOK_ON_OWNER,    [U,   Y,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/bookings",                                             BOOK_AS_OWNER,    [U,   Y,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/bookings/{booking}",                                   NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/bookings/{employee_booking}",                          NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(PATCH,  "/bookings/{booking}",                                   SAME_TIME,        [U,   Y,   N,   N,   N,   Y,   Y,   F]),
    r(PATCH,  "/bookings/{employee_booking}",                          SAME_TIME,        [U,   N,   N,   Y,   N,   Y,   Y,   F]),
    r(DELETE, "/bookings/{booking}",                                   NONE,             [U,   Y,   N,   N,   N,   Y,   Y,   F]),
    r(POST,   "/tutors",                                               TUTOR_BAD,        [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/tutors/{tutor}",                                       NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(PUT,    "/tutors/{tutor}",                                       TUTOR_BAD,        [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/tutors/{tutor}/schedule?from={from}&to={to}",          NONE,             [U,   N,   N,   N,   OK,  OK,  OK,  F]),
    r(GET,    "/tutors/{other_tutor}/schedule?from={from}&to={to}",    NONE,             [U,   N,   N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/courses",                                              NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/courses",                                              NAMELESS,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(PUT,    "/courses/{course}",                                     NAMELESS,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/training-sessions",                                    NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/training-sessions",                                    SESSION_BAD,      [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/training-sessions/{session}",                          NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(PATCH,  "/training-sessions/{session}",                          SAME_SEATS,       [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/training-sessions/{spare_session}/cancel",             NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/training-sessions/{session}/enrollments",              NONE,             [U,   N,   N,   N,   OK,  OK,  OK,  F]),
    r(GET,    "/training-sessions/{other_session}/enrollments",        NONE,             [U,   N,   N,   N,   N,   OK,  OK,  F]),
    r(POST,   "/training-sessions/{session}/enrollments",              SIGN_UP_OWNER,    [U,   Y,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/training-sessions/{session}/enrollments",              SIGN_UP_EMPLOYEE, [U,   F,   F,   Y,   F,   Y,   Y,   F]),
    r(GET,    "/enrollments",                                          NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(GET,    "/enrollments/{enrollment}",                             NONE,             [U,   OK,  N,   N,   OK,  OK,  OK,  F]),
    r(GET,    "/enrollments/{employee_enrollment}",                    NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(DELETE, "/enrollments/{enrollment}",                             NONE,             [U,   Y,   N,   N,   F,   Y,   Y,   F]),
    r(POST,   "/enrollments/{enrollment}/attendance",                  ATTENDED,         [U,   N,   N,   N,   Y,   Y,   Y,   F]),
    r(POST,   "/enrollments/{employee_enrollment}/attendance",         ATTENDED,         [U,   N,   N,   N,   N,   Y,   Y,   F]),
    r(POST,   "/usage-events",                                         EVENT,            [U,   F,   F,   F,   F,   Y,   Y,   Y]),
    r(POST,   "/usage-events/batch",                                   BATCH,            [U,   F,   F,   F,   F,   Y,   Y,   Y]),
    r(POST,   "/usage-events/{event}/dismiss",                         NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/usage?customer_id={customer}",                         NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(POST,   "/usage",                                                USAGE_BAD,        [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/usage/anomalies",                                      NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(PATCH,  "/usage/{usage}",                                        CORRECTION_BAD,   [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/usage/{usage}/check-out",                              NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/bookings/{booking}/check-in",                          NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/bookings/{booking}/no-show",                           NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/charges?customer_id={customer}",                       NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/charges?customer_id={business}",                       NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(POST,   "/invoice-runs",                                         RUN,              [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/invoices",                                             NONE,             [U,   OK,  OK,  OK,  OK,  OK,  OK,  F]),
    r(GET,    "/invoices/chain",                                       NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(GET,    "/invoices/export?month={month}",                        NONE,             [U,   F,   F,   F,   F,   OK,  OK,  F]),
    r(GET,    "/invoices/{invoice}",                                   NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/invoices/{draft}",                                     NONE,             [U,   N,   N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/invoices/{business_invoice}",                          NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(PATCH,  "/invoices/{draft}",                                     NOTES,            [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/invoices/{draft}/lines",                               LINE_BAD,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(PATCH,  "/invoices/{draft}/lines/{draft_line}",                  LINE_BAD,         [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(DELETE, "/invoices/{invoice}/lines/{invoice_line}",              NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/invoices/{invoice}/pdf",                               NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/invoices/{draft}/pdf",                                 NONE,             [U,   N,   N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/invoices/{business_invoice}/pdf",                      NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(POST,   "/invoices/{invoice}/issue",                             NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/invoices/{invoice}/resend",                            NONE,             [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(POST,   "/invoices/{invoice}/credit-notes",                      CREDIT_BAD,       [U,   F,   F,   F,   F,   Y,   Y,   F]),
    r(GET,    "/invoices/{invoice}/payments",                          NONE,             [U,   OK,  N,   N,   N,   OK,  OK,  F]),
    r(GET,    "/invoices/{business_invoice}/payments",                 NONE,             [U,   N,   N,   OK,  N,   OK,  OK,  F]),
    r(POST,   "/invoices/{invoice}/payments",                          PAYMENT,          [U,   F,   F,   F,   F,   Y,   Y,   F]),
];

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

/// Whether a refusal is the API's problem document, as every error must be.
fn is_problem(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}

#[tokio::test]
async fn every_api_route_answers_every_caller_as_the_policy_says() {
    let app = app().await;
    let fixture = app.access_fixture().await;
    // Before the walk, which cancels and leaves things.
    lists_show_each_caller_only_what_they_may_see(&app, &fixture).await;
    let mut wrong = Vec::new();
    let mut calls = 0;
    for row in API {
        let method = Method::from_bytes(row.method.as_bytes()).expect("method");
        let path = format!("/api/v1{}", fixture.fill(row.path));
        for (caller, expect) in Caller::ALL.into_iter().zip(row.cells) {
            if let Some(before) = row.before_each {
                before(&fixture, &app);
            }
            let body = row.body.map(|b| fixture.fill(b));
            let response = app
                .call(fixture.token(caller), method.clone(), &path, body)
                .await;
            calls += 1;
            let status = response.status().as_u16();
            let refused_plainly = status < 400 || is_problem(&response);
            if !expect.admits(status) || !refused_plainly {
                let text = response.text().await.unwrap_or_default();
                let text: String = text.chars().take(160).collect();
                wrong.push(format!(
                    "{} {} as {caller:?}: expected {expect:?}, got {status} {text}",
                    row.method, row.path
                ));
            }
        }
    }
    assert_eq!(calls, API.len() * Caller::ALL.len());
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls disagree with the policy:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A list, one of the owner's or the business's things, and whether each signed-in caller
/// (owner, other, business admin, tutor, staff, admin) finds it in the list.
#[rustfmt::skip]
const LISTS: &[(&str, &str, [bool; 6])] = &[
    //                                                         owner  other  badm   tutor  staff  admin
    ("/bookings",                      "booking",             [true,  false, false, false, true,  true]),
    ("/bookings",                      "employee_booking",    [false, false, true,  false, true,  true]),
    ("/enrollments",                   "enrollment",          [true,  false, false, false, false, false]),
    ("/enrollments",                   "employee_enrollment", [false, false, true,  false, false, false]),
    ("/usage?customer_id={customer}",  "usage",               [true,  false, false, false, true,  true]),
    ("/invoices",                      "invoice",             [true,  false, false, false, true,  true]),
    ("/invoices",                      "business_invoice",    [false, false, true,  false, true,  true]),
    ("/invoices",                      "draft",               [false, false, false, false, true,  true]),
    ("/tokens",                        "token",               [true,  false, false, false, false, false]),
];

/// Lists answer 200 to everyone signed in: what matters is what is in them.
async fn lists_show_each_caller_only_what_they_may_see(app: &TestApp, fixture: &AccessFixture) {
    let mut wrong = Vec::new();
    for (list, object, seen) in LISTS {
        let wanted: i64 = fixture.value(object).parse().expect("an id");
        let path = format!("/api/v1{}", fixture.fill(list));
        for (caller, seen) in Caller::ALL[1..7].iter().zip(seen) {
            let response = app
                .call(fixture.token(*caller), Method::GET, &path, None)
                .await;
            assert_eq!(response.status(), 200, "{list} as {caller:?}");
            let listed: Value = json_of(response).await;
            let ids: Vec<i64> = listed["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|item| item["id"].as_i64())
                .collect();
            if ids.contains(&wanted) != *seen {
                wrong.push(format!(
                    "{list} as {caller:?}: {{{object}}} listed: {}",
                    !seen
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "lists show the wrong things:\n{}",
        wrong.join("\n")
    );
}

/// Who looks at a screen: a visitor, the owner, another member, the business admin, staff.
const VIEWERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::Owner,
    Caller::Other,
    Caller::BusinessAdmin,
    Caller::Staff,
];

/// A screen: method, path, the form fields of a POST, and what each of `VIEWERS` gets.
type Screen = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    [Expect; 5],
);

/// The screens that show one thing. Changes come last, so the reads see the fixture as made.
#[rustfmt::skip]
const SCREENS: &[Screen] = &[
    //                                                                                      vis  ownr othr badm staf
    (GET,  "/invoices/{invoice}",                           &[],                           [IN,  OK,  N,   N,   OK]),
    (GET,  "/invoices/{invoice}/pdf",                       &[],                           [IN,  OK,  N,   N,   OK]),
    (GET,  "/invoices/{draft}",                             &[],                           [IN,  N,   N,   N,   OK]),
    (GET,  "/invoices/{business_invoice}",                  &[],                           [IN,  N,   N,   OK,  OK]),
    (GET,  "/invoices/{business_invoice}/pdf",              &[],                           [IN,  N,   N,   OK,  OK]),
    (GET,  "/bookings/{booking}/move",                      &[],                           [IN,  OK,  N,   N,   OK]),
    (GET,  "/bookings/{employee_booking}/move",             &[],                           [IN,  N,   N,   OK,  OK]),
    (GET,  "/training/sessions/{session}",                  &[],                           [OK,  OK,  OK,  OK,  OK]),
    (GET,  "/business/people/{employee}",                   &[],                           [IN,  F,   F,   OK,  F]),
    (GET,  "/business/people/{owner}",                      &[],                           [IN,  F,   F,   N,   F]),
    (GET,  "/staff/customers/{customer}",                   &[],                           [IN,  F,   F,   F,   OK]),
    (GET,  "/staff/users/{owner}",                          &[],                           [IN,  F,   F,   F,   OK]),
    (GET,  "/staff/invoices/{invoice}",                     &[],                           [IN,  F,   F,   F,   OK]),
    (GET,  "/staff/usage/{usage}",                          &[],                           [IN,  F,   F,   F,   OK]),
    (POST, "/training/enrollments/{enrollment}/attendance", &[("attendance", "attended")], [IN,  N,   N,   N,   Y]),
    (POST, "/bookings/{booking}/cancel",                    &[],                           [IN,  Y,   N,   N,   Y]),
    (POST, "/bookings/{employee_booking}/cancel",           &[],                           [IN,  N,   N,   Y,   Y]),
    (POST, "/trainings/{enrollment}/leave",                 &[],                           [IN,  Y,   N,   N,   Y]),
    (POST, "/trainings/{employee_enrollment}/leave",        &[],                           [IN,  N,   N,   Y,   Y]),
];

#[tokio::test]
async fn screens_of_one_thing_show_it_only_to_whoever_may_see_it() {
    let app = app().await;
    let fixture = app.access_fixture().await;
    let mut browsers = vec![app.browser()];
    for user in [
        &fixture.owner,
        &fixture.other,
        &fixture.business_admin,
        &fixture.staff,
    ] {
        browsers.push(app.browser_for(user).await);
    }
    // The session's page is public, but only staff (and its tutor) see who signed up; looked
    // at before the walk below gives the seat up.
    let me = app.api_get(fixture.token(Caller::Owner).expect("token"), "/api/v1/me");
    let owner_name = json_of(me.await).await["name"]
        .as_str()
        .expect("name")
        .to_string();
    let session = fixture.fill("/training/sessions/{session}");
    let as_staff = browsers[4].page(&session).await;
    assert!(as_staff.contains(&owner_name), "staff see who signed up");
    for at in [0, 2, 3] {
        let page = browsers[at].page(&session).await;
        assert!(
            !page.contains(&owner_name),
            "{:?} must not see who signed up",
            VIEWERS[at]
        );
    }
    let mut wrong = Vec::new();
    for (method, path, fields, cells) in SCREENS {
        let path = fixture.fill(path);
        for ((viewer, browser), expect) in VIEWERS.iter().zip(&browsers).zip(cells) {
            let response = if *method == GET {
                browser.get(&path).await
            } else {
                let from = if *viewer == Caller::Anonymous {
                    "/login"
                } else {
                    "/"
                };
                browser.submit(from, &path, fields).await
            };
            let status = response.status().as_u16();
            if !expect.admits(status) {
                wrong.push(format!(
                    "{method} {path} as {viewer:?}: expected {expect:?}, got {status}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "screens disagree with the policy:\n{}",
        wrong.join("\n")
    );
}

/// A route as the table and the OpenAPI document both can name it: no query, `{}` for ids.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let mut shaped = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                shaped.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => shaped.push(c),
            _ => {}
        }
    }
    shaped
}

fn table_routes() -> BTreeSet<(String, String)> {
    API.iter()
        .map(|row| (row.method.to_string(), shape(row.path)))
        .collect()
}

#[tokio::test]
async fn the_table_has_a_row_for_every_route_of_the_openapi_document() {
    let app = app().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let document: Value = json_of(response).await;
    let paths = document["paths"].as_object().expect("paths");
    let table = table_routes();
    let mut missing = Vec::new();
    let mut listed = BTreeSet::new();
    let mut documented = 0;
    for (path, operations) in paths {
        let relative = path.strip_prefix("/api/v1").unwrap_or(path);
        for method in ["get", "post", "put", "patch", "delete"] {
            if operations.get(method).is_none() {
                continue;
            }
            documented += 1;
            let route = (method.to_uppercase(), shape(relative));
            if !table.contains(&route) {
                missing.push(format!("{} {path}", route.0));
            }
            listed.insert(route);
        }
    }
    assert!(
        documented > 80,
        "the document lists only {documented} operations"
    );
    assert!(
        missing.is_empty(),
        "documented routes without a row: {missing:?}"
    );
    let gone: Vec<String> = table
        .difference(&listed)
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        gone.is_empty(),
        "rows for routes the API does not have: {gone:?}"
    );
}
