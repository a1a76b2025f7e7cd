//! Fresh databases for tests: a SQLite file in the test's folder, or on PostgreSQL a new database
//! cloned from a migrated template (migrated once per migration set, shared by parallel tests).
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use obrador::db::{self, Backend, DatabaseUrl, DbConn, Pool};

pub struct TestDatabase {
    url: String,
    backend: Backend,
    /// PostgreSQL: the admin URL and the database to drop afterwards.
    cleanup: Option<(String, String)>,
}

/// The PostgreSQL server for tests that need one: `TEST_DATABASE_URL` when it names PostgreSQL,
/// else `TEST_POSTGRES_URL`. Outside CI a missing server skips such tests; in CI it fails them.
pub fn postgres_admin_url() -> Option<String> {
    let from = |name| {
        std::env::var(name)
            .ok()
            .filter(|u: &String| u.starts_with("postgres"))
    };
    let url = from("TEST_DATABASE_URL").or_else(|| from("TEST_POSTGRES_URL"));
    if url.is_none() && std::env::var_os("CI").is_some() {
        panic!("CI must provide PostgreSQL: set TEST_DATABASE_URL or TEST_POSTGRES_URL");
    }
    url
}

impl TestDatabase {
    /// The suite's backend: PostgreSQL when `TEST_DATABASE_URL` names it, else SQLite in `folder`.
    pub fn fresh(folder: &Path) -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => TestDatabase::fresh_postgres(&admin),
            _ => TestDatabase::fresh_sqlite(folder),
        }
    }

    pub fn fresh_sqlite(folder: &Path) -> TestDatabase {
        TestDatabase {
            url: format!("sqlite://{}", folder.join("obrador.db").display()),
            backend: Backend::Sqlite,
            cleanup: None,
        }
    }

    pub fn fresh_postgres(admin_url: &str) -> TestDatabase {
        db::init_tls();
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let template = TEMPLATE.get_or_init(|| ensure_template(admin_url));
        let name = format!(
            "obrador_t_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
        // One statement per call: PostgreSQL runs a multi-statement batch as one transaction,
        // and CREATE/DROP DATABASE refuse to run inside one.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop leftover test database");
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .expect("create test database");
        TestDatabase {
            url: with_database(admin_url, &name),
            backend: Backend::Postgres,
            cleanup: Some((admin_url.to_string(), name)),
        }
    }

    /// A SQLite file that already exists (a backup, say); nothing is dropped afterwards.
    pub fn existing_sqlite(path: &Path) -> TestDatabase {
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            cleanup: None,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A small pool straight to the database, for arranging and checking state.
    pub fn pool(&self) -> Pool {
        let url = DatabaseUrl::parse(&self.url).expect("test database URL");
        db::build_pool(&url, 4).expect("test pool")
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool().get().expect("test connection")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The migrated template for the current migrations, created once under an advisory lock so
/// that parallel test processes share it. A new migration set gets a new template name.
fn ensure_template(admin_url: &str) -> String {
    db::init_tls();
    let name = format!("obrador_tpl_{:016x}", migrations_fingerprint());
    let mut admin = PgConnection::establish(admin_url).expect("connect to TEST_DATABASE_URL");
    admin
        .batch_execute("SELECT pg_advisory_lock(42424242)")
        .expect("lock");
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(&mut admin)
    .expect("look up template");
    if !exists {
        let building = format!("{name}_building");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .expect("drop half-built template");
        admin
            .batch_execute(&format!("CREATE DATABASE {building}"))
            .expect("create template");
        {
            let pool = db::build_pool(
                &DatabaseUrl::parse(&with_database(admin_url, &building)).expect("url"),
                1,
            )
            .expect("template pool");
            let mut conn = pool.get().expect("template connection");
            let conn: &mut DbConn = &mut conn;
            db::run_migrations(conn).expect("migrate template");
        }
        admin
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .expect("publish template");
    }
    admin
        .batch_execute("SELECT pg_advisory_unlock(42424242)")
        .expect("unlock");
    name
}

fn migrations_fingerprint() -> u64 {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<PathBuf> = walk(&folder);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(&folder)
            .unwrap_or(&file)
            .hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

fn walk(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

fn with_database(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
