//! The real `obrador` binary as child processes: `obrador serve` on port 0 against a test's own
//! database (and SIGKILLed to play a crash), and one-shot commands (`invoices issue`, `verify`,
//! `demo`, `token create`…) on the same database.
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use obrador::config::Settings;
use obrador::db::{self, DbConn};
use secrecy::SecretString;

use super::{TestApp, TestDatabase};

/// Signs cookies; shared by every instance of a test, as instances behind a load balancer share
/// it (the configuration wants at least 64 characters).
const SECRET_KEY: &str = "test-only-secret-key-shared-by-every-child-instance-0123456789abcdef";
/// How often the children's background jobs look for work.
const POLL_INTERVAL_MS: u64 = 50;
/// How long a child may take to say where it listens and to answer `/healthz`.
const START_LIMIT: Duration = Duration::from_secs(60);
/// Log lines kept per child, printed when it fails to start: the last ones, and the errors.
const LOG_TAIL: usize = 200;

/// A test's database and data folder, shared by the child processes it starts. Derefs to a
/// `TestApp` for the usual arranging helpers (`user`, `token`, `machine`, `course`, `session`…)
/// and HTTP helpers, which talk to the server its `address` names (the last one started by
/// `start_server`, until changed).
pub struct ProcessApp {
    app: TestApp,
    smtp_url: Option<String>,
}

impl Deref for ProcessApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl DerefMut for ProcessApp {
    fn deref_mut(&mut self) -> &mut TestApp {
        &mut self.app
    }
}

impl ProcessApp {
    /// A fresh database of the suite's backend, migrated, with background jobs on in every child
    /// and mail to `smtp_url` (or to `.eml` files in the data folder without one).
    pub fn new(smtp_url: Option<String>) -> ProcessApp {
        let data_dir = tempfile::tempdir().expect("temporary data folder");
        let db = TestDatabase::fresh(data_dir.path());
        ProcessApp::on(db, data_dir, smtp_url)
    }

    /// Like `new`, on a database the caller chose (e.g. PostgreSQL in a SQLite run).
    pub fn on(
        db: TestDatabase,
        data_dir: tempfile::TempDir,
        smtp_url: Option<String>,
    ) -> ProcessApp {
        {
            let mut conn = db.conn();
            let conn: &mut DbConn = &mut conn;
            db::run_migrations(conn).expect("migrate the test database");
        }
        // The settings the children run with, for helpers that use them in-process.
        let mut settings = Settings::defaults().expect("built-in settings");
        settings.bind = "127.0.0.1:0".into();
        settings.data_dir = data_dir.path().to_path_buf();
        settings.set_database_url(db.url());
        settings.secret_key = Some(SecretString::from(SECRET_KEY));
        settings.smtp_url = smtp_url.clone().map(SecretString::from);
        settings.jobs.poll_interval_ms = POLL_INTERVAL_MS;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        ProcessApp {
            app: TestApp {
                address: String::new(),
                client,
                db,
                settings,
                data_dir,
                counter: AtomicU32::new(1),
            },
            smtp_url,
        }
    }

    /// `obrador` with this test's environment and nothing inherited that could change it.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_obrador"));
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().to_string();
            if name.starts_with("OBRADOR_") || name == "DATABASE_URL" || name == "RUST_LOG" {
                cmd.env_remove(name);
            }
        }
        cmd.current_dir(self.data_dir.path())
            .env("DATABASE_URL", self.db.url())
            .env("OBRADOR_DATA_DIR", self.data_dir.path())
            .env("OBRADOR_SECRET_KEY", SECRET_KEY)
            .env(
                "OBRADOR_JOBS__POLL_INTERVAL_MS",
                POLL_INTERVAL_MS.to_string(),
            )
            .env("OBRADOR_LOG", "warn");
        if let Some(url) = &self.smtp_url {
            cmd.env("OBRADOR_SMTP_URL", url);
        }
        cmd
    }

    /// Runs `obrador ARGS` to the end; its status and output.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("obrador runs")
    }

    /// Runs `obrador ARGS`, which must succeed; its standard output.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "obrador {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    }

    /// Starts `obrador ARGS` in the background (e.g. to kill it halfway); its output is dropped.
    pub fn cli_spawn(&self, args: &[&str]) -> Child {
        self.command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("obrador starts")
    }

    /// Starts `obrador serve` on a free port and waits until it answers `/healthz`; the test app's
    /// `address` then names it.
    pub async fn start_server(&mut self) -> Server {
        let mut cmd = self.command();
        cmd.arg("serve")
            .env("OBRADOR_BIND", "127.0.0.1:0")
            // The line that says where it listens is logged at info.
            .env("OBRADOR_LOG", "info,actix_server=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let server = Server::start(cmd, &self.client).await;
        self.app.address = server.address.clone();
        server
    }
}

/// One running `obrador serve`. Dropping it kills the process.
pub struct Server {
    child: Option<Child>,
    pub address: String,
    log: Arc<Mutex<Log>>,
}

#[derive(Default)]
struct Log {
    errors: Vec<String>,
    tail: VecDeque<String>,
}

impl Server {
    async fn start(mut cmd: Command, client: &reqwest::Client) -> Server {
        let mut child = cmd.spawn().expect("obrador serve starts");
        let log = Arc::new(Mutex::new(Log::default()));
        let pid = child.id();
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        drain(stdout, pid, log.clone(), Some(port_tx));
        drain(stderr, pid, log.clone(), None);
        let mut server = Server {
            child: Some(child),
            address: String::new(),
            log,
        };
        let port = match tokio::time::timeout(START_LIMIT, port_rx).await {
            Ok(Ok(port)) => port,
            _ => panic!(
                "obrador serve (pid {pid}) did not say where it listens:\n{}",
                server.log_tail()
            ),
        };
        server.address = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + START_LIMIT;
        loop {
            let health = client.get(server.url("/healthz")).send().await;
            if health.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "obrador serve (pid {pid}) never answered /healthz:\n{}",
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown code runs. Waits for the process
    /// to be gone; its exit status.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        // An error means it had exited already; `wait` still reaps it.
        let _ = child.kill();
        child.wait().ok()
    }

    /// The errors the process logged, then its last lines.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().expect("not poisoned");
        let tail: Vec<&str> = log.tail.iter().map(String::as_str).collect();
        format!(
            "errors:\n{}\nlast lines:\n{}",
            log.errors.join("\n"),
            tail.join("\n")
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads a child's output line by line for as long as it lives, so the child never blocks on a
/// full pipe; keeps the last lines, echoes them with `TEST_LOG`, and reports the port from the
/// line "Obrador is listening on http://127.0.0.1:PORT".
fn drain(
    pipe: impl Read + Send + 'static,
    pid: u32,
    log: Arc<Mutex<Log>>,
    mut port: Option<tokio::sync::oneshot::Sender<u16>>,
) {
    let echo = std::env::var_os("TEST_LOG").is_some();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if echo {
                eprintln!("[obrador {pid}] {line}");
            }
            if let Some(found) = listening_port(&line) {
                if let Some(tx) = port.take() {
                    let _ = tx.send(found);
                }
            }
            let mut log = log.lock().expect("not poisoned");
            if line.contains(" ERROR ") && log.errors.len() < LOG_TAIL {
                log.errors.push(line.clone());
            }
            if log.tail.len() == LOG_TAIL {
                log.tail.pop_front();
            }
            log.tail.push_back(line);
        }
    });
}

fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("Obrador is listening on http://127.0.0.1:")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
