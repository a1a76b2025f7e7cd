//! The staff screens for membership plans, driven like a browser: defining a plan with included
//! hours, its refusals shown inline, subscribing a customer from their page and ending the
//! subscription — with the API as the proof of what changed — and who may post which form.
use chrono::Duration;
use diesel::prelude::*;
use obrador::db::schema::machine_categories;
use obrador::domain::{LocalMonth, Role};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::billing::{json_of, this_month};
use crate::helpers::pages::{assert_shown, id_in, location};
use crate::helpers::{spawn_app_with, Browser, TestApp, TestUser};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

fn category(app: &TestApp, name: &str) -> i64 {
    diesel::insert_into(machine_categories::table)
        .values((
            machine_categories::name.eq(name),
            machine_categories::description.eq(""),
        ))
        .returning(machine_categories::id)
        .get_result(&mut *app.db.conn())
        .expect("category")
}

/// Every plan, as the API lists them.
async fn plans(app: &TestApp, token: &str) -> Vec<Value> {
    let list = json_of(app.api_get(token, "/api/v1/plans").await).await;
    list["items"].as_array().expect("items").clone()
}

/// A customer's subscriptions, as the API lists them.
async fn subscriptions(app: &TestApp, token: &str, user: &TestUser) -> Vec<Value> {
    let path = format!("/api/v1/subscriptions?customer_id={}", user.customer_id);
    let list = json_of(app.api_get(token, &path).await).await;
    list["items"].as_array().expect("items").clone()
}

/// A plan defined over the API; answers its id.
async fn api_plan(app: &TestApp, token: &str, name: &str) -> i64 {
    let made = app
        .api_send(
            Method::POST,
            token,
            "/api/v1/plans",
            json!({"name": name, "monthly_fee": "35.00"}),
        )
        .await;
    assert_eq!(made.status(), 201);
    json_of(made).await["id"].as_i64().expect("id")
}

fn previous(month: LocalMonth) -> LocalMonth {
    LocalMonth::of(month.first_day() - Duration::days(1))
}

// --- the plans page ----------------------------------------------------------------------------

#[tokio::test]
async fn staff_define_a_plan_with_included_hours_and_see_it_listed() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let laser = category(&app, "Laser");
    let cnc = category(&app, "CNC");
    let desk = app.browser_for(&staff_user).await;

    let empty = desk.page("/staff/plans").await;
    assert!(
        empty.contains(r#"href="/staff/plans""#),
        "Plans is in the menu"
    );
    assert!(empty.contains("No plans yet."));
    let laser_field = format!("hours_{laser}");
    let cnc_field = format!("hours_{cnc}");
    assert!(empty.contains(&format!(r#"name="{laser_field}""#)));
    assert!(
        empty.contains(&format!(r#"for="f-{cnc_field}""#)),
        "labelled"
    );

    let made = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[
                ("name", "Maker"),
                ("monthly_fee", "35.00"),
                ("discount_percent", "10"),
                (&laser_field, "4"),
                (&cnc_field, ""),
            ],
        )
        .await;
    assert_eq!(made.status(), 303);
    assert_eq!(location(&made), "/staff/plans?done=created");
    let listed = desk.page(&location(&made)).await;
    assert!(listed.contains("The plan was created."));
    assert!(listed.contains(">Maker<"));
    assert!(listed.contains("35.00 €"));
    assert!(listed.contains("10 %"));
    assert!(
        listed.contains("Laser: 4 h"),
        "included hours shown as hours"
    );
    assert!(!listed.contains("CNC: "), "nothing included for the CNC");

    // Hours may be decimal: 2.5 h are 150 minutes.
    let light = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[
                ("name", "Light"),
                ("monthly_fee", "12"),
                (&cnc_field, "2.5"),
            ],
        )
        .await;
    assert_eq!(light.status(), 303);
    assert!(desk.page("/staff/plans").await.contains("CNC: 2.5 h"));

    let all = plans(&app, &staff).await;
    assert_eq!(all.len(), 2);
    let maker = all.iter().find(|p| p["name"] == "Maker").expect("Maker");
    assert_eq!(maker["monthly_fee"]["amount"], "35.00");
    assert_eq!(maker["discount_percent"], 10);
    assert_eq!(maker["included"].as_array().expect("included").len(), 1);
    assert_eq!(maker["included"][0]["category_id"], laser);
    assert_eq!(maker["included"][0]["minutes"], 240);
    let light = all.iter().find(|p| p["name"] == "Light").expect("Light");
    assert_eq!(light["discount_percent"], 0, "an empty discount is none");
    assert_eq!(light["included"][0]["category_id"], cnc);
    assert_eq!(light["included"][0]["minutes"], 150);
}

#[tokio::test]
async fn a_duplicate_name_or_bad_numbers_are_shown_on_the_form_and_create_nothing() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let laser = category(&app, "Laser");
    let laser_field = format!("hours_{laser}");
    api_plan(&app, &staff, "Maker").await;
    let desk = app.browser_for(&staff_user).await;

    let twice = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[("name", " Maker "), ("monthly_fee", "20")],
        )
        .await;
    let html = assert_shown(twice, 409, "exists already").await;
    assert!(html.contains(r#"aria-invalid="true""#), "on the name field");
    assert!(
        html.contains(r#"value="20""#),
        "the form keeps what was typed"
    );
    assert_eq!(plans(&app, &staff).await.len(), 1, "no second plan");

    let discount = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[
                ("name", "Generous"),
                ("monthly_fee", "20"),
                ("discount_percent", "150"),
            ],
        )
        .await;
    let html = assert_shown(discount, 422, "The discount is 0 to 100 percent.").await;
    assert!(html.contains(r#"value="Generous""#));
    let not_a_number = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[
                ("name", "Generous"),
                ("monthly_fee", "20"),
                ("discount_percent", "ten"),
            ],
        )
        .await;
    assert_shown(not_a_number, 422, "is not a whole percent").await;

    let hours = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[
                ("name", "Generous"),
                ("monthly_fee", "20"),
                (&laser_field, "2,5"),
            ],
        )
        .await;
    let html = assert_shown(hours, 422, "Laser: ").await;
    assert!(html.contains("write it like 2.5"));
    assert!(html.contains(&format!(r#"id="f-{laser_field}-error""#)));
    assert!(html.contains(r#"value="2,5""#), "the hours as typed");

    let fee = desk
        .submit(
            "/staff/plans",
            "/staff/plans",
            &[("name", "Generous"), ("monthly_fee", "-5")],
        )
        .await;
    assert_shown(fee, 422, "The monthly fee cannot be negative.").await;

    let all = plans(&app, &staff).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Maker");
}

// --- a customer's plan -------------------------------------------------------------------------

#[tokio::test]
async fn staff_subscribe_a_customer_from_their_page_and_end_the_plan() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let plan = api_plan(&app, &staff, "Maker").await;
    let ana = app.user(Role::Member, None);
    let desk = app.browser_for(&staff_user).await;
    let page = format!("/staff/customers/{}", ana.customer_id);
    let month = this_month().to_string();

    let before = desk.page(&page).await;
    assert!(before.contains(r#"id="plan""#), "a Plan section");
    assert!(before.contains("No plan so far."));
    assert!(before.contains(&format!(r#"<option value="{plan}">Maker</option>"#)));
    assert!(
        before.contains(&format!(
            r#"name="first_month" type="month" value="{month}""#
        )),
        "this month by default"
    );

    let action = format!("{page}/subscriptions");
    let plan_id = plan.to_string();
    let form = [
        ("plan_id", plan_id.as_str()),
        ("first_month", month.as_str()),
    ];
    let subscribed = desk.submit(&page, &action, &form).await;
    assert_eq!(subscribed.status(), 303);
    assert_eq!(
        location(&subscribed),
        format!("{page}?done=subscribed#plan")
    );
    let after = desk.page(&format!("{page}?done=subscribed")).await;
    assert!(after.contains("The customer was subscribed to the plan."));
    assert!(after.contains(">Maker</th>"));
    assert!(after.contains(&format!(">{month}</td>")));
    assert!(after.contains(">open</td>"));
    let listed = subscriptions(&app, &staff, &ana).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["plan_id"], plan);
    assert_eq!(listed[0]["first_month"], month.as_str());
    assert_eq!(listed[0]["last_month"], Value::Null);

    // A plan is running: a second subscription is refused on the page.
    let again = desk.submit(&page, &action, &form).await;
    assert_shown(again, 409, "already has a plan").await;
    assert_eq!(subscriptions(&app, &staff, &ana).await.len(), 1);
    let bad_month = desk
        .submit(
            &page,
            &action,
            &[("plan_id", plan_id.as_str()), ("first_month", "May")],
        )
        .await;
    assert_shown(bad_month, 422, "is not a month").await;

    // Ending before the start is refused inline; ending after this month works.
    let subscription = id_in(&after, &format!(r#"action="{action}/"#), "/end");
    assert_eq!(Some(subscription), listed[0]["id"].as_i64());
    let end = format!("{action}/{subscription}/end");
    let earlier = previous(this_month()).to_string();
    let too_early = desk.submit(&page, &end, &[("last_month", &earlier)]).await;
    let html = assert_shown(too_early, 422, "cannot end before").await;
    assert!(html.contains(&format!(r#"value="{earlier}""#)), "as typed");
    assert_eq!(
        subscriptions(&app, &staff, &ana).await[0]["last_month"],
        Value::Null
    );

    let ended = desk.submit(&page, &end, &[("last_month", &month)]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(location(&ended), format!("{page}?done=ended#plan"));
    let listed = subscriptions(&app, &staff, &ana).await;
    assert_eq!(listed[0]["last_month"], month.as_str());
    let after = desk.page(&page).await;
    assert!(!after.contains(">open</td>"));
    assert!(!after.contains(&end), "no end form for an ended plan");

    // The next month is free again.
    let next = this_month().next().to_string();
    let resubscribed = desk
        .submit(
            &page,
            &action,
            &[
                ("plan_id", plan_id.as_str()),
                ("first_month", next.as_str()),
            ],
        )
        .await;
    assert_eq!(resubscribed.status(), 303);
    assert_eq!(subscriptions(&app, &staff, &ana).await.len(), 2);
}

#[tokio::test]
async fn another_customers_subscription_is_not_found_and_stays_as_it_was() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let plan = api_plan(&app, &staff, "Maker").await;
    let (ana, bob) = (app.user(Role::Member, None), app.user(Role::Member, None));
    let subscribed = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/subscriptions",
            json!({"customer_id": bob.customer_id.get(), "plan_id": plan,
                   "first_month": this_month().to_string()}),
        )
        .await;
    assert_eq!(subscribed.status(), 201);
    let bobs = json_of(subscribed).await["id"].as_i64().expect("id");

    let desk = app.browser_for(&staff_user).await;
    let page = format!("/staff/customers/{}", ana.customer_id);
    let end = format!("{page}/subscriptions/{bobs}/end");
    let month = this_month().to_string();
    let refused = desk.submit(&page, &end, &[("last_month", &month)]).await;
    assert_eq!(refused.status(), 404);
    let refused = desk
        .submit(&page, &end, &[("last_month", "nonsense")])
        .await;
    assert_eq!(refused.status(), 404, "whatever was typed");
    assert_eq!(
        subscriptions(&app, &staff, &bob).await[0]["last_month"],
        Value::Null
    );

    let nobody = desk
        .submit(
            &page,
            "/staff/customers/999999/subscriptions",
            &[("plan_id", &plan.to_string()), ("first_month", &month)],
        )
        .await;
    assert_eq!(nobody.status(), 404);
}

// --- who may, and forged forms -----------------------------------------------------------------

#[tokio::test]
async fn members_are_refused_and_forms_without_csrf_change_nothing() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let plan = api_plan(&app, &staff, "Maker").await;
    let member = app.user(Role::Member, None);
    let month = this_month().to_string();
    let plan_id = plan.to_string();
    let subscribe = format!("/staff/customers/{}/subscriptions", member.customer_id);
    let subscribe_form = [
        ("plan_id", plan_id.as_str()),
        ("first_month", month.as_str()),
    ];

    let browser = app.browser_for(&member).await;
    assert_eq!(browser.get("/staff/plans").await.status(), 403);
    assert!(!browser
        .page("/account")
        .await
        .contains(r#"href="/staff/plans""#));
    let forged = browser
        .submit(
            "/account",
            "/staff/plans",
            &[("name", "Free"), ("monthly_fee", "0")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let forged = browser
        .submit("/account", &subscribe, &subscribe_form)
        .await;
    assert_eq!(forged.status(), 403);

    // A staff subscription the member then tries to end.
    let desk = app.browser_for(&staff_user).await;
    let page = format!("/staff/customers/{}", member.customer_id);
    assert_eq!(
        desk.submit(&page, &subscribe, &subscribe_form)
            .await
            .status(),
        303
    );
    let subscription = subscriptions(&app, &staff, &member).await[0]["id"]
        .as_i64()
        .expect("id");
    let end = format!("{subscribe}/{subscription}/end");
    let forged = browser
        .submit("/account", &end, &[("last_month", &month)])
        .await;
    assert_eq!(forged.status(), 403);

    // Staff without the form's token.
    let bare = |browser: &Browser, path: &str, fields: &[(&str, &str)]| {
        browser.client.post(browser.url(path)).form(fields).send()
    };
    let no_token = bare(
        &desk,
        "/staff/plans",
        &[("name", "Free"), ("monthly_fee", "0")],
    )
    .await
    .expect("sent");
    assert_eq!(no_token.status(), 403);
    let no_token = bare(&desk, &end, &[("last_month", &month)])
        .await
        .expect("sent");
    assert_eq!(no_token.status(), 403);
    let wrong_token = bare(
        &desk,
        &subscribe,
        &[
            ("csrf_token", &"0".repeat(64)),
            ("plan_id", &plan_id),
            ("first_month", &month),
        ],
    )
    .await
    .expect("sent");
    assert_eq!(wrong_token.status(), 403);

    let all = plans(&app, &staff).await;
    assert_eq!(all.len(), 1, "no plan was made");
    let listed = subscriptions(&app, &staff, &member).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["last_month"], Value::Null, "nothing was ended");
}
