//! What every handler shares: the pool, the settings, the workshop's time zone and mail identity.
use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::web;

use super::AppError;
use crate::config::Settings;
use crate::db::{Backend, DbConn, DbError, Pool};
use crate::domain::WorkshopTz;
use crate::jobs::JobWaker;
use crate::mail::MailIdentity;
use crate::services::bookings::Context;
use crate::services::ServiceError;

#[derive(Clone)]
pub struct AppState {
    pool: Pool,
    pub backend: Backend,
    pub settings: Arc<Settings>,
    pub tz: WorkshopTz,
    /// Signs cookies; derived from `OBRADOR_SECRET_KEY`, so every instance agrees.
    pub cookie_key: Key,
    /// Who the workshop's mail is from, for services that queue mail.
    pub mail_identity: MailIdentity,
    /// Wakes this instance's mail sender; `None` when it does not run here (jobs switched off).
    mail_waker: Option<JobWaker>,
}

impl AppState {
    pub fn new(
        pool: Pool,
        backend: Backend,
        settings: Arc<Settings>,
        tz: WorkshopTz,
        cookie_key: Key,
        mail_identity: MailIdentity,
        mail_waker: Option<JobWaker>,
    ) -> AppState {
        AppState {
            pool,
            backend,
            settings,
            tz,
            cookie_key,
            mail_identity,
            mail_waker,
        }
    }

    /// Like `db`, for work that may queue mail: once it has committed, wakes the mail sender so
    /// the mail leaves now rather than at the sender's next poll.
    pub async fn db_sending_mail<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        let done = self.db(work).await;
        if done.is_ok() {
            self.wake_mail_sender();
        }
        done
    }

    pub fn wake_mail_sender(&self) {
        if let Some(waker) = &self.mail_waker {
            waker.wake();
        }
    }

    /// Runs a use case that needs the booking context (time zone, cancellation policy, mail
    /// identity) configuration gives, and wakes the mail sender for the mail it queued.
    pub async fn with_context<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Context<'_>) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let (settings, identity) = (self.settings.clone(), self.mail_identity.clone());
        self.db_sending_mail(move |c| {
            let ctx = Context::from_settings(&settings, Some(&identity));
            work(c, &ctx)
        })
        .await
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
