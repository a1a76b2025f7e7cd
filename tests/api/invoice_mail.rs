//! Issued documents are mailed through the outbox with their stored PDF attached; staff can
//! resend them; a business's invoice goes to its billing address.
use mail_parser::MimeHeaders;
use obrador::domain::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::billing::{charge, json_of};
use crate::helpers::smtp::{app_with_smtp, ReceivedMail};

fn pdf_attachment(mail: &ReceivedMail) -> (String, Vec<u8>) {
    let parsed = mail.parsed();
    let part = parsed
        .attachments()
        .find(|a| a.is_content_type("application", "pdf"))
        .expect("a PDF attachment");
    (
        part.attachment_name().unwrap_or_default().to_string(),
        part.contents().to_vec(),
    )
}

#[tokio::test]
async fn an_issued_invoice_is_mailed_with_its_pdf_and_staff_can_resend_it() {
    let (smtp, app) = app_with_smtp().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 1, "usage", 90, 2517);
    }
    let invoice = app.issued_invoice_of(&staff, ana.customer_id).await;
    let id = invoice["id"].as_i64().expect("id");
    let number = invoice["number"].as_str().expect("number").to_string();

    let received = smtp.wait_for(1).await;
    let mail = &received[0];
    assert_eq!(mail.rcpt_to.len(), 1);
    assert_eq!(mail.rcpt_to[0], ana.email);
    let subject = mail.parsed().subject().unwrap_or_default().to_string();
    assert!(subject.contains(&number), "{subject}");
    assert!(mail.text().contains(&format!("/invoices/{id}")));
    let (filename, bytes) = pdf_attachment(mail);
    assert_eq!(filename, format!("{number}.pdf"));
    // The attachment is the stored document, byte for byte.
    let stored = app
        .api_get(&staff, &format!("/api/v1/invoices/{id}/pdf"))
        .await
        .bytes()
        .await
        .expect("pdf");
    assert_eq!(bytes, stored.to_vec());

    let resent = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/invoices/{id}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(resent.status(), 202);
    assert_eq!(json_of(resent).await["queued"], 1);
    let received = smtp.wait_for(2).await;
    assert_ne!(received[1].message_id(), received[0].message_id());
    assert_eq!(pdf_attachment(&received[1]).1, bytes);

    // Only staff resend, and only issued documents.
    let member = app
        .api_send(
            Method::POST,
            &app.token(&ana),
            &format!("/api/v1/invoices/{id}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(member.status(), 403);
}

#[tokio::test]
async fn a_business_invoice_goes_to_its_billing_address_and_a_credit_note_is_mailed_too() {
    let (smtp, app) = app_with_smtp().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let business = app.business("Fusteria Pi SL");
    let worker = app.user(Role::Member, Some(business));
    {
        let mut conn = app.db.conn();
        charge(&mut conn, business, 1, "seat", 1, 4000);
    }
    let invoice = app.issued_invoice_of(&staff, business).await;
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].rcpt_to.len(), 1);
    assert!(received[0].rcpt_to[0].starts_with("billing"));
    assert_ne!(received[0].rcpt_to[0], worker.email);

    let id = invoice["id"].as_i64().expect("id");
    let note = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/invoices/{id}/credit-notes"),
            json!({"reason": "Seat not taken"}),
        )
        .await;
    assert_eq!(note.status(), 201);
    let note = json_of(note).await;
    let received = smtp.wait_for(2).await;
    let text = received[1].text();
    assert!(text.contains(note["number"].as_str().expect("number")));
    assert!(text.contains(invoice["number"].as_str().expect("number")));
    let (filename, _) = pdf_attachment(&received[1]);
    assert!(filename.starts_with('R'));
}
