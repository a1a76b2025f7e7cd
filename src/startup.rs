//! `Application::build`: settings in, a running server out (pool, migrations, secret key, routes).
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::HttpServer;
use anyhow::Context;
use rand::RngCore;
use secrecy::SecretString;

use crate::config::Settings;
use crate::db::{self, DatabaseUrl, Pool};
use crate::http::{self, AppState};

pub struct Application {
    port: u16,
    server: Server,
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
        let pool =
            tokio::task::spawn_blocking(move || open_database(&url, settings.database_pool_size))
                .await??;
        let backend = settings.database_url()?.backend();
        let state = AppState::new(pool, backend, Arc::new(settings), tz);
        let server = HttpServer::new(move || http::app(state.clone()))
            .listen(listener)?
            .shutdown_timeout(10)
            .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (up to 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens the pool and applies pending migrations. Blocking: call it off the async workers.
pub fn open_database(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Pool> {
    let pool =
        db::build_pool(url, pool_size).with_context(|| format!("opening {}", url.redacted()))?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, database = %url.redacted(), "database migrated");
    }
    Ok(pool)
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
