//! The pure domain core of Portcullis.
//!
//! Nothing here performs I/O: no database, no HTTP, no clock, no randomness. Time and random bytes are
//! parameters, so every rule can be tested with plain values. The layers above (`portcullis-store`,
//! `portcullis` with its app and web modules) call into this crate; this crate never calls out.
//!
//! - [`api_token`]: API tokens' scopes and lifetimes, and whether a token may act now.
//! - [`audit`]: the audit log's hash chain.
//! - [`email`]: [`Email`], the case-insensitive login name.
//! - [`ids`]: [`UserId`], [`OrgId`].
//! - [`names`]: [`DisplayName`], [`OrgName`].
//! - [`roles`]: organization roles, the platform role and user status.
//! - [`permissions`]: who may reset whose MFA (the matrix of DESIGN.md §2).
//! - [`password`]: the policy for new passwords (length, guessability, not the email).
//! - [`token`]: one-time and session tokens: random plain values, prefixed by kind, stored as SHA-256.
//! - [`totp`]: authenticator-app codes (RFC 6238): secrets, verification with drift and replay check, Key URI.
//! - [`security_key`]: security keys as the product sees them: models (AAGUIDs), the admission policy, names.
//! - [`throttle`]: the persisted throttle state machine for failed attempts.
//! - [`outbox`]: when a message of the email outbox is tried again after a failure, and when never.
//! - [`oidc`]: OpenID Connect: clients' policies, the authorization request, PKCE, `acr` levels.
//! - [`login`]: the login-flow stages, authentication methods (`amr`) and session lifetimes.
//! - [`time`]: [`UnixTime`], seconds since the epoch, as passed in by the caller.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api_token;
pub mod audit;
pub mod email;
pub mod ids;
pub mod login;
pub mod names;
pub mod oidc;
pub mod outbox;
pub mod password;
pub mod permissions;
pub mod roles;
pub mod security_key;
pub mod throttle;
pub mod time;
pub mod token;
pub mod totp;

pub use email::Email;
pub use ids::{ApiTokenId, CredentialId, EnrollmentId, MailId, OrgId, UserId};
pub use login::{Amr, LoginStage, SessionPolicy};
pub use names::{DisplayName, OrgName, Reason, TicketRef};
pub use roles::{OrgRole, PlatformRole, UserStatus};
pub use time::UnixTime;
pub use token::{PlainToken, TokenHash, TokenKind};
