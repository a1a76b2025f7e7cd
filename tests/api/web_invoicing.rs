//! The invoicing screens, driven like a browser: drafting the month, reviewing a draft (adjust,
//! remove and add lines, notes), issuing the ticked drafts or all of them, the chain's check,
//! recording payments, refusals shown inline that change nothing, and who may use the screens —
//! with the API as the proof of what changed.
use chrono::{Datelike, Utc};
use obrador::domain::{LocalMonth, Role, WorkshopTz};
use obrador::services::{accounts, By};
use reqwest::Response;
use serde_json::Value;

use crate::helpers::billing::{charge, json_of, this_month};
use crate::helpers::pages::{assert_shown, location};
use crate::helpers::{spawn_app_with, Browser, TestApp, TestUser};

const TZ: WorkshopTz = WorkshopTz::DEFAULT;

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

fn year() -> i32 {
    TZ.local_date(Utc::now()).year()
}

/// The name the screens show for a customer account.
fn account_name(app: &TestApp, user: &TestUser) -> String {
    let names =
        accounts::customer_names(&mut app.db.conn(), &By::System("test"), &[user.customer_id])
            .expect("names");
    names[&user.customer_id].clone()
}

/// An invoice as the API shows it to staff.
async fn invoice_json(app: &TestApp, staff: &str, id: i64) -> Value {
    json_of(app.api_get(staff, &format!("/api/v1/invoices/{id}")).await).await
}

/// The id of `user`'s invoice of this month, from the API's list.
async fn invoice_of(app: &TestApp, staff: &str, user: &TestUser) -> i64 {
    app.month_invoices(staff, "")
        .await
        .iter()
        .find(|i| i["customer_id"] == user.customer_id.get())
        .and_then(|i| i["id"].as_i64())
        .expect("the customer's invoice")
}

/// Drafts this month from its page and answers the page the redirect leads to.
async fn draft_month(desk: &Browser) -> String {
    let month = this_month().to_string();
    let page = format!("/staff/invoices?month={month}");
    let response = desk
        .submit(&page, "/staff/invoices/run", &[("month", &month)])
        .await;
    assert_eq!(response.status(), 303);
    let next = location(&response);
    assert!(next.starts_with(&page), "{next}");
    desk.page(&next).await
}

#[tokio::test]
async fn staff_draft_the_month_review_a_draft_and_issue_the_ticked_then_all() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    // Ana: 1 h 30 at 25.17 €/h = 37.76 and a seat of 26.80; Bea: 1 h at 20.00.
    charge(&mut app.db.conn(), ana.customer_id, 1, "usage", 90, 2517);
    charge(&mut app.db.conn(), ana.customer_id, 2, "seat", 1, 2680);
    charge(&mut app.db.conn(), bea.customer_id, 3, "usage", 60, 2000);
    let month = this_month().to_string();
    let month_page = format!("/staff/invoices?month={month}");

    // The default month is the previous one; the menu leads here.
    let first = desk.page("/staff/invoices").await;
    let previous = LocalMonth::of(this_month().first_day().pred_opt().expect("a day before"));
    assert!(first.contains(&format!("Invoices of {previous}")));
    assert!(first.contains(r#"href="/staff/invoices""#), "in the menu");
    assert!(first.contains(&format!(
        r#"href="/staff/invoices/export.csv?month={previous}""#
    )));
    let empty = desk.page(&month_page).await;
    assert!(empty.contains(&format!("No invoices for {month} yet.")));

    let drafted = draft_month(&desk).await;
    assert!(
        drafted.contains(&format!(
            "Drafted {month}: 2 new drafts, 3 lines added (2 customers with open charges)."
        )),
        "the run is reported"
    );
    assert!(drafted.contains(&account_name(&app, &ana)));
    assert!(drafted.contains(&account_name(&app, &bea)));
    // 64.56 + 21 % (13.56) = 78.12; 20.00 + 4.20 = 24.20.
    assert!(drafted.contains("78.12 €"));
    assert!(drafted.contains("24.20 €"));
    assert_eq!(
        drafted.matches(r#"name="ids""#).count(),
        2,
        "a box per draft"
    );
    let again = draft_month(&desk).await;
    assert!(again.contains(&format!(
        "Nothing new to draft for {month}: there are no open charges."
    )));

    // Review Ana's draft.
    let id = invoice_of(&app, &staff, &ana).await;
    let before = invoice_json(&app, &staff, id).await;
    let usage_line = before["lines"][0]["id"].as_i64().expect("line");
    let seat_line = before["lines"][1]["id"].as_i64().expect("line");
    let detail = format!("/staff/invoices/{id}");
    let page = desk.page(&detail).await;
    assert!(page.contains(&format!("Draft invoice for {}", account_name(&app, &ana))));
    assert!(page.contains("invoice-document"), "the document's preview");
    assert!(
        page.contains("Time in minutes"),
        "a time line takes minutes"
    );
    assert!(page.contains(r#"value="90""#));
    assert!(page.contains("the charge moves to next month"));

    // Bad input: nothing changes, the problem is on the page.
    let adjust = format!("{detail}/lines/{usage_line}");
    let refused = desk
        .submit(
            &detail,
            &adjust,
            &[
                ("description", " "),
                ("quantity", "60"),
                ("unit_price", "20.00"),
            ],
        )
        .await;
    let html = assert_shown(refused, 422, "Describe the line").await;
    assert!(
        html.contains(r#"aria-invalid="true""#),
        "the field is marked"
    );
    let refused = desk
        .submit(
            &detail,
            &adjust,
            &[
                ("description", "x"),
                ("quantity", "0"),
                ("unit_price", "20.00"),
            ],
        )
        .await;
    assert_shown(refused, 422, "is not a whole number from 1 to 1,000,000").await;
    let refused = desk
        .submit(
            &detail,
            &format!("{detail}/lines"),
            &[
                ("description", ""),
                ("quantity", "1"),
                ("unit_price", "5"),
                ("vat_category", "standard"),
            ],
        )
        .await;
    assert_shown(refused, 422, "Describe the line").await;
    let refused = desk
        .submit(
            &detail,
            &format!("{detail}/lines"),
            &[
                ("description", "Plywood"),
                ("quantity", "1"),
                ("unit_price", "5,50"),
                ("vat_category", "standard"),
            ],
        )
        .await;
    let html = assert_shown(refused, 422, "with a dot before the cents").await;
    assert!(
        html.contains(r#"value="Plywood""#),
        "the form keeps what was typed"
    );
    assert_eq!(
        invoice_json(&app, &staff, id).await,
        before,
        "nothing changed"
    );

    // Adjust the time line: 1 h at 20.00 instead of 1 h 30 at 25.17.
    let response = desk
        .submit(
            &detail,
            &adjust,
            &[
                ("description", "Laser cutter, courtesy rate"),
                ("quantity", "60"),
                ("unit_price", "20.00"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{detail}?done=adjusted#line-{usage_line}")
    );
    let invoice = invoice_json(&app, &staff, id).await;
    assert_eq!(invoice["lines"][0]["net"]["amount"], "20.00");
    // 20.00 + 26.80 = 46.80, VAT 9.83.
    assert_eq!(invoice["totals"]["total"]["amount"], "56.63");
    let page = desk.page(&format!("{detail}?done=adjusted")).await;
    assert!(page.contains("The line was saved"));
    assert!(page.contains("56.63"));

    // Remove the seat: its charge waits for next month.
    let response = desk
        .submit(&detail, &format!("{detail}/lines/{seat_line}/remove"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let invoice = invoice_json(&app, &staff, id).await;
    assert_eq!(invoice["lines"].as_array().expect("lines").len(), 1);
    assert_eq!(invoice["totals"]["total"]["amount"], "24.20");

    // Add a line and notes.
    let response = desk
        .submit(
            &detail,
            &format!("{detail}/lines"),
            &[
                ("description", "Material: plywood 4 mm"),
                ("quantity", "2"),
                ("unit_price", "6.50"),
                ("vat_category", "standard"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = desk
        .submit(
            &detail,
            &format!("{detail}/notes"),
            &[("notes", "Thank you!")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let invoice = invoice_json(&app, &staff, id).await;
    let lines = invoice["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["description"], "Material: plywood 4 mm");
    assert_eq!(lines[1]["net"]["amount"], "13.00");
    // 33.00 + 6.93 = 39.93.
    assert_eq!(invoice["totals"]["total"]["amount"], "39.93");
    assert_eq!(invoice["notes"], "Thank you!");

    // Nothing ticked is a refusal; then Ana's draft alone, then all the rest.
    let refused = desk
        .submit(
            &month_page,
            "/staff/invoices/issue",
            &[("month", &month), ("scope", "selected")],
        )
        .await;
    assert_shown(refused, 422, "Tick the drafts to issue").await;
    let ana_id = id.to_string();
    let response = desk
        .submit(
            &month_page,
            "/staff/invoices/issue",
            &[("month", &month), ("scope", "selected"), ("ids", &ana_id)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = desk.page(&location(&response)).await;
    let first_number = format!("F{}-000001", year());
    assert!(page.contains("Issued 1 invoice."));
    assert!(page.contains(&first_number));
    assert!(
        page.contains("unpaid"),
        "an issued invoice's payment status"
    );
    assert_eq!(
        page.matches(r#"name="ids""#).count(),
        1,
        "Bea's draft is left"
    );
    assert_eq!(invoice_json(&app, &staff, id).await["number"], first_number);

    let response = desk
        .submit(
            &month_page,
            "/staff/invoices/issue",
            &[("month", &month), ("scope", "all")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = desk.page(&location(&response)).await;
    assert!(page.contains(&format!("F{}-000002", year())));
    assert!(!page.contains(r#"name="ids""#), "no drafts left");
    let bea_id = invoice_of(&app, &staff, &bea).await;
    assert_eq!(
        invoice_json(&app, &staff, bea_id).await["number"],
        format!("F{}-000002", year())
    );

    // Issuing again is refused with the reason; with nothing left, "all" has nothing to do.
    let refused = desk
        .submit(
            &month_page,
            "/staff/invoices/issue",
            &[("month", &month), ("scope", "selected"), ("ids", &ana_id)],
        )
        .await;
    assert_shown(refused, 409, &format!("{first_number} is already issued")).await;
    let refused = desk
        .submit(
            &month_page,
            "/staff/invoices/issue",
            &[("month", &month), ("scope", "all")],
        )
        .await;
    assert_shown(refused, 422, &format!("There are no drafts in {month}")).await;

    // An issued invoice has no review tools, and the screen refuses changes.
    let page = desk.page(&detail).await;
    assert!(page.contains(&format!("Invoice {first_number}")));
    assert!(!page.contains(&format!("{detail}/lines")));
    let refused = desk
        .submit(&detail, &format!("{detail}/notes"), &[("notes", "late")])
        .await;
    assert_shown(refused, 409, "An issued invoice cannot be changed").await;

    // The chain holds both and is intact.
    let chain = desk.page(&format!("{month_page}&verify=yes")).await;
    assert!(
        chain.contains("Intact: 2 issued documents."),
        "the chain panel"
    );
    let bad_month = desk.get("/staff/invoices?month=2026-13").await;
    assert_shown(bad_month, 422, "is not a month").await;
}

/// Records a payment of invoice `id` on its page.
async fn pay(desk: &Browser, id: i64, paid_on: &str, amount: &str, method: &str) -> Response {
    let detail = format!("/staff/invoices/{id}");
    let fields = [
        ("paid_on", paid_on),
        ("amount", amount),
        ("method", method),
        ("reference", "TR-1"),
    ];
    desk.submit(&detail, &format!("{detail}/payments"), &fields)
        .await
}

#[tokio::test]
async fn staff_record_payments_and_see_the_status_change() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let ana = app.user(Role::Member, None);
    charge(&mut app.db.conn(), ana.customer_id, 1, "usage", 60, 2000);
    draft_month(&desk).await;
    let id = invoice_of(&app, &staff, &ana).await;
    let detail = format!("/staff/invoices/{id}");
    let draft = desk.page(&detail).await;
    assert!(!draft.contains("Record payment"), "a draft is not paid");
    let response = desk.submit(&detail, &format!("{detail}/issue"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{detail}?done=issued#main"));

    let page = desk.page(&detail).await;
    assert!(page.contains("Record payment"));
    assert!(page.contains("unpaid"));
    assert!(
        page.contains(r#"value="24.20""#),
        "the outstanding amount is offered"
    );
    let today = TZ.local_date(Utc::now()).to_string();
    let payments_path = format!("/api/v1/invoices/{id}/payments");
    // Bad input changes nothing.
    let pay = |amount, method| pay(&desk, id, &today, amount, method);
    assert_shown(
        pay("-5", "transfer").await,
        422,
        "A payment is a positive amount",
    )
    .await;
    assert_shown(pay("5", "barter").await, 422, "Choose a method").await;
    let future = self::pay(&desk, id, "2999-01-01", "5", "cash").await;
    assert_shown(future, 422, "cannot be dated in the future").await;
    let none = json_of(app.api_get(&staff, &payments_path).await).await;
    assert_eq!(none["payments"].as_array().expect("payments").len(), 0);

    let response = pay("10", "transfer").await;
    assert_eq!(response.status(), 303);
    let page = desk.page(&location(&response)).await;
    assert!(page.contains("The payment was recorded."));
    assert!(page.contains("partly paid"));
    assert!(page.contains("14.20"));
    assert!(page.contains("TR-1"));
    assert!(page.contains("Bank transfer"));
    assert_shown(
        pay("20", "transfer").await,
        409,
        "Only 14.20 EUR is outstanding",
    )
    .await;

    let response = pay("14.20", "card").await;
    assert_eq!(response.status(), 303);
    let page = desk.page(&detail).await;
    assert!(page.contains(r#"class="state">paid<"#));
    assert!(!page.contains("Record payment"), "nothing is left to pay");
    let paid = json_of(app.api_get(&staff, &payments_path).await).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"].as_array().expect("payments").len(), 2);
    let month_page = desk
        .page(&format!("/staff/invoices?month={}", this_month()))
        .await;
    assert!(month_page.contains(">paid<"), "the month's table shows it");
}

#[tokio::test]
async fn members_may_not_use_the_screens_and_forms_need_their_token() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let ana = app.user(Role::Member, None);
    charge(&mut app.db.conn(), ana.customer_id, 1, "usage", 60, 2000);
    let month = this_month().to_string();

    // A form without its token (or with another) is refused and drafts nothing.
    desk.page("/staff/invoices").await;
    let bare = desk
        .client
        .post(desk.url("/staff/invoices/run"))
        .form(&[("month", month.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(bare.status(), 403);
    let forged = desk
        .client
        .post(desk.url("/staff/invoices/run"))
        .form(&[("csrf_token", "0".repeat(64).as_str()), ("month", &month)])
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 403);
    let list = json_of(
        app.api_get(&staff, &format!("/api/v1/invoices?month={month}"))
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().expect("items").len(), 0);

    draft_month(&desk).await;
    let id = invoice_of(&app, &staff, &ana).await;
    let member = app.browser_for(&ana).await;
    for path in [
        "/staff/invoices".to_string(),
        format!("/staff/invoices?month={month}"),
        format!("/staff/invoices/{id}"),
    ] {
        assert_eq!(member.get(&path).await.status(), 403, "{path}");
    }
    let home = member.page("/").await;
    assert!(
        !home.contains(r#"href="/staff/invoices""#),
        "not in a member's menu"
    );
    let refused = member
        .submit("/account", &format!("/staff/invoices/{id}/issue"), &[])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(invoice_json(&app, &staff, id).await["number"].is_null());
    let visitor = app.browser();
    assert_ne!(visitor.get("/staff/invoices").await.status(), 200);
    assert_eq!(desk.get("/staff/invoices/999999").await.status(), 404);
}

#[tokio::test]
async fn staff_mail_an_issued_invoice_again_and_credit_it_from_its_page() {
    use diesel::prelude::*;
    use obrador::db::schema::outbox;

    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let ana = app.user(Role::Member, None);
    charge(&mut app.db.conn(), ana.customer_id, 1, "seat", 1, 4000);
    let invoice = app.issued_invoice_of(&staff, ana.customer_id).await;
    let id = invoice["id"].as_i64().expect("id");
    let browser = app.browser_for(&staff_user).await;
    let page = format!("/staff/invoices/{id}");

    let resent = browser
        .submit(&page, &format!("/staff/invoices/{id}/resend"), &[])
        .await;
    assert_eq!(resent.status(), 303);
    let mails: Vec<String> = outbox::table
        .select(outbox::key)
        .load(&mut app.db.conn())
        .expect("outbox");
    let about: Vec<&String> = mails
        .iter()
        .filter(|k| k.starts_with("invoice-") && k.contains(&id.to_string()))
        .collect();
    assert_eq!(about.len(), 2, "issued and resent: {about:?}");

    // A credit note needs a reason; without one nothing is issued.
    let refused = browser
        .submit(
            &page,
            &format!("/staff/invoices/{id}/credit-note"),
            &[("reason", " ")],
        )
        .await;
    assert_shown(refused, 422, "Say why").await;
    assert!(app
        .month_invoices(&staff, "")
        .await
        .iter()
        .all(|i| i["kind"] == "invoice"));
    let credited = browser
        .submit(
            &page,
            &format!("/staff/invoices/{id}/credit-note"),
            &[("reason", "Seat cancelled by the workshop")],
        )
        .await;
    assert_eq!(credited.status(), 303);
    let notes: Vec<Value> = app
        .month_invoices(&staff, "")
        .await
        .into_iter()
        .filter(|i| i["kind"] == "credit_note")
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["totals"]["total"]["amount"], "-48.40");
    assert_eq!(notes[0]["corrects"], invoice["number"]);
    // Nothing is left to credit: a second one is refused on the page.
    let again = browser
        .submit(
            &page,
            &format!("/staff/invoices/{id}/credit-note"),
            &[("reason", "again")],
        )
        .await;
    assert_shown(again, 409, "already fully credited").await;
}
