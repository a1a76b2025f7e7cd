//! `GET /api/v1/openapi.json`: the OpenAPI document lists every API route with its method, each
//! documented route is really served, and the schemas say what the JSON really looks like.
use chrono::Duration;
use obrador::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{rfc, spawn_app, weekday_at, TestApp};

/// Every route of `/api/v1`, as clients rely on it (method, path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/calendar/rotate"),
    ("get", "/api/v1/resources/{id}/calendar"),
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{id}"),
    ("patch", "/api/v1/customers/{id}"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("patch", "/api/v1/users/{id}"),
    ("get", "/api/v1/users/{id}/tokens"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/audit"),
    ("post", "/api/v1/password-reset"),
    ("get", "/api/v1/resources"),
    ("post", "/api/v1/resources"),
    ("get", "/api/v1/resources/{id}"),
    ("put", "/api/v1/resources/{id}"),
    ("get", "/api/v1/resources/{id}/availability"),
    ("post", "/api/v1/resources/{id}/maintenance"),
    ("get", "/api/v1/plans"),
    ("post", "/api/v1/plans"),
    ("get", "/api/v1/subscriptions"),
    ("post", "/api/v1/subscriptions"),
    ("post", "/api/v1/subscriptions/{id}/end"),
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/categories"),
    ("get", "/api/v1/qualifications"),
    ("post", "/api/v1/qualifications"),
    ("get", "/api/v1/users/{id}/qualifications"),
    ("post", "/api/v1/users/{id}/qualifications"),
    (
        "delete",
        "/api/v1/users/{id}/qualifications/{qualification_id}",
    ),
    ("get", "/api/v1/opening-hours"),
    ("put", "/api/v1/opening-hours"),
    ("post", "/api/v1/closures"),
    ("get", "/api/v1/bookings"),
    ("post", "/api/v1/bookings"),
    ("get", "/api/v1/bookings/{id}"),
    ("patch", "/api/v1/bookings/{id}"),
    ("delete", "/api/v1/bookings/{id}"),
    ("post", "/api/v1/tutors"),
    ("get", "/api/v1/tutors/{id}"),
    ("put", "/api/v1/tutors/{id}"),
    ("get", "/api/v1/tutors/{id}/schedule"),
    ("get", "/api/v1/courses"),
    ("post", "/api/v1/courses"),
    ("put", "/api/v1/courses/{id}"),
    ("get", "/api/v1/training-sessions"),
    ("post", "/api/v1/training-sessions"),
    ("get", "/api/v1/training-sessions/{id}"),
    ("patch", "/api/v1/training-sessions/{id}"),
    ("post", "/api/v1/training-sessions/{id}/cancel"),
    ("get", "/api/v1/training-sessions/{id}/enrollments"),
    ("post", "/api/v1/training-sessions/{id}/enrollments"),
    ("get", "/api/v1/enrollments"),
    ("get", "/api/v1/enrollments/{id}"),
    ("delete", "/api/v1/enrollments/{id}"),
    ("post", "/api/v1/enrollments/{id}/attendance"),
    ("post", "/api/v1/usage-events"),
    ("post", "/api/v1/usage-events/batch"),
    ("post", "/api/v1/usage-events/{id}/dismiss"),
    ("get", "/api/v1/usage"),
    ("post", "/api/v1/usage"),
    ("get", "/api/v1/usage/anomalies"),
    ("patch", "/api/v1/usage/{id}"),
    ("post", "/api/v1/usage/{id}/check-out"),
    ("post", "/api/v1/bookings/{id}/check-in"),
    ("post", "/api/v1/bookings/{id}/no-show"),
    ("get", "/api/v1/charges"),
    ("post", "/api/v1/invoice-runs"),
    ("get", "/api/v1/invoices"),
    ("get", "/api/v1/invoices/chain"),
    ("get", "/api/v1/invoices/export"),
    ("get", "/api/v1/invoices/{id}"),
    ("patch", "/api/v1/invoices/{id}"),
    ("post", "/api/v1/invoices/{id}/lines"),
    ("patch", "/api/v1/invoices/{id}/lines/{line}"),
    ("delete", "/api/v1/invoices/{id}/lines/{line}"),
    ("get", "/api/v1/invoices/{id}/pdf"),
    ("post", "/api/v1/invoices/{id}/issue"),
    ("post", "/api/v1/invoices/{id}/resend"),
    ("post", "/api/v1/invoices/{id}/credit-notes"),
    ("get", "/api/v1/invoices/{id}/payments"),
    ("post", "/api/v1/invoices/{id}/payments"),
];

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("the document is JSON")
}

/// Every (method, path) the document lists.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                found.push((method.to_string(), path.clone()));
            }
        }
    }
    found.sort();
    found
}

/// Follows a `$ref` to the component it names.
fn component<'d>(doc: &'d Value, reference: &Value) -> &'d Value {
    let name = reference["$ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .expect("a $ref");
    &doc["components"]["schemas"][name]
}

#[tokio::test]
async fn the_document_lists_every_api_route_and_nothing_else() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(operations(&doc), expected);
    let ids: std::collections::HashSet<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(*m)))
        .map(|op| op["operationId"].as_str().expect("an operationId"))
        .collect();
    assert_eq!(ids.len(), ROUTES.len(), "operation ids are unique");
}

#[tokio::test]
async fn every_documented_operation_is_served_and_asks_for_a_token_unless_anonymous() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        let security = op["security"].as_array();
        let anonymous_allowed =
            security.is_some_and(|s| s.iter().any(|r| r == &serde_json::json!({})));
        let concrete = path
            .replace("{id}", "1")
            .replace("{line}", "1")
            .replace("{qualification_id}", "1");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        if anonymous_allowed {
            // Served without a token: never the answer of an unknown address or method.
            assert_ne!(status, 401, "{method} {path} takes anonymous callers");
            if !concrete.contains("/1") {
                assert_ne!(status, 404, "{method} {path} is not served");
            }
        } else {
            assert_eq!(
                status, 401,
                "{method} {path} wants a token (or is not served)"
            );
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents its 401"
            );
        }
    }
}

#[tokio::test]
async fn schemas_say_what_the_json_looks_like() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];

    // The bearer scheme, and the anonymous password reset.
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    let reset = &doc["paths"]["/api/v1/password-reset"]["post"];
    assert_eq!(reset["security"], serde_json::json!([{}]));

    // Errors are problem+json documents.
    let problem = &schemas["Problem"];
    for field in ["type", "title", "status", "detail"] {
        assert!(problem["properties"][field].is_object(), "Problem.{field}");
    }
    let conflict = &doc["components"]["responses"]["Conflict"];
    assert_eq!(
        conflict["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );

    // A booking: money as amount and currency, instants as date-times, a nullable cancellation.
    let create = &doc["paths"]["/api/v1/bookings"]["post"];
    assert!(create["responses"]["409"].is_object());
    assert!(create["responses"]["422"].is_object());
    let booking = &schemas["Booking"];
    assert_eq!(booking["properties"]["starts_at"]["format"], "date-time");
    let price = component(&doc, &booking["properties"]["price"]);
    assert_eq!(price["properties"]["amount"]["type"], "string");
    assert_eq!(
        price["properties"]["currency"]["enum"],
        serde_json::json!(["EUR"])
    );
    let cancelled_at = booking["properties"]["cancelled_at"]["type"].to_string();
    assert!(
        cancelled_at.contains("null"),
        "cancelled_at is nullable: {cancelled_at}"
    );
    assert_eq!(
        component(&doc, &booking["properties"]["status"])["enum"],
        serde_json::json!(["confirmed", "cancelled"])
    );

    // An invoice's status and payment status are enums; its issue date is a date.
    let invoice = &schemas["Invoice"];
    assert_eq!(
        invoice["properties"]["status"]["enum"],
        serde_json::json!(["draft", "issued"])
    );
    assert_eq!(invoice["properties"]["issue_date"]["format"], "date");
}

#[tokio::test]
async fn a_booking_as_served_has_every_field_its_schema_requires() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let member = app.user(Role::Member, None);
    let machine = app.machine("Laser", |_| {});
    let start = weekday_at(2, 10);
    let body = json!({
        "resource_id": machine.id.get(),
        "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::minutes(60)),
    });
    let response = app
        .api_send(Method::POST, &app.token(&member), "/api/v1/bookings", body)
        .await;
    assert_eq!(response.status(), 201);
    let booking: Value = response.json().await.expect("json");
    let schema = &doc["components"]["schemas"]["Booking"];
    let required = schema["required"].as_array().expect("required fields");
    assert!(required.len() >= 9, "{required:?}");
    for field in required {
        let field = field.as_str().expect("a name");
        assert!(booking.get(field).is_some(), "the booking has {field}");
    }
    for field in booking.as_object().expect("an object").keys() {
        assert!(
            schema["properties"].get(field).is_some(),
            "{field} is documented"
        );
    }
    assert_eq!(
        booking["price"],
        json!({"amount": "20.00", "currency": "EUR"})
    );
}
