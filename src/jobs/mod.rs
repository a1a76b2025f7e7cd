//! Background jobs: loops on the tokio runtime that claim due work with a lease (`db::claim_due`)
//! and do it on the blocking pool, so any number of instances can run the same job without doing
//! an item twice. Started by `Application::build`, stopped when the server stops.
pub mod mail_sender;
pub mod overdue;
pub mod reminders;
pub mod settle;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use rand::RngCore;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::db::{self, DbError, Pool};
use crate::mail::{MailError, MailIdentity};

/// How long `Jobs::stop` waits for a batch in progress to finish.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// One kind of background work.
pub trait Job: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// Claims and does one batch of work that is due at `now`, blocking; returns how many items it
    /// handled, 0 when nothing was due. The loop calls it again at once while it finds work.
    fn run_batch(&self, pool: &Pool, now: NaiveDateTime) -> Result<usize, DbError>;
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// The blocking task panicked or was cancelled by a runtime shutting down.
    #[error("the job's batch did not finish: {0}")]
    Interrupted(String),
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot start the mail sender: {0}")]
    Mail(#[from] MailError),
}

/// Nudges a job to look for work now instead of at its next poll (e.g. after mail was queued).
#[derive(Debug, Clone, Default)]
pub struct JobWaker(Arc<Notify>);

impl JobWaker {
    pub fn wake(&self) {
        // Stores a permit when the loop is busy, so a wake during a batch is not lost.
        self.0.notify_one();
    }
}

/// The jobs this instance runs.
#[derive(Debug)]
pub struct Jobs {
    instance_id: String,
    stop: watch::Sender<bool>,
    running: Vec<(&'static str, JoinHandle<()>)>,
    mail_waker: JobWaker,
}

impl Jobs {
    /// Starts the jobs `settings.jobs` switches on; needs a tokio runtime.
    pub fn start(pool: Pool, settings: &Settings) -> Result<Jobs, StartError> {
        let instance_id = new_instance_id();
        let (stop, stopped) = watch::channel(false);
        let every = Duration::from_millis(settings.jobs.poll_interval_ms.max(1));
        let mail_waker = JobWaker::default();
        let mut running = Vec::new();
        let spawn = |name: &'static str, job: Arc<dyn Job>, waker: JobWaker| {
            let task = run_loop(job, pool.clone(), every, waker, stopped.clone());
            (name, tokio::spawn(task))
        };
        if settings.jobs.enabled && settings.jobs.mail_sender {
            let sender = mail_sender::MailSender::from_settings(settings, &instance_id)?;
            let transport = sender.transport();
            tracing::info!(instance = %instance_id, ?transport, "mail sender started");
            let job: Arc<dyn Job> = Arc::new(sender);
            running.push(spawn("mail_sender", job, mail_waker.clone()));
        }
        if settings.jobs.enabled && settings.jobs.reminders && settings.booking.reminder_hours > 0 {
            let identity = MailIdentity::from_settings(settings)?;
            let job: Arc<dyn Job> =
                Arc::new(reminders::Reminders::new(settings, identity, &instance_id));
            running.push(spawn("reminders", job, JobWaker::default()));
        }
        if settings.jobs.enabled && settings.jobs.settle {
            let job: Arc<dyn Job> = Arc::new(settle::Settle::new(settings, &instance_id));
            running.push(spawn("settle", job, JobWaker::default()));
        }
        if settings.jobs.enabled && settings.jobs.overdue && settings.invoicing.max_reminders > 0 {
            let identity = MailIdentity::from_settings(settings)?;
            let job: Arc<dyn Job> =
                Arc::new(overdue::Overdue::new(settings, identity, &instance_id));
            running.push(spawn("overdue", job, JobWaker::default()));
        }
        Ok(Jobs {
            instance_id,
            stop,
            running,
            mail_waker,
        })
    }

    /// The lease owner this instance writes into the rows it claims.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The names of the jobs running here.
    pub fn running(&self) -> Vec<&'static str> {
        self.running.iter().map(|(name, _)| *name).collect()
    }

    pub fn mail_waker(&self) -> JobWaker {
        self.mail_waker.clone()
    }

    /// Asks every loop to stop and waits for a batch in progress to finish (up to 30 s; a batch
    /// cut short leaves its leases to expire, and another instance finishes the work).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (name, task) in self.running {
            match tokio::time::timeout(STOP_GRACE, task).await {
                Ok(_) => tracing::debug!(job = name, "job stopped"),
                Err(_) => tracing::warn!(job = name, "job did not stop in time"),
            }
        }
    }
}

/// Now, as the database stores instants: UTC to the microsecond.
pub fn now() -> NaiveDateTime {
    db::timestamp(Utc::now())
}

/// Runs one batch of `job` on the blocking pool, as the loop does.
pub async fn run_batch_blocking(
    job: Arc<dyn Job>,
    pool: Pool,
    now: NaiveDateTime,
) -> Result<usize, JobError> {
    match tokio::task::spawn_blocking(move || job.run_batch(&pool, now)).await {
        Ok(result) => Ok(result?),
        Err(err) => Err(JobError::Interrupted(err.to_string())),
    }
}

/// Works through all due work, then waits for the poll interval, a wake or the stop signal.
async fn run_loop(
    job: Arc<dyn Job>,
    pool: Pool,
    every: Duration,
    waker: JobWaker,
    mut stop: watch::Receiver<bool>,
) {
    let name = job.name();
    loop {
        while !*stop.borrow() {
            match run_batch_blocking(job.clone(), pool.clone(), now()).await {
                Ok(0) => break,
                Ok(_) => continue,
                Err(err) => {
                    tracing::warn!(job = name, error = %err, "job batch failed");
                    break;
                }
            }
        }
        tokio::select! {
            // A send error means `Jobs` is gone: stop as well.
            changed = stop.changed() => if changed.is_err() || *stop.borrow() { return },
            () = waker.0.notified() => {}
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Random, so that two instances (or a restarted one) never share leases.
fn new_instance_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
