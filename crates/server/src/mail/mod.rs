//! Transactional email: what the messages say, and how they leave the server.
//!
//! - [`message`]: the messages ([`Mail`]), stored as JSON in the outbox and rendered at delivery in
//!   the recipient's language (English, Dutch: the `email-*` keys of the Fluent catalogues) to a
//!   subject, a plain-text body and an HTML body (askama templates in `templates/email/`).
//! - [`transport`]: where rendered messages go: `.eml` files in `<data_dir>/outbox/`, or an SMTP relay
//!   (lettre over rustls).
//!
//! Queueing (in the use case's transaction) and the delivery worker with its retries are use cases:
//! `crate::app::outbox`.

pub mod message;
pub mod transport;

pub use message::{Help, Mail, MfaMethod, Rendered};
pub use transport::{DeliveryError, Transport};
