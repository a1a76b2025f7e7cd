//! A real SMTP server for tests, on 127.0.0.1: it speaks enough ESMTP for lettre (EHLO/HELO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts, and can be stopped and started
//! again on the same port (an outage) or told to refuse mail with a 4xx or 5xx reply.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How long `wait_for` waits for mail before failing the test.
const WAIT_LIMIT: Duration = Duration::from_secs(30);

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message exactly as sent: dot-stuffing undone, the final `CRLF . CRLF` removed.
    pub data: Vec<u8>,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("the server received a parseable message")
    }

    /// The Message-ID with its angle brackets, as the outbox stores it.
    pub fn message_id(&self) -> String {
        let parsed = self.parsed();
        let id = parsed.message_id().expect("the message has a Message-ID");
        format!("<{id}>")
    }

    /// The plain text body, decoded.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .expect("the message has a text body")
            .to_string()
    }

    /// The path of the password link in the text (`/password-reset/obp_…`), to open on the app
    /// under test whatever public address the mail names.
    pub fn password_link(&self) -> String {
        let text = self.text();
        let marker = "/password-reset/";
        let start = text.find(marker).expect("a password link in the mail");
        let secret: String = text[start + marker.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(secret.starts_with("obp_"), "{text}");
        format!("{marker}{secret}")
    }
}

/// An app whose mail goes to a test SMTP server of its own; its sender also polls every 50 ms,
/// for mail queued by something that cannot wake it (the command line).
pub async fn app_with_smtp() -> (SmtpServer, super::TestApp) {
    let server = SmtpServer::start().await;
    let url = server.url();
    let app = super::spawn_app_with(|settings| {
        settings.smtp_url = Some(secrecy::SecretString::from(url));
        settings.jobs.poll_interval_ms = 50;
    })
    .await;
    (server, app)
}

/// What the server answers to MAIL FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Accept = 0,
    /// 451: try again later.
    RefuseTemporarily = 1,
    /// 550: do not try again.
    RefusePermanently = 2,
    /// Takes the whole message, then hangs up before confirming it: the client cannot know it
    /// arrived, so it sends it again later (a duplicate a recipient's mail system may see).
    LoseReply = 3,
}

struct Shared {
    mode: AtomicU8,
    received: Mutex<Vec<ReceivedMail>>,
    count: watch::Sender<usize>,
}

pub struct SmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> SmtpServer {
        let listener = listen("127.0.0.1:0".parse().expect("address"));
        let addr = listener.local_addr().expect("bound address");
        let shared = Arc::new(Shared {
            mode: AtomicU8::new(Mode::Accept as u8),
            received: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
        });
        let acceptor = Some(tokio::spawn(accept(listener, shared.clone())));
        SmtpServer {
            addr,
            shared,
            acceptor,
        }
    }

    /// The URL for `OBRADOR_SMTP_URL` / `Transport::smtp`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Closes the port and every open session: connections are refused until `restart`.
    pub async fn stop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            // Dropping the task closes the listener and (through its JoinSet) every session.
            let _ = acceptor.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = listen(self.addr);
        self.acceptor = Some(tokio::spawn(accept(listener, self.shared.clone())));
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared.received.lock().expect("not poisoned").clone()
    }

    /// Waits until at least `count` messages have arrived (failing the test after 30 s).
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let mut arrived = self.shared.count.subscribe();
        let reached = tokio::time::timeout(WAIT_LIMIT, arrived.wait_for(|n| *n >= count)).await;
        assert!(
            matches!(reached, Ok(Ok(_))),
            "expected {count} messages within {WAIT_LIMIT:?}, got {}",
            self.received().len()
        );
        self.received()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
        }
    }
}

/// Binds with SO_REUSEADDR, so that a restart can take the port back at once.
fn listen(addr: SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket
        .bind(addr)
        .unwrap_or_else(|e| panic!("cannot bind the test SMTP server to {addr}: {e}"));
    socket.listen(64).expect("listen")
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    sessions.spawn(session(stream, shared.clone()));
                }
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// One client connection, until QUIT or the client hangs up.
async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 obrador-test ESMTP ready\r\n")
        .await?;
    let mut envelope: Option<(String, Vec<String>)> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_string();
        let (verb, argument) = command.split_once(' ').unwrap_or((command.as_str(), ""));
        let reply: &[u8] = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => b"250-obrador-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 obrador-test\r\n",
            "MAIL" => match shared.mode.load(Ordering::SeqCst) {
                1 => b"451 4.3.0 Mailbox busy, try again later\r\n",
                2 => b"550 5.7.1 Delivery not authorized\r\n",
                _ => {
                    envelope = Some((path(argument, "FROM:"), Vec::new()));
                    b"250 2.1.0 OK\r\n"
                }
            },
            "RCPT" => match envelope.as_mut() {
                Some((_, to)) => {
                    to.push(path(argument, "TO:"));
                    b"250 2.1.5 OK\r\n"
                }
                None => b"503 5.5.1 MAIL first\r\n",
            },
            "DATA" => match envelope.take() {
                Some((from, to)) if !to.is_empty() => {
                    writer
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let data = read_data(&mut reader).await?;
                    record(&shared, from, to, data);
                    if shared.mode.load(Ordering::SeqCst) == Mode::LoseReply as u8 {
                        return Ok(());
                    }
                    b"250 2.0.0 OK queued\r\n"
                }
                _ => b"503 5.5.1 RCPT first\r\n",
            },
            "RSET" => {
                envelope = None;
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                writer.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        writer.write_all(reply).await?;
    }
}

/// `FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn path(argument: &str, prefix: &str) -> String {
    let rest = argument.get(prefix.len()..).unwrap_or("").trim_start();
    let rest = rest.split_whitespace().next().unwrap_or("");
    rest.trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" {
            break;
        }
        // A line the client began with '.' was sent with a second one.
        let unstuffed = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(unstuffed);
    }
    // The CRLF before the final dot belongs to the terminator, not to the message.
    if data.ends_with(b"\r\n") {
        data.truncate(data.len() - 2);
    }
    Ok(data)
}

fn record(shared: &Shared, mail_from: String, rcpt_to: Vec<String>, data: Vec<u8>) {
    let mut received = shared.received.lock().expect("not poisoned");
    received.push(ReceivedMail {
        mail_from,
        rcpt_to,
        data,
    });
    let count = received.len();
    drop(received);
    shared.count.send_replace(count);
}
