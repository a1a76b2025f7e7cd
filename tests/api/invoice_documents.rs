//! Invoice documents over HTTP: the PDF of an issued invoice (the same bytes every time, its text
//! readable, only for its customer and staff), drafts hidden from customers, and the customer's
//! "My invoices" screens with their PDF link.
use obrador::domain::{CustomerId, Role};
use reqwest::Response;
use serde_json::Value;

use crate::helpers::billing::charge;
use crate::helpers::{spawn_app_with, TestApp};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

/// The product brief's worked case for `customer`: nets 37.76, 26.80 and 5.50 → total 84.77.
fn worked_case(app: &TestApp, customer: CustomerId, first_source: i64) {
    let mut conn = app.db.conn();
    charge(&mut conn, customer, first_source, "usage", 90, 2517);
    charge(&mut conn, customer, first_source + 1, "seat", 2, 1340);
    charge(&mut conn, customer, first_source + 2, "late_cancel", 1, 550);
}

fn id_and_number(issued: &Value) -> (i64, String) {
    let id = issued["id"].as_i64().expect("id");
    let number = issued["number"].as_str().expect("number").to_string();
    (id, number)
}

/// A PDF response's bytes, after checking its headers name `filename`.
async fn pdf_bytes(response: Response, filename: &str) -> Vec<u8> {
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response.headers()[name]
            .to_str()
            .expect("ascii header")
            .to_string()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        format!("inline; filename=\"{filename}\"")
    );
    response.bytes().await.expect("body").to_vec()
}

fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text is extractable")
}

#[tokio::test]
async fn an_issued_invoices_pdf_is_the_same_every_time_and_only_its_customers() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    worked_case(&app, ana.customer_id, 1);
    let issued = app.issued_invoice_of(&staff, ana.customer_id).await;
    let (id, number) = id_and_number(&issued);
    let (path, filename) = (
        format!("/api/v1/invoices/{id}/pdf"),
        format!("{number}.pdf"),
    );

    let ana_token = app.token(&ana);
    let first = pdf_bytes(app.api_get(&ana_token, &path).await, &filename).await;
    let second = pdf_bytes(app.api_get(&ana_token, &path).await, &filename).await;
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(first, second, "the same document, byte for byte");
    let text = text_of(&first);
    for expected in [number.as_str(), "70.06 €", "14.71 €", "84.77 €"] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    // Staff get the very same file; another customer and strangers do not.
    assert_eq!(
        pdf_bytes(app.api_get(&staff, &path).await, &filename).await,
        first
    );
    let bea_token = app.token(&bea);
    assert_eq!(app.api_get(&bea_token, &path).await.status(), 404);
    let anonymous = app.client.get(app.url(&path)).send().await.expect("sent");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        app.api_get(&ana_token, "/api/v1/invoices/999999/pdf")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_drafts_pdf_is_hidden_from_its_customer_and_marked_draft_for_staff() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    worked_case(&app, ana.customer_id, 1);
    app.run_month(&staff).await;
    let draft = app
        .month_invoices(&staff, "&status=draft")
        .await
        .into_iter()
        .find(|i| i["customer_id"] == ana.customer_id.get())
        .expect("ana's draft");
    let id = draft["id"].as_i64().expect("id");
    let path = format!("/api/v1/invoices/{id}/pdf");

    assert_eq!(app.api_get(&app.token(&ana), &path).await.status(), 404);
    let preview = pdf_bytes(app.api_get(&staff, &path).await, &format!("draft-{id}.pdf")).await;
    let text = text_of(&preview);
    assert!(text.contains("DRAFT"), "{text}");
    assert!(text.contains("84.77 €"), "{text}");
}

#[tokio::test]
async fn my_invoices_show_the_owners_documents_and_nobody_elses() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    worked_case(&app, ana.customer_id, 1);
    let (id, number) = id_and_number(&app.issued_invoice_of(&staff, ana.customer_id).await);

    let browser = app.browser_for(&ana).await;
    let list = browser.page("/invoices").await;
    for expected in [
        number.as_str(),
        "84.77 €",
        "unpaid",
        &format!("/invoices/{id}"),
    ] {
        assert!(
            list.contains(expected),
            "{expected:?} missing from the list"
        );
    }
    let page = browser.page(&format!("/invoices/{id}")).await;
    for expected in [
        number.as_str(),
        "70.06 €",
        "84.77 €",
        "Taxable base",
        &format!("/invoices/{id}/pdf"),
    ] {
        assert!(
            page.contains(expected),
            "{expected:?} missing from the page"
        );
    }
    let filename = format!("{number}.pdf");
    let from_web = pdf_bytes(browser.get(&format!("/invoices/{id}/pdf")).await, &filename).await;
    let api = format!("/api/v1/invoices/{id}/pdf");
    let from_api = pdf_bytes(app.api_get(&app.token(&ana), &api).await, &filename).await;
    assert_eq!(from_web, from_api, "the screen serves the API's bytes");

    let other = app.browser_for(&bea).await;
    assert!(!other.page("/invoices").await.contains(&number));
    assert_eq!(other.get(&format!("/invoices/{id}")).await.status(), 404);
    assert_eq!(
        other.get(&format!("/invoices/{id}/pdf")).await.status(),
        404
    );
}

#[tokio::test]
async fn a_business_invoices_are_its_admins_and_its_members_are_told_so() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let business = app.business("Fusteria Nova SL");
    let admin = app.user(Role::BusinessAdmin, Some(business));
    let member = app.user(Role::Member, Some(business));
    worked_case(&app, business, 1);
    let (id, number) = id_and_number(&app.issued_invoice_of(&staff, business).await);

    let list = app.browser_for(&admin).await.page("/invoices").await;
    assert!(
        list.contains(&number),
        "the admin sees the business's invoice"
    );

    let browser = app.browser_for(&member).await;
    let list = browser.page("/invoices").await;
    assert!(!list.contains(&number));
    assert!(list.contains("administrators"), "the member is told why");
    assert_eq!(browser.get(&format!("/invoices/{id}")).await.status(), 404);
}
