//! Limits under pressure: more clients than database connections queue instead of failing, and a
//! client that never finishes its request is answered 408 and dropped.
use std::time::Duration;

use obrador::domain::Role;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{hours_ahead, rfc, spawn_app_with, weekday_at};

#[tokio::test]
async fn two_hundred_clients_on_four_connections_are_all_served() {
    let app = spawn_app_with(|s| s.database_pool_size = 4).await;
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let machine = app.machine("Band saw", |_| {}).id.get();
    let (from, to) = (rfc(weekday_at(1, 0)), rfc(weekday_at(8, 0)));
    // Half read availability, half book an hour of their own: 200 connections at once.
    let mut hours = hours_ahead(100).into_iter();
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let start = if i % 2 == 0 { None } else { hours.next() };
        // Its own client, so each task holds its own connection.
        let client = reqwest::Client::new();
        let (base, token, from, to) =
            (app.address.clone(), token.clone(), from.clone(), to.clone());
        tasks.push(tokio::spawn(async move {
            let request = match start {
                None => client
                    .get(format!("{base}/api/v1/resources/{machine}/availability"))
                    .query(&[("from", from), ("to", to)]),
                Some(start) => client.post(format!("{base}/api/v1/bookings")).json(&json!({
                    "resource_id": machine,
                    "starts_at": rfc(start),
                    "ends_at": rfc(start + chrono::Duration::minutes(30)),
                })),
            };
            let response = request.bearer_auth(token).send().await.expect("answered");
            (i, response.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let failed: Vec<_> = statuses
        .iter()
        .filter(|(i, status)| *status != if i % 2 == 0 { 200 } else { 201 })
        .collect();
    assert!(failed.is_empty(), "not served: {failed:?}");
    let listed = app.api_get(&token, "/api/v1/bookings").await;
    let listed: serde_json::Value = listed.json().await.expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(100));
}

#[tokio::test]
async fn a_client_that_stalls_before_finishing_its_request_is_answered_408_and_dropped() {
    let app = spawn_app_with(|s| s.request_timeout_secs = 1).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    // Half a request head, then nothing.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: obrador\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    // The server closes the connection after answering; a generous deadline only guards the test.
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes a stalled connection")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Meanwhile everyone else is served as usual.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
