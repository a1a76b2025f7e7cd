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
    let second = demo(&app);
    assert!(second.contains("0 created, 34 already there"), "{second}");

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
