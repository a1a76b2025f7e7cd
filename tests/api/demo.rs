//! `obrador demo` loads a realistic workshop, and running it again adds nothing.
use std::collections::BTreeMap;

use diesel::prelude::*;
use obrador::db::schema::{customers, users};

use crate::helpers::spawn_app;

fn demo(app: &crate::helpers::TestApp) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_obrador"))
        .current_dir(app.data_dir.path())
        .env("DATABASE_URL", app.db.url())
        .env("RUST_LOG", "warn")
        .arg("demo")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[tokio::test]
async fn demo_loads_the_people_of_a_workshop_once() {
    let app = spawn_app().await;
    let first = demo(&app);
    assert!(first.contains("34 created, 0 already there"), "{first}");
    assert!(first.contains("7 machines in 3 categories"), "{first}");
    let second = demo(&app);
    assert!(second.contains("0 created, 34 already there"), "{second}");
    assert!(
        second.contains("machines and bookings already there"),
        "{second}"
    );

    let mut conn = app.db.conn();
    let roles: Vec<String> = users::table
        .select(users::role)
        .load(&mut *conn)
        .expect("roles");
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    roles
        .into_iter()
        .for_each(|r| *count.entry(r).or_default() += 1);
    assert_eq!(count["business_admin"], 3);
    assert_eq!(count["tutor"], 2);
    assert_eq!(count["staff"], 2);
    assert_eq!(count["admin"], 1);
    assert_eq!(count["member"], 26, "20 members and 6 employees");
    let businesses: Vec<i64> = customers::table
        .filter(customers::kind.eq("business"))
        .select(customers::id)
        .load(&mut *conn)
        .expect("businesses");
    assert_eq!(businesses.len(), 3);
    for business in businesses {
        let people: i64 = users::table
            .filter(users::customer_id.eq(business))
            .count()
            .get_result(&mut *conn)
            .expect("count");
        assert!(
            (2..=4).contains(&people),
            "2–4 people per business, got {people}"
        );
    }
    assert_eq!(
        app.browser()
            .login("admin@demo.obrador.example", "obrador-demo")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn demo_machines_have_a_month_of_bookings_that_never_overlap() {
    use obrador::db::schema::{bookings, closures, resources};
    let app = spawn_app().await;
    demo(&app);
    let mut conn = app.db.conn();
    let machines: Vec<(String, Option<i64>)> = resources::table
        .select((resources::name, resources::required_qualification_id))
        .load(&mut *conn)
        .expect("machines");
    assert!(machines.len() >= 6);
    assert!(
        machines.iter().filter(|(_, q)| q.is_some()).count() >= 2,
        "some need a qualification"
    );
    let now = chrono::Utc::now().naive_utc();
    let past: i64 = bookings::table
        .filter(bookings::starts_at.lt(now))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    let future: i64 = bookings::table
        .filter(bookings::starts_at.gt(now))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert!(past > 100 && future > 50, "past {past}, future {future}");
    let closed: i64 = closures::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(closed, 1);
    assert_eq!(
        obrador::services::bookings::overlapping_blocks(&mut conn).expect("check"),
        0
    );
}
