//! What every handler shares: the pool, the settings, the workshop's time zone.
use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::web;

use super::AppError;
use crate::config::Settings;
use crate::db::{Backend, DbConn, DbError, Pool};
use crate::domain::WorkshopTz;

#[derive(Clone)]
pub struct AppState {
    pool: Pool,
    pub backend: Backend,
    pub settings: Arc<Settings>,
    pub tz: WorkshopTz,
    /// Signs cookies; derived from `OBRADOR_SECRET_KEY`, so every instance agrees.
    pub cookie_key: Key,
}

impl AppState {
    pub fn new(
        pool: Pool,
        backend: Backend,
        settings: Arc<Settings>,
        tz: WorkshopTz,
        cookie_key: Key,
    ) -> AppState {
        AppState {
            pool,
            backend,
            settings,
            tz,
            cookie_key,
        }
    }

    /// Runs database work on the blocking thread pool, never on an async worker.
    pub async fn db<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(DbError::Pool)?;
            work(&mut conn).map_err(Into::into)
        })
        .await?
    }
}
