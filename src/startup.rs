//! `Application::build`: settings in, a running server out (pool, migrations, secret key, routes).
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::HttpServer;
use anyhow::Context;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::config::Settings;
use crate::db::{self, DatabaseUrl, Pool};
use crate::http::{self, AppState};
use crate::jobs::{JobWaker, Jobs};
use crate::mail::MailIdentity;

pub struct Application {
    port: u16,
    server: Server,
    jobs: Jobs,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and prepares everything the server needs.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let tz = settings.timezone()?;
        let url = settings.database_url()?;
        ensure_secret_key(&mut settings)?;
        let (size, wait) = (
            settings.database_pool_size,
            Duration::from_secs(settings.database_wait_secs),
        );
        let pool = tokio::task::spawn_blocking(move || open_pool(&url, size, wait)).await??;
        announce_first_run(&pool).await?;
        let backend = settings.database_url()?.backend();
        let cookie_key = match &settings.secret_key {
            Some(secret) => Key::derive_from(secret.expose_secret().as_bytes()),
            None => anyhow::bail!("no secret key"),
        };
        let mail_identity = MailIdentity::from_settings(&settings)?;
        let jobs = Jobs::start(pool.clone(), &settings)?;
        let mail_waker = jobs
            .running()
            .contains(&"mail_sender")
            .then(|| jobs.mail_waker());
        let state = AppState::new(
            pool,
            backend,
            Arc::new(settings),
            tz,
            cookie_key,
            mail_identity,
            mail_waker,
        );
        let (request_timeout, keep_alive) = (
            state.settings.request_timeout_secs,
            state.settings.keep_alive_secs,
        );
        let server = HttpServer::new(move || http::app(state.clone()))
            .listen(listener)?
            .shutdown_timeout(10)
            .client_request_timeout(Duration::from_secs(request_timeout))
            .keep_alive(Duration::from_secs(keep_alive))
            .run();
        Ok(Application { port, server, jobs })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Wakes the mail sender, e.g. right after a request queued mail, instead of at its next poll.
    pub fn mail_waker(&self) -> JobWaker {
        self.jobs.mail_waker()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (up to 10 s) and stops the
    /// background jobs (letting a batch in progress finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.jobs.stop().await;
        served
    }
}

/// Opens the pool and applies pending migrations. Blocking: call it off the async workers.
pub fn open_database(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Pool> {
    open_pool(url, pool_size, db::DEFAULT_POOL_WAIT)
}

fn open_pool(url: &DatabaseUrl, pool_size: u32, wait: Duration) -> anyhow::Result<Pool> {
    let pool = db::build_pool_waiting(url, pool_size, wait)
        .with_context(|| format!("opening {}", url.redacted()))?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, database = %url.redacted(), "database migrated");
    }
    Ok(pool)
}

/// On an empty database, says how to make the first admin account (or load the demo).
async fn announce_first_run(pool: &Pool) -> anyhow::Result<()> {
    let pool = pool.clone();
    let has_users = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
        let mut conn = pool.get()?;
        Ok(crate::services::accounts::has_users(&mut conn)?)
    })
    .await??;
    if !has_users {
        tracing::warn!(
            "No accounts yet. Create the first administrator with \
             `obrador user add --email you@example.org --name \"Your Name\" --role admin` \
             (it prints a password), or load a demo workshop with `obrador demo`."
        );
    }
    Ok(())
}

/// With no `secret_key` configured, one is generated into the data folder on first start and
/// reused after; several instances must be given the same key through configuration instead.
fn ensure_secret_key(settings: &mut Settings) -> anyhow::Result<()> {
    if settings.secret_key.is_some() {
        return Ok(());
    }
    let path = settings.data_dir.join("secret_key");
    let key = match std::fs::read_to_string(&path) {
        Ok(key) => key.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new_key(&path)?,
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    anyhow::ensure!(
        key.len() >= 64,
        "{} holds a key shorter than 64 characters",
        path.display()
    );
    settings.secret_key = Some(SecretString::from(key));
    Ok(())
}

fn write_new_key(path: &Path) -> anyhow::Result<String> {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let key = hex::encode(bytes);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, key.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(key)
}
