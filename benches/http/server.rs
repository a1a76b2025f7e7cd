//! The server under test: the release binary as a child process with a clean environment, its
//! port read from its log, its output drained for as long as it runs, killed when dropped.
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};

/// What the server logs: warnings, and the line that tells its port.
const LOG: &str = "warn,obrador::cli::serve=info";
const LISTENING: &str = "Obrador is listening on http://";
/// Lines of output kept to explain a server that did not start or died.
const TAIL: usize = 20;
/// How long a start may take before the benchmark gives up.
const START_LIMIT: Duration = Duration::from_secs(60);

pub struct Server {
    child: Child,
    spawned: Instant,
    base: String,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    /// Starts `obrador` in `data` (its data folder and working folder) on `database_url` and
    /// waits for the line that names its port.
    pub fn spawn(data: &Path, database_url: &str) -> anyhow::Result<Server> {
        let spawned = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_obrador"))
            .current_dir(data)
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("OBRADOR_DATA_DIR", data)
            .env("OBRADOR_BIND", "127.0.0.1:0")
            .env("OBRADOR_JOBS__ENABLED", "false")
            .env("OBRADOR_LOG", LOG)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL)));
        let (found, port) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            drain(out, found.clone(), tail.clone());
        }
        if let Some(err) = child.stderr.take() {
            drain(err, found, tail.clone());
        }
        let mut server = Server {
            child,
            spawned,
            base: String::new(),
            tail,
        };
        server.base = match port.recv_timeout(START_LIMIT) {
            Ok(address) => format!("http://{address}"),
            Err(RecvTimeoutError::Timeout) => bail!("the server did not start within a minute"),
            Err(RecvTimeoutError::Disconnected) => {
                bail!("the server stopped before listening:\n{}", server.log())
            }
        };
        Ok(server)
    }

    /// The time from spawning the process to its first 200 on `/healthz`.
    pub async fn ready(&self, client: &reqwest::Client) -> anyhow::Result<Duration> {
        let url = self.url("/healthz");
        let deadline = self.spawned + START_LIMIT;
        loop {
            if let Ok(answer) = client.get(&url).send().await {
                if answer.status() == reqwest::StatusCode::OK {
                    return Ok(self.spawned.elapsed());
                }
            }
            if Instant::now() > deadline {
                return Err(anyhow!("/healthz never answered 200:\n{}", self.log()));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the server wrote.
    fn log(&self) -> String {
        let tail = self.tail.lock().map(|t| t.clone()).unwrap_or_default();
        Vec::from(tail).join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `stream` line by line until the process closes it: sends the address of the listening
/// line once and keeps the last lines, so the server never blocks on a full pipe.
fn drain(
    stream: impl Read + Send + 'static,
    found: mpsc::Sender<String>,
    tail: Arc<Mutex<VecDeque<String>>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(address) = line.split(LISTENING).nth(1) {
                let address = address.split_whitespace().next().unwrap_or_default();
                let _ = found.send(address.to_string());
            }
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == TAIL {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    });
}
