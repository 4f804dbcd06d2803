//! Start-up as a library function: open the database, build the application, serve until a shutdown
//! future resolves. `main` calls this with the real clock and Ctrl-C/SIGTERM; the tests call it with a
//! manual clock, port 0 and their own shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use portcullis_store::Store;
use tokio::net::TcpListener;

use crate::app::secrets::{MasterKey, SecretBox};
use crate::app::{App, Clock};
use crate::settings::{Settings, redact_database_url};
use crate::web::{self, AppState};
use portcullis_core::UnixTime;
use secrecy::ExposeSecret;

/// Connects to the configured database (creating the data directory for the embedded SQLite),
/// applies migrations, and builds the use-case layer.
pub async fn open_app(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<App>> {
    if settings.database_url.is_none() {
        create_private_dir(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    }
    let url = settings.database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_database_url(&url)))?;
    store.migrate().await.context("cannot migrate the database")?;
    let secrets = load_master_key(settings, &store, clock.now()).await?;
    Ok(Arc::new(App::new(store, settings, clock, secrets)?))
}

/// The master key: configured, or the data directory's key file, or — for a database that has never
/// had one — a new key file. A database that had a key never gets a new one silently.
async fn load_master_key(settings: &Settings, store: &Store, now: UnixTime) -> anyhow::Result<SecretBox> {
    let key_file = settings.data_dir.join("master.key");
    let mut tx = store.begin().await?;
    let checks = tx.key_checks().await?;
    let key = match &settings.master_key {
        Some(text) => MasterKey::parse(text.expose_secret()).context("setting `master_key`")?,
        None if key_file.exists() => {
            let text = std::fs::read_to_string(&key_file)
                .with_context(|| format!("cannot read the master key file {}", key_file.display()))?;
            MasterKey::parse(&text).with_context(|| format!("the master key file {}", key_file.display()))?
        }
        None if checks.is_empty() => {
            let key = MasterKey::generate()?;
            write_key_file(&key_file, &key)
                .with_context(|| format!("cannot create the master key file {}", key_file.display()))?;
            tracing::info!(path = %key_file.display(), key_id = key.id(), "created a new master key file; back it up");
            key
        }
        None => anyhow::bail!(
            "this database holds secrets sealed with a master key, but no key was found: set \
             PORTCULLIS_MASTER_KEY (the same on every node) or restore {}",
            key_file.display()
        ),
    };
    let secrets = SecretBox::new(key);
    match checks.iter().find(|(id, _)| id == secrets.key_id()) {
        Some((_, sealed)) if secrets.verify_key_check(sealed) => {}
        Some(_) => anyhow::bail!(
            "the master key {} does not open this database's key check",
            secrets.key_id()
        ),
        None if checks.is_empty() => {
            let check = secrets.key_check()?;
            tx.insert_key_check(secrets.key_id(), &check, now).await?;
        }
        None => anyhow::bail!(
            "the master key (id {}) is not the one this database was set up with (id {}): check \
             PORTCULLIS_MASTER_KEY or the key file {}",
            secrets.key_id(),
            checks.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", "),
            key_file.display()
        ),
    }
    tx.commit().await?;
    Ok(secrets)
}

fn write_key_file(path: &std::path::Path, key: &MasterKey) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(key.encode().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Serves HTTP on `listener` until `shutdown` resolves, then lets requests in flight finish.
pub async fn run(
    app: Arc<App>,
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    app.ensure_signing_keys()
        .await
        .context("cannot create the OpenID Connect signing keys")?;
    let state = AppState::new(app.clone(), settings).map_err(anyhow::Error::msg)?;
    let router = web::router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let sweeper = tokio::spawn(sweep_periodically(app.clone(), stop_rx.clone()));
    let mailer = tokio::spawn(deliver_mail_continually(app.clone(), stop_rx));
    let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .context("the HTTP server failed");
    let _ = stop_tx.send(true);
    let _ = sweeper.await;
    let _ = mailer.await;
    app.store.close().await;
    result
}

/// Prints the first administrator's setup link when the database has no users yet. The one-time
/// link goes to standard output (for the operator), never to the log.
pub async fn announce_setup_link(app: &App) -> anyhow::Result<()> {
    if let Some((link, _)) = app.setup_link_if_empty().await? {
        println!(
            "No users yet. Open this one-time link within 24 hours to create the first customer-service administrator:\n\n    {}\n",
            app.link_url(&link)
        );
    }
    Ok(())
}

async fn sweep_periodically(app: Arc<App>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = interval.tick() => {
                match app.sweep().await {
                    Ok((sessions, links)) if sessions + links > 0 => tracing::info!(sessions, links, "swept expired rows"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "sweeping expired rows failed"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// How often the mail worker looks for due messages without being woken (retries come due, and mail
/// queued by another node or by the command line).
const MAIL_POLL: Duration = Duration::from_secs(5);

/// How long shutdown waits for the batch of email in hand (a relay that stopped answering would
/// otherwise hold it for several SMTP timeouts).
const MAIL_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The email delivery worker (see `app::outbox`), which also posts back-channel logout tokens: wakes when a transaction of this process queued
/// mail, and every few seconds; delivers what is due, a batch at a time. On shutdown it lets the batch
/// in hand finish for up to [`MAIL_SHUTDOWN_GRACE`] (stopping mid-message could send it twice; a
/// message cut off is sent again after its lease) and stops.
async fn deliver_mail_continually(app: Arc<App>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let queued = app.store.outbox_signal();
    let mut interval = tokio::time::interval(MAIL_POLL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = queued.notified() => {}
            _ = stop.changed() => return,
        }
        loop {
            if *stop.borrow() {
                return;
            }
            let batch = app.deliver_mail_batch();
            tokio::pin!(batch);
            let result = tokio::select! {
                result = &mut batch => result,
                _ = stop.changed() => match tokio::time::timeout(MAIL_SHUTDOWN_GRACE, batch).await {
                    Ok(result) => result,
                    Err(_) => return,
                },
            };
            match result {
                Ok((_, claimed)) if claimed > 0 => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "delivering email failed; will try again");
                    break;
                }
            }
        }
        // Back-channel logout tokens travel the same way (queued in the transaction that ended the
        // session, posted here with retries).
        while !*stop.borrow() {
            match app.deliver_logout_batch().await {
                Ok(claimed) if claimed > 0 => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "back-channel logout delivery failed; will try again");
                    break;
                }
            }
        }
    }
}
