//! Email through a transactional outbox (DESIGN.md §3): use cases queue a [`Mail`] in their own
//! transaction ([`App::queue_mail`]), so an email exists exactly when the event that causes it was
//! committed; the delivery worker ([`App::deliver_due_mail`], run by `startup::run`) sends it later,
//! with retries.
//!
//! Delivery of one message: claim it with a lease (one short transaction, which counts the attempt),
//! render it in its language, hand it to the transport, and mark it sent in a new transaction right
//! after the transport accepted it (SMTP: the relay's `250` to the data). A failure schedules the next
//! attempt by [`RetryPolicy::EMAIL`] (30 s doubling to 1 h); two days after queueing a failure gives
//! the message up, which is audited (`email_abandoned`) and logged.
//!
//! Guarantees. A crash before the commit queues nothing; a crash after it loses nothing (the row is
//! there, and is claimed again once its lease runs out). Several workers (nodes) never claim the same
//! message at once (see `portcullis_store::outbox`). **The residual at-least-once window**: if the
//! process dies, or the database cannot be written, between the relay accepting a message and the
//! "sent" mark committing, the message is sent again once its lease ([`LEASE`]) runs out. The window
//! is one database round trip wide; the repeat carries the same `Message-ID`. Exactly-once delivery
//! over SMTP is not possible without the relay's cooperation.
//!
//! The payload (the [`Mail`] as JSON, which for an invitation holds a one-time link) is sealed under
//! the master key, as other secrets at rest, and erased once the message is sent or given up.

use portcullis_core::outbox::{Retry, RetryPolicy};
use portcullis_core::{Email, MailId, OrgRole, UnixTime};
use portcullis_store::Tx;
use portcullis_store::outbox::{NewMail, OutboxMail};
use portcullis_store::records::UserRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{App, AppError, Client, event};
use crate::i18n::{Lang, Tr};
use crate::mail::{DeliveryError, Help, Mail};

/// How long a claim keeps other workers away from a message: longer than the worst case of one
/// message (a handful of SMTP commands at `SMTP_TIMEOUT` each) times a batch.
pub const LEASE: i64 = 10 * 60;

/// Messages claimed per transaction.
const BATCH: i64 = 5;

/// What the outbox's payload holds, sealed.
#[derive(Serialize, Deserialize)]
struct Envelope {
    help: Help,
    mail: Mail,
}

/// The language of a user's email: their stored preference, else English.
pub fn lang_of(user: &UserRecord) -> Lang {
    user.locale.as_deref().and_then(Lang::from_code).unwrap_or(Lang::En)
}

/// Whom a user turns to (DESIGN.md §2.6): employees and user administrators to their organization's
/// administrators; main administrators, individuals and platform staff to customer service.
pub fn help_for(user: &UserRecord) -> Help {
    match user.org {
        Some((_, OrgRole::Employee | OrgRole::UserAdmin)) => Help::Administrator,
        Some((_, OrgRole::MainAdmin)) | None => Help::CustomerService,
    }
}

fn sealing_context(id: MailId) -> String {
    format!("mail:{id}")
}

impl App {
    /// Queues `mail` to a user in the caller's transaction (in their language, naming whom they should
    /// contact); it goes out after the transaction commits.
    pub(crate) async fn queue_mail(
        &self,
        tx: &mut Tx,
        to: &UserRecord,
        mail: Mail,
        now: UnixTime,
    ) -> Result<MailId, AppError> {
        self.enqueue(tx, &to.email, lang_of(to), help_for(to), mail, now).await
    }

    /// Queues `mail` to an address without an account record at hand (e.g. an invitation).
    pub(crate) async fn queue_mail_to(
        &self,
        tx: &mut Tx,
        to: &Email,
        lang: Lang,
        mail: Mail,
        now: UnixTime,
    ) -> Result<MailId, AppError> {
        self.enqueue(tx, to, lang, Help::Either, mail, now).await
    }

    pub(crate) async fn enqueue(
        &self,
        tx: &mut Tx,
        to: &Email,
        lang: Lang,
        help: Help,
        mail: Mail,
        now: UnixTime,
    ) -> Result<MailId, AppError> {
        let id = MailId::from_random_bytes(super::random::bytes()?);
        let kind = mail.kind().to_owned();
        let json = serde_json::to_vec(&Envelope { help, mail })
            .map_err(|e| AppError::Internal(format!("serializing an email: {e}")))?;
        let payload = self.secrets.seal(&json, &sealing_context(id))?;
        tx.enqueue_mail(&NewMail {
            id,
            recipient: to.clone(),
            lang: lang.code().to_owned(),
            kind,
            payload,
            created_at: now,
        })
        .await?;
        Ok(id)
    }

    /// Delivers every message due now, each by one worker only; returns how many went out. The
    /// background worker calls this when woken; tests call it directly after moving the clock.
    pub async fn deliver_due_mail(&self) -> Result<usize, AppError> {
        let mut sent = 0;
        loop {
            let (delivered, claimed) = self.deliver_mail_batch().await?;
            sent += delivered;
            if claimed < BATCH as usize {
                return Ok(sent);
            }
        }
    }

    /// Claims up to one batch of due messages and delivers them; (sent, claimed).
    pub(crate) async fn deliver_mail_batch(&self) -> Result<(usize, usize), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let claimed = tx.claim_due_mail(now, now.plus_secs(LEASE), BATCH).await?;
        tx.commit().await?;
        let mut sent = 0;
        for mail in &claimed {
            if self.deliver(mail).await? {
                sent += 1;
            }
        }
        Ok((sent, claimed.len()))
    }

    /// One claimed message: send, then mark it sent, failed (to retry) or given up.
    #[tracing::instrument(skip_all, fields(mail = %mail.id, kind = %mail.kind, attempt = mail.attempts))]
    async fn deliver(&self, mail: &OutboxMail) -> Result<bool, AppError> {
        if mail.claimed_until.is_none_or(|until| until <= self.now()) {
            // Our lease ran out while earlier messages of the batch were sent: another worker may
            // hold this one now.
            return Ok(false);
        }
        let outcome = match self.prepare(mail) {
            Ok(message) => {
                let name = format!("{}-{}", mail.created_at.0, mail.id);
                self.transport.send(&name, message).await
            }
            Err(err) => Err(err),
        };
        // Mark at once: this is the at-least-once window (see the module documentation).
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let err = match outcome {
            Ok(()) => {
                tx.mark_mail_sent(mail.id, now).await?;
                tx.commit().await?;
                tracing::info!("email sent");
                return Ok(true);
            }
            Err(err) => err,
        };
        let retry = match &err {
            DeliveryError::Transient(_) => RetryPolicy::EMAIL.after_failure(mail.attempts, mail.created_at, now),
            DeliveryError::Permanent(_) => Retry::GiveUp,
        };
        match retry {
            Retry::At(at) => {
                tx.mark_mail_failed(mail.id, at, &err.to_string()).await?;
                tracing::warn!(error = %err, retry_in = now.secs_until(at), "email not delivered; will retry");
            }
            Retry::GiveUp => {
                if tx.abandon_mail(mail.id, now, &err.to_string()).await? {
                    let user = tx.find_user_by_email(&mail.recipient).await?;
                    let detail = json!({
                        "mail": mail.id.to_string(),
                        "kind": mail.kind,
                        "attempts": mail.attempts,
                        "error": err.to_string(),
                    });
                    tx.append_audit(&event(
                        now,
                        "email_abandoned",
                        None,
                        user.as_ref().map(|u| u.id),
                        user.as_ref().and_then(|u| u.org.map(|(id, _)| id)),
                        &Client::default(),
                        detail,
                    ))
                    .await?;
                }
                tracing::warn!(error = %err, "email given up after repeated failures");
            }
        }
        tx.commit().await?;
        Ok(false)
    }

    /// Opens, renders and addresses a claimed message. Failing here is permanent: trying again would
    /// fail the same way.
    fn prepare(&self, mail: &OutboxMail) -> Result<lettre::Message, DeliveryError> {
        let sealed = mail
            .payload
            .as_deref()
            .ok_or_else(|| DeliveryError::Permanent("the message has no content".into()))?;
        let json = self
            .secrets
            .open(sealed, &sealing_context(mail.id))
            .map_err(|_| DeliveryError::Permanent("the stored message cannot be opened".into()))?;
        let envelope: Envelope = serde_json::from_slice(&json)
            .map_err(|e| DeliveryError::Permanent(format!("the stored message cannot be read: {e}")))?;
        let lang = Lang::from_code(&mail.lang).unwrap_or(Lang::En);
        let tr = Tr::new(lang, self.catalogues.clone());
        let rendered = envelope
            .mail
            .render(&tr, &self.service_name, envelope.help, mail.created_at.0)
            .map_err(|e| DeliveryError::Permanent(format!("the message cannot be rendered: {e}")))?;
        self.transport.message(mail.id, &mail.recipient, rendered, self.now())
    }
}
