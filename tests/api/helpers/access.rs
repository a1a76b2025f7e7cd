//! The cast of the authorization tests and the things they own: a member (the owner) with a
//! booking, an enrollment, usage, an issued and part-paid invoice, a draft, a spare token, a
//! subscription and a qualification; another member; a business with its admin and an employee
//! who has things too; a tutor, staff, an admin and a machine's device token. Paths and bodies
//! name these things as `{placeholders}` that `fill` replaces.
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use diesel::prelude::*;
use obrador::db::schema::usage_events;
use obrador::domain::{Name, QualificationId, ResourceId, Role, UserId, WorkshopTz};
use obrador::services::{resources, tokens, By};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use super::billing::{json_of, this_month, Charge};
use super::{rfc, weekday_at, TestApp, TestUser};

/// Who calls: the columns of the matrix, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    /// The member who owns the objects.
    Owner,
    /// Another member, who must not see or change them.
    Other,
    /// The admin of a business the owner has nothing to do with.
    BusinessAdmin,
    /// The tutor of the session the owner signed up for.
    Tutor,
    Staff,
    Admin,
    /// A token limited to the laser cutter, made for a staff account.
    Device,
}

impl Caller {
    pub const ALL: [Caller; 8] = [
        Caller::Anonymous,
        Caller::Owner,
        Caller::Other,
        Caller::BusinessAdmin,
        Caller::Tutor,
        Caller::Staff,
        Caller::Admin,
        Caller::Device,
    ];
}

pub struct AccessFixture {
    pub owner: TestUser,
    pub other: TestUser,
    pub business_admin: TestUser,
    pub staff: TestUser,
    tokens: Vec<(Caller, String)>,
    values: Vec<(&'static str, String)>,
    qualification: QualificationId,
}

impl AccessFixture {
    /// The bearer token `caller` presents (none for the anonymous caller).
    pub fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.as_str())
    }

    /// The value a placeholder stands for.
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no value for {{{name}}}"))
    }

    /// `template` with every `{name}` replaced; a name the fixture does not know fails the test.
    pub fn fill(&self, template: &str) -> String {
        let mut text = template.to_string();
        for (name, value) in &self.values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        if let Some(left) = placeholder_in(&text) {
            panic!("unknown placeholder {{{left}}} in {template}");
        }
        text
    }

    /// Gives the owner the course's qualification again (revoking it is a one-time success).
    pub fn grant_qualification(&self, app: &TestApp) {
        let mut conn = app.db.conn();
        resources::grant_qualification(
            &mut conn,
            &By::System("test"),
            self.owner.id,
            self.qualification,
        )
        .expect("qualification granted");
    }
}

/// The first `{identifier}` left in `text`, if any (JSON's own braces are not identifiers).
fn placeholder_in(text: &str) -> Option<&str> {
    text.match_indices('{').find_map(|(at, _)| {
        let rest = &text[at + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
        is_name.then_some(name)
    })
}

/// An instant as a query string takes it: RFC 3339 in UTC with a `Z`, nothing to escape.
fn query_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn id_of(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an id in {value}"))
}

impl TestApp {
    /// `method path` as the holder of `token` (none: anonymous), with `body` as JSON text if any.
    pub async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.send().await.expect("sent")
    }

    /// `method path` under `/api/v1` as `token`, answering the JSON of an expected `status`.
    async fn arrange(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Value,
        status: u16,
    ) -> Value {
        let response = self
            .call(
                Some(token),
                method.clone(),
                &format!("/api/v1{path}"),
                Some(body.to_string()),
            )
            .await;
        let got = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!(got, status, "{method} {path}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// A token made through the service: for `user`, limited to `machine` if given.
    fn named_token(&self, user: UserId, machine: Option<ResourceId>) -> (i64, String) {
        let mut conn = self.db.conn();
        let name = Name::parse("matrix token", "name").expect("name");
        let made = tokens::create(&mut conn, &By::System("test"), user, &name, machine, None)
            .expect("token");
        (made.info.id.get(), made.secret)
    }

    /// The cast and their things, made the way the workshop would make them.
    pub async fn access_fixture(&self) -> AccessFixture {
        let machine = self.machine("Laser cutter", |_| {}).id.get();
        let training = self.course("Laser safety");
        let elsewhere = self.course("Welding basics");
        let owner = self.user(Role::Member, None);
        let other = self.user(Role::Member, None);
        let business = self.business("Fusteria Nord");
        let business_admin = self.user(Role::BusinessAdmin, Some(business));
        let employee = self.user(Role::Member, Some(business));
        let staff = self.user(Role::Staff, None);
        let admin = self.user(Role::Admin, None);
        let controller = self.user(Role::Staff, None);
        let (spare_token, _) = self.named_token(owner.id, None);
        let (_, device) = self.named_token(controller.id, Some(ResourceId::new(machine)));
        let tokens = vec![
            (Caller::Owner, self.token(&owner)),
            (Caller::Other, self.token(&other)),
            (Caller::BusinessAdmin, self.token(&business_admin)),
            (Caller::Tutor, self.token(&training.tutor_user)),
            (Caller::Staff, self.token(&staff)),
            (Caller::Admin, self.token(&admin)),
            (Caller::Device, device.clone()),
        ];
        let token_of = |user: &TestUser| self.token(user);
        let (owner_token, employee_token, staff_token) =
            (token_of(&owner), token_of(&employee), token_of(&staff));

        let session = self.session(&training, weekday_at(10, 10), 5).id.get();
        let spare_session = self.session(&training, weekday_at(10, 15), 5).id.get();
        let other_session = self.session(&elsewhere, weekday_at(10, 10), 5).id.get();
        let (start, end) = (weekday_at(5, 10), weekday_at(5, 11));
        let booking = |token: String, from: DateTime<Utc>| async move {
            let body = json!({"resource_id": machine, "starts_at": rfc(from),
                "ends_at": rfc(from + Duration::hours(1))});
            id_of(
                &self
                    .arrange(&token, Method::POST, "/bookings", body, 201)
                    .await,
            )
        };
        let owner_booking = booking(owner_token.clone(), start).await;
        let employee_booking = booking(employee_token.clone(), weekday_at(5, 12)).await;
        let sign_up = |token: String, session: i64| async move {
            let path = format!("/training-sessions/{session}/enrollments");
            id_of(
                &self
                    .arrange(&token, Method::POST, &path, json!({}), 201)
                    .await,
            )
        };
        let enrollment = sign_up(owner_token.clone(), session).await;
        let employee_enrollment = sign_up(employee_token, other_session).await;

        let now = Utc::now();
        let usage = json!({"resource_id": machine, "customer_id": owner.customer_id.get(),
            "user_id": owner.id.get(), "started_at": rfc(now - Duration::hours(3)),
            "ended_at": rfc(now - Duration::hours(2)), "note": "Walk-in"});
        let usage = id_of(
            &self
                .arrange(&staff_token, Method::POST, "/usage", usage, 201)
                .await,
        );
        let stop = json!({"event_id": "lonely-stop", "resource_id": machine, "kind": "stop",
            "at": rfc(now - Duration::hours(1))});
        self.arrange(&device, Method::POST, "/usage-events", stop, 201)
            .await;
        let event: i64 = usage_events::table
            .filter(usage_events::event_id.eq("lonely-stop"))
            .select(usage_events::id)
            .first(&mut *self.db.conn())
            .expect("the stored stop");

        let month = this_month();
        let plan = json!({"name": "Maker", "monthly_fee": "10.00"});
        let plan = id_of(
            &self
                .arrange(&staff_token, Method::POST, "/plans", plan, 201)
                .await,
        );
        let subscription = json!({"customer_id": owner.customer_id.get(), "plan_id": plan,
            "first_month": month.to_string()});
        let subscription = id_of(
            &self
                .arrange(
                    &staff_token,
                    Method::POST,
                    "/subscriptions",
                    subscription,
                    201,
                )
                .await,
        );

        {
            let mut conn = self.db.conn();
            Charge::new(owner.customer_id, 1, "manual").write(&mut conn);
            Charge::new(business, 2, "manual").write(&mut conn);
        }
        let invoice = self
            .issued_invoice_of(&staff_token, owner.customer_id)
            .await;
        let business_invoice = id_of(&self.issued_invoice_of(&staff_token, business).await);
        let today = WorkshopTz::DEFAULT.local_date(now).to_string();
        let payment = json!({"paid_on": today, "amount": "1.00", "method": "transfer"});
        let payments = format!("/invoices/{}/payments", id_of(&invoice));
        self.arrange(&staff_token, Method::POST, &payments, payment, 201)
            .await;
        // A charge after the month was issued waits for next month's run: the owner's draft.
        Charge::new(owner.customer_id, 3, "manual").write(&mut self.db.conn());
        let next_month = month.next().to_string();
        let run = json!({"month": next_month});
        self.arrange(&staff_token, Method::POST, "/invoice-runs", run, 201)
            .await;
        let drafts = format!(
            "/invoices?month={next_month}&status=draft&customer_id={}",
            owner.customer_id.get()
        );
        let drafts = json_of(
            self.api_get(&staff_token, &format!("/api/v1{drafts}"))
                .await,
        )
        .await;
        let draft = id_of(&drafts["items"][0]);
        let draft_lines = json_of(
            self.api_get(&staff_token, &format!("/api/v1/invoices/{draft}"))
                .await,
        )
        .await;
        let hours = self.api_get(&staff_token, "/api/v1/opening-hours").await;
        let hours = hours.text().await.expect("opening hours");

        let fixture = AccessFixture {
            tokens,
            values: vec![
                ("machine", machine.to_string()),
                ("tutor", training.tutor.get().to_string()),
                ("other_tutor", elsewhere.tutor.get().to_string()),
                ("course", training.course.id.get().to_string()),
                ("session", session.to_string()),
                ("spare_session", spare_session.to_string()),
                ("other_session", other_session.to_string()),
                ("owner", owner.id.get().to_string()),
                ("customer", owner.customer_id.get().to_string()),
                ("employee", employee.id.get().to_string()),
                ("business", business.get().to_string()),
                ("booking", owner_booking.to_string()),
                ("employee_booking", employee_booking.to_string()),
                ("start", rfc(start)),
                ("end", rfc(end)),
                ("enrollment", enrollment.to_string()),
                ("employee_enrollment", employee_enrollment.to_string()),
                ("usage", usage.to_string()),
                ("event", event.to_string()),
                ("token", spare_token.to_string()),
                ("plan", plan.to_string()),
                ("subscription", subscription.to_string()),
                ("qualification", training.qualification.get().to_string()),
                ("invoice", id_of(&invoice).to_string()),
                ("invoice_line", id_of(&invoice["lines"][0]).to_string()),
                ("business_invoice", business_invoice.to_string()),
                ("draft", draft.to_string()),
                ("draft_line", id_of(&draft_lines["lines"][0]).to_string()),
                ("month", month.to_string()),
                ("next_month", next_month),
                ("today", today),
                ("recent", rfc(now - Duration::minutes(30))),
                ("from", query_instant(now)),
                ("to", query_instant(now + Duration::days(14))),
                ("opening_hours", hours),
            ],
            owner,
            other,
            business_admin,
            staff,
            qualification: training.qualification,
        };
        fixture.grant_qualification(self);
        fixture
    }
}
