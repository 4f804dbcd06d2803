//! Storage for Portcullis: one interface over SQLite (embedded, the default) and PostgreSQL.
//!
//! Every query is written once, in SQL that both databases understand, and run through sqlx's `Any`
//! driver; the few places where the dialects differ branch on [`Backend`]. To stay portable the schema
//! keeps times as seconds since the epoch (`BIGINT`), ids as text and flags as integers. Migrations are
//! versioned per backend in `migrations/{sqlite,postgres}` and kept in lockstep (a contract test
//! compares the two schemas).
//!
//! - [`Store`]: the connection pool; `begin()` opens a write transaction, `read()` a read transaction.
//! - [`Tx`]: a transaction; all queries are its methods, grouped by area in the modules below.
//! - [`records`]: the rows as typed values (`portcullis-core` types, never raw strings).
//! - `orgs`, `users`, `links`, `sessions`, `throttles`, `audit`: the queries.
//! - [`totp`]: authenticator-app enrollments and credentials, and the master-key checks.
//! - [`security_keys`]: security keys, WebAuthn ceremony state, key models from FIDO metadata.
//! - [`support`]: the customer-service console's search over all users (indexed prefix matches).
//! - [`api_tokens`]: organizations' API tokens (by hash), listed, revoked once, touched when used.
//! - [`members`]: per-account changes under a row lock (status, role, MFA reset), member lists.
//! - [`oidc`]: OpenID Connect clients, waiting authorization requests, grants with their single-use
//!   codes and rotating refresh tokens, consents, back-channel logout deliveries.
//! - [`signing_keys`]: OpenID Connect token-signing keys (one active per algorithm), retired and published.
//! - [`outbox`]: the email outbox: messages queued in the caller's transaction, claimed with a lease,
//!   marked sent or failed.
//!
//! On SQLite a write transaction starts with `BEGIN IMMEDIATE`, so that two writers never fail when one
//! upgrades a read lock, and the writers of one process take turns on a mutex before that (another
//! process, such as the CLI, still waits on SQLite's busy timeout). On PostgreSQL races are settled by
//! unique constraints, row locks (`FOR UPDATE`, the one dialect branch in the queries) and
//! compare-and-set updates, never by reading and then writing blindly.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api_tokens;
pub mod audit;
mod error;
mod links;
pub mod members;
pub mod oidc;
mod orgs;
pub mod outbox;
pub mod records;
pub mod security_keys;
mod sessions;
pub mod signing_keys;
pub mod support;
mod throttles;
pub mod totp;
mod users;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};

pub use error::{Conflict, StoreError};
pub use throttles::{AttemptKeys, AttemptStates};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The URL scheme picks the backend: `sqlite:` or `postgres:` / `postgresql:`.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: write transactions of this process take turns here instead of in SQLite's busy handler,
    /// which sleeps with a growing back-off and gives long latency tails under load.
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Notified after each commit that queued mail (see [`Store::outbox_signal`]).
    outbox_signal: Arc<tokio::sync::Notify>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects (creating the SQLite file if needed); does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or(StoreError::UnsupportedUrl)?;
        let options: AnyConnectOptions = url.parse().map_err(StoreError::Database)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            writer,
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Notified (one stored permit) right after a transaction of this process that queued mail
    /// commits, so the delivery worker need not wait for its next round. Other processes (another
    /// node, the command line) are not told: their mail waits for this worker's periodic look.
    pub fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_signal.clone()
    }

    /// Applies the embedded migrations of this backend. Safe to run on every start and from several
    /// nodes at once (sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    /// Opens a transaction for a state change.
    pub async fn begin(&self) -> Result<Tx> {
        let turn = match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            tx,
            backend: self.backend,
            pending_audit: Vec::new(),
            queued_mail: false,
            outbox_signal: self.outbox_signal.clone(),
            _turn: turn,
        })
    }

    /// Opens a transaction that only reads (a consistent snapshot; no write lock on SQLite).
    pub async fn read(&self) -> Result<Tx> {
        Ok(Tx {
            tx: self.pool.begin().await?,
            backend: self.backend,
            pending_audit: Vec::new(),
            queued_mail: false,
            outbox_signal: self.outbox_signal.clone(),
            _turn: None,
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Tables and their columns, sorted, for the schema lockstep test.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%' \
                 ORDER BY 1, 2"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx_%' ORDER BY 1, 2"
            }
        };
        Ok(sqlx::query_as(sql).fetch_all(&self.pool).await?)
    }
}

/// One database transaction. Dropping it without [`Tx::commit`] rolls everything back, so a use case
/// that fails half-way leaves nothing behind.
pub struct Tx {
    tx: sqlx::Transaction<'static, Any>,
    backend: Backend,
    /// Audit events of this transaction, chained and written at commit (see `audit`).
    pending_audit: Vec<records::AuditEvent>,
    /// Whether this transaction queued mail: then its commit notifies `outbox_signal`.
    queued_mail: bool,
    outbox_signal: Arc<tokio::sync::Notify>,
    /// Held until commit or rollback (SQLite writers; see [`Store`]).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(mut self) -> Result<()> {
        self.write_pending_audit().await?;
        self.tx.commit().await?;
        if self.queued_mail {
            self.outbox_signal.notify_one();
        }
        Ok(())
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
