//! A real SMTP server on loopback for the email tests: speaks enough SMTP (EHLO/HELO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT) for lettre, records each accepted message, and can be told to refuse mail with
//! `451` (a relay that is down for now). Each connection gets its own task, so parallel senders are
//! served in parallel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message (RFC 5322), dot-stuffing undone.
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable RFC 5322 message")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The plain-text body, transfer encoding undone.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).unwrap_or_default().into_owned()
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }

    /// The first `http…/invitation/…` link of the text body.
    pub fn link(&self) -> String {
        let text = self.text();
        text.split_whitespace()
            .find(|word| word.starts_with("http") && word.contains("/invitation/"))
            .unwrap_or_else(|| panic!("no invitation link in {text}"))
            .to_owned()
    }
}

pub struct SmtpSink {
    pub port: u16,
    refusing: Arc<AtomicBool>,
    /// Messages refused with 451 so far.
    refused: Arc<AtomicUsize>,
    received: Mutex<mpsc::UnboundedReceiver<Received>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        let refusing = Arc::new(AtomicBool::new(false));
        let refused = Arc::new(AtomicUsize::new(0));
        let task = {
            let (refusing, refused) = (refusing.clone(), refused.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let (tx, refusing, refused) = (tx.clone(), refusing.clone(), refused.clone());
                    tokio::spawn(async move {
                        let _ = session(stream, tx, refusing, refused).await;
                    });
                }
            })
        };
        SmtpSink {
            port,
            refusing,
            refused,
            received: Mutex::new(rx),
            task,
        }
    }

    /// From now on, answer `MAIL FROM` with `451` (or accept again).
    pub fn refuse(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
    }

    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// The next message received, waiting at most 20 seconds for it.
    pub async fn next(&self) -> Received {
        let mut rx = self.received.lock().await;
        tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("an email within 20 seconds")
            .expect("the sink is running")
    }

    /// A message already received and not yet taken, if any (never waits).
    pub async fn try_next(&self) -> Option<Received> {
        self.received.lock().await.try_recv().ok()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A relay that is down: its port takes connections and closes them at once, without a word of SMTP.
/// (It keeps the port, so no other test's sink can get it meanwhile.)
pub struct DeadRelay {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl DeadRelay {
    pub async fn start() -> DeadRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        DeadRelay { port, task }
    }
}

impl Drop for DeadRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn address(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.rfind('>').unwrap_or(arg.len());
    arg[start..end].to_owned()
}

async fn session(
    stream: tokio::net::TcpStream,
    tx: mpsc::UnboundedSender<Received>,
    refusing: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (None::<String>, Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" if refusing.load(Ordering::SeqCst) => {
                refused.fetch_add(1, Ordering::SeqCst);
                b"451 4.3.0 Try again later\r\n"
            }
            "MAIL" => {
                from = Some(address(&command));
                to.clear();
                b"250 2.1.0 Ok\r\n"
            }
            "RCPT" if from.is_some() => {
                to.push(address(&command));
                b"250 2.1.5 Ok\r\n"
            }
            "DATA" if from.is_some() && !to.is_empty() => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if lines.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    let unstuffed = if raw.starts_with(b"..") { &raw[1..] } else { &raw[..] };
                    data.extend_from_slice(unstuffed);
                }
                let message = Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                };
                let _ = tx.send(message);
                b"250 2.0.0 Ok: queued\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 Ok\r\n"
            }
            "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "RCPT" | "DATA" => b"503 5.5.1 Bad sequence of commands\r\n",
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}
