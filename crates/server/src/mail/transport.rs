//! Where rendered messages go (setting `email_transport`).
//!
//! - `file`: each message becomes an RFC 5322 file, `<data_dir>/outbox/<queued at>-<id>.eml`
//!   (multipart/alternative: plain text and HTML), in a directory only the server's user can read
//!   (0700; files 0600: an invitation holds a one-time link). Written under a temporary name and
//!   renamed, so a reader never sees half a message; writing one twice replaces it.
//! - `smtp`: lettre's pooled async SMTP client over rustls (`starttls`, `tls`), or plain to a
//!   loopback relay (`none`). `send` returns after the relay's final `250` to the message data.
//!
//! Every message carries `Message-ID: <outbox id@sender's domain>`, the same on every attempt, so a
//! message delivered twice (see the outbox's at-least-once window) is recognisably one message.
//! Nothing here logs a message's content or recipient.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portcullis_core::{Email, MailId, UnixTime};
use secrecy::ExposeSecret;

use super::Rendered;
use crate::settings::{EmailTransport, Settings, SmtpTls};

/// How long one SMTP command may take (connecting included). A message takes a handful of
/// commands, so its worst case stays well inside the outbox lease.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth another try later (a relay down or refusing for now, a full disk).
    #[error("{0}")]
    Transient(String),
    /// Will never work (the message cannot be built for this address).
    #[error("{0}")]
    Permanent(String),
}

enum Sink {
    Files(PathBuf),
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
}

/// The configured transport with the sender's address.
pub struct Transport {
    from: Mailbox,
    sink: Sink,
}

impl Transport {
    /// From the settings (checked by `Settings::load`); connects to nothing yet.
    pub fn from_settings(settings: &Settings) -> Result<Transport, String> {
        let from: Mailbox = settings
            .email_from
            .parse()
            .map_err(|e| format!("setting `email_from`: {e}"))?;
        let sink = match settings.email_transport {
            EmailTransport::File => Sink::Files(settings.data_dir.join("outbox")),
            EmailTransport::Smtp => {
                let host = settings
                    .smtp_host
                    .as_deref()
                    .ok_or("setting `smtp_host` is needed for the smtp transport")?;
                let builder = match settings.smtp_tls {
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
                }
                .map_err(|e| format!("SMTP relay {host}: {e}"))?;
                let mut builder = builder.port(settings.smtp_port).timeout(Some(SMTP_TIMEOUT));
                if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
                }
                Sink::Smtp(Box::new(builder.build()))
            }
        };
        Ok(Transport { from, sink })
    }

    /// The directory `.eml` files go to, for the file transport.
    pub fn directory(&self) -> Option<&Path> {
        match &self.sink {
            Sink::Files(dir) => Some(dir),
            Sink::Smtp(_) => None,
        }
    }

    /// The message as it goes out: from the configured sender, dated `now`.
    pub fn message(&self, id: MailId, to: &Email, rendered: Rendered, now: UnixTime) -> Result<Message, DeliveryError> {
        let address = to
            .as_str()
            .parse()
            .map_err(|_| DeliveryError::Permanent("the recipient's address is not one SMTP can carry".into()))?;
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(now.0).unwrap_or_default());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, address))
            .subject(rendered.subject)
            .date(date)
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|e| DeliveryError::Permanent(format!("the message cannot be built: {e}")))
    }

    /// Sends one message. `name` names its file (file transport).
    pub async fn send(&self, name: &str, message: Message) -> Result<(), DeliveryError> {
        match &self.sink {
            Sink::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| DeliveryError::Transient(describe(&e))),
            Sink::Files(dir) => {
                let (dir, name) = (dir.clone(), format!("{name}.eml"));
                let path = tokio::task::spawn_blocking(move || write_eml(&dir, &name, &message.formatted()))
                    .await
                    .map_err(|e| DeliveryError::Transient(format!("writing the file was interrupted: {e}")))?
                    .map_err(|e| DeliveryError::Transient(format!("cannot write the .eml file: {e}")))?;
                tracing::info!(path = %path.display(), "email written to a file");
                Ok(())
            }
        }
    }
}

/// An error with its causes, on one line (lettre names the SMTP reply code and text, never the
/// credentials).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}
