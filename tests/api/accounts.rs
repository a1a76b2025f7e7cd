//! The accounts API: /me, customers, users, tokens, audit — every role against every endpoint,
//! and bad input that must change nothing.
use obrador::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app, TestApp, TestUser};

#[tokio::test]
async fn me_tells_who_the_token_belongs_to() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    let me: Value = app
        .api_get(&token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"], ana.id.get());
    assert_eq!(me["email"], ana.email.as_str());
    assert_eq!(me["role"], "member");
    assert_eq!(me["customer_id"], ana.customer_id.get());
    assert!(me.get("calendar_url").is_some());
}

#[tokio::test]
async fn missing_bad_revoked_and_expired_tokens_get_401_problems() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let anonymous = app.get("/api/v1/me").await;
    assert_eq!(anonymous.status(), 401);
    problem(anonymous).await;
    let basic = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .expect("sent");
    assert_eq!(basic.status(), 401);
    assert!(problem(basic).await["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("Bearer"));
    assert_eq!(
        app.api_get("obr_not-a-token", "/api/v1/me").await.status(),
        401
    );

    let token = app.token(&ana);
    diesel_exec(
        &app,
        "UPDATE api_tokens SET expires_at = '2001-01-01 00:00:00'",
    );
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        401,
        "expired"
    );

    let token = app.token(&ana);
    let mine: Value = app
        .api_get(&token, "/api/v1/tokens")
        .await
        .json()
        .await
        .expect("json");
    let live = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| {
            t["revoked_at"].is_null() && t["hint"].as_str().is_some_and(|h| token.starts_with(h))
        })
        .expect("listed")["id"]
        .clone();
    let revoked = app
        .api_send(
            Method::DELETE,
            &token,
            &format!("/api/v1/tokens/{live}"),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        app.api_get(&token, "/api/v1/me").await.status(),
        401,
        "revoked"
    );
}

fn diesel_exec(app: &TestApp, sql: &str) {
    use diesel::RunQueryDsl;
    let mut conn = app.db.conn();
    diesel::sql_query(sql).execute(&mut *conn).expect("sql");
}

#[tokio::test]
async fn only_a_hash_of_each_token_is_stored() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    let response = app
        .api_send(
            Method::POST,
            &token,
            "/api/v1/tokens",
            json!({"name": "script"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let secret = created["token"].as_str().expect("shown once").to_string();
    assert!(secret.starts_with("obr_"));
    assert_eq!(app.api_get(&secret, "/api/v1/me").await.status(), 200);
    use diesel::prelude::*;
    use obrador::db::schema::api_tokens;
    let mut conn = app.db.conn();
    let stored: Vec<(String, String)> = api_tokens::table
        .select((api_tokens::token_hash, api_tokens::hint))
        .load(&mut *conn)
        .expect("rows");
    assert_eq!(stored.len(), 2);
    for (hash, hint) in stored {
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&secret[4..]) && !secret[4..].contains(&hash));
        assert!(hint.len() <= 12);
    }
}

#[tokio::test]
async fn staff_create_customers_and_users_and_the_audit_log_records_it() {
    let app = spawn_app().await;
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let body = json!({"kind": "business", "legal_name": "Fusteria Pi SL", "tax_id": "b-65432109",
        "address": "Carrer del Pi 3, Vic", "billing_email": "factures@fusteriapi.example", "price_category": "business"});
    let response = app
        .api_send(Method::POST, &token, "/api/v1/customers", body)
        .await;
    assert_eq!(response.status(), 201);
    let business: Value = response.json().await.expect("json");
    assert_eq!(business["tax_id"], "B65432109");
    let body = json!({"email": "Joan@FusteriaPi.example", "name": "Joan Pi", "role": "business_admin", "business_id": business["id"]});
    let response = app
        .api_send(Method::POST, &token, "/api/v1/users", body)
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["user"]["email"], "joan@fusteriapi.example");
    assert_eq!(created["user"]["customer_id"], business["id"]);
    let password = created["password"]
        .as_str()
        .expect("generated password shown once");
    assert_eq!(
        app.browser()
            .login("joan@fusteriapi.example", password)
            .await
            .status(),
        303
    );

    let user_id = created["user"]["id"].as_i64().expect("id");
    let response = app
        .api_send(
            Method::PATCH,
            &token,
            &format!("/api/v1/users/{user_id}"),
            json!({"name": "Joan Pi Vila"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let log: Value = app
        .api_get(
            &token,
            &format!("/api/v1/audit?object_type=user&object_id={user_id}"),
        )
        .await
        .json()
        .await
        .expect("json");
    let entries = log["items"].as_array().expect("items");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["user.update", "session.login", "user.create"],
        "newest first"
    );
    assert_eq!(entries[0]["actor"], staff.email.as_str());
    assert_eq!(
        entries[0]["changes"]["name"],
        json!({"old": "Joan Pi", "new": "Joan Pi Vila"})
    );
    assert_eq!(
        entries[2]["changes"]["role"],
        json!({"old": null, "new": "business_admin"})
    );
}

#[tokio::test]
async fn bad_account_input_is_a_clear_422_or_409_and_changes_nothing() {
    let app = spawn_app().await;
    let staff = app.user(Role::Staff, None);
    let existing = app.user(Role::Member, None);
    let token = app.token(&staff);
    let cases = [
        (
            json!({"email": "not-an-email", "name": "X", "role": "member"}),
            422,
            "not an email address",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "role": "boss"}),
            422,
            "use one of",
        ),
        (
            json!({"email": "x@example.org", "name": " ", "role": "member"}),
            422,
            "must not be empty",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "role": "member", "password": "short"}),
            422,
            "at least 10",
        ),
        (
            json!({"email": existing.email.to_uppercase(), "name": "X", "role": "member"}),
            409,
            "already exists",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "role": "member", "business_id": existing.customer_id}),
            422,
            "not a business",
        ),
        (
            json!({"email": "x@example.org", "name": "X", "role": "member", "business_id": 999_999}),
            422,
            "no customer",
        ),
    ];
    for (body, status, words) in cases {
        let response = app
            .api_send(Method::POST, &token, "/api/v1/users", body.clone())
            .await;
        assert_eq!(response.status(), status, "{body}");
        let problem = problem(response).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(words),
            "{problem}"
        );
    }
    let users: Value = app
        .api_get(&token, "/api/v1/users")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        users["items"].as_array().map(Vec::len),
        Some(2),
        "no user was created"
    );
    let business_without_tax_id =
        json!({"kind": "business", "legal_name": "X SL", "price_category": "business"});
    let response = app
        .api_send(
            Method::POST,
            &token,
            "/api/v1/customers",
            business_without_tax_id,
        )
        .await;
    assert_eq!(response.status(), 422);
}

/// Who the matrix acts as.
struct Cast {
    member: TestUser,
    other_member: TestUser,
    employee: TestUser,
    boss: TestUser,
    other_boss: TestUser,
    tutor: TestUser,
    staff: TestUser,
    admin: TestUser,
}

#[tokio::test]
async fn every_role_against_every_accounts_endpoint() {
    let app = spawn_app().await;
    let business = app.business("Taller Nord SL");
    let other_business = app.business("Serralleria Sud SL");
    let cast = Cast {
        member: app.user(Role::Member, None),
        other_member: app.user(Role::Member, None),
        employee: app.user(Role::Member, Some(business)),
        boss: app.user(Role::BusinessAdmin, Some(business)),
        other_boss: app.user(Role::BusinessAdmin, Some(other_business)),
        tutor: app.user(Role::Tutor, None),
        staff: app.user(Role::Staff, None),
        admin: app.user(Role::Admin, None),
    };
    let member_token_id = {
        let token = app.token(&cast.member);
        let mine: Value = app
            .api_get(&token, "/api/v1/tokens")
            .await
            .json()
            .await
            .expect("json");
        mine["items"][0]["id"].as_i64().expect("id")
    };
    let people = [
        ("member", &cast.member),
        ("other member", &cast.other_member),
        ("employee", &cast.employee),
        ("business admin", &cast.boss),
        ("other business admin", &cast.other_boss),
        ("tutor", &cast.tutor),
        ("staff", &cast.staff),
        ("admin", &cast.admin),
    ];
    let m = cast.member.customer_id;
    let e = cast.employee.id;
    // (method, path, body, expected status per person in the order above, anonymous)
    let matrix: Vec<(Method, String, Value, [u16; 8], u16)> = vec![
        (Method::GET, "/api/v1/me".into(), json!(null), [200; 8], 401),
        (
            Method::GET,
            "/api/v1/customers".into(),
            json!(null),
            [403, 403, 403, 403, 403, 403, 200, 200],
            401,
        ),
        (
            Method::GET,
            format!("/api/v1/customers/{m}"),
            json!(null),
            [200, 404, 404, 404, 404, 404, 200, 200],
            401,
        ),
        (
            Method::GET,
            format!("/api/v1/customers/{business}"),
            json!(null),
            [404, 404, 200, 200, 404, 404, 200, 200],
            401,
        ),
        (
            Method::PATCH,
            format!("/api/v1/customers/{business}"),
            json!({"address": "Carrer Nou 2"}),
            [404, 404, 403, 200, 404, 404, 200, 200],
            401,
        ),
        (
            Method::GET,
            "/api/v1/users".into(),
            json!(null),
            [403, 403, 403, 200, 200, 403, 200, 200],
            401,
        ),
        (
            Method::GET,
            format!("/api/v1/users/{e}"),
            json!(null),
            [404, 404, 200, 200, 404, 404, 200, 200],
            401,
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{e}"),
            json!({"role": "member"}),
            [404, 404, 200, 200, 404, 404, 200, 200],
            401,
        ),
        (
            Method::GET,
            format!("/api/v1/users/{e}/tokens"),
            json!(null),
            [404, 404, 200, 200, 404, 404, 200, 200],
            401,
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{member_token_id}"),
            json!(null),
            [200, 404, 404, 404, 404, 404, 200, 200],
            401,
        ),
        (
            Method::GET,
            "/api/v1/audit".into(),
            json!(null),
            [403, 403, 403, 403, 403, 403, 200, 200],
            401,
        ),
        // Last, as the admin's success changes the employee's role for good.
        (
            Method::PATCH,
            format!("/api/v1/users/{e}"),
            json!({"role": "staff"}),
            [404, 404, 403, 403, 404, 404, 403, 200],
            401,
        ),
    ];
    for (method, path, body, expected, anonymous) in matrix {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), anonymous, "anonymous {method} {path}");
        for ((who, person), status) in people.iter().zip(expected) {
            let token = app.token(person);
            let response = app
                .api_send(method.clone(), &token, &path, body.clone())
                .await;
            assert_eq!(response.status(), status, "{who} {method} {path}");
        }
    }
    // The staff-role change above was refused for everyone but the admin, who made it.
    let employee: Value = app
        .api_get(&app.token(&cast.staff), &format!("/api/v1/users/{e}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(employee["role"], "staff");
    // Creating users: a business admin only inside their own business, with member/admin roles.
    let new = |n: u32, role: &str, business_id: i64| json!({"email": format!("new{n}@example.org"), "name": "New", "role": role, "business_id": business_id});
    let plain_employee = app.user(Role::Member, Some(business));
    let cases = [
        (&cast.boss, new(1, "member", business.get()), 201),
        (&cast.boss, new(2, "member", other_business.get()), 403),
        (&cast.boss, new(3, "staff", business.get()), 403),
        (&plain_employee, new(4, "member", business.get()), 403),
        (&cast.member, new(5, "member", business.get()), 403),
        (&cast.staff, new(6, "admin", business.get()), 403),
        (&cast.admin, new(7, "staff", business.get()), 201),
    ];
    for (person, body, status) in cases {
        let response = app
            .api_send(
                Method::POST,
                &app.token(person),
                "/api/v1/users",
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), status, "{} {body}", person.email);
    }
}
