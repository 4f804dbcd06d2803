//! The command line. Every command prints one human line (or a table), or JSON with `--json`; errors
//! go to standard error with exit code 1. Commands other than `serve` work directly on the database,
//! so they run on any machine that can reach it, with or without a server running.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use portcullis_core::{OrgName, OrgRole};
use serde_json::json;

use crate::app::admin::{Invitation, Membership};
use crate::app::clients::ClientSettings;
use crate::app::{App, Client, SystemClock};
use crate::settings::{LogFormat, Settings, redact_database_url};
use crate::startup;

#[derive(Parser, Debug)]
#[command(
    name = "portcullis",
    version,
    about = "Portcullis identity server: password plus MFA, single sign-on."
)]
pub struct Cli {
    /// TOML configuration file (settings in it override the defaults; PORTCULLIS_* variables override it).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log format (overrides the `log_format` setting).
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormatArg>,
    /// Print machine-readable JSON instead of human text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (applies migrations first).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Customer-service staff.
    #[command(subcommand)]
    Support(SupportCommand),
    /// Organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Security-key models from the FIDO Metadata Service.
    #[command(subcommand)]
    Mds(MdsCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Development aids (benchmarks).
    #[command(subcommand)]
    Dev(DevCommand),
    /// The services that log in through Portcullis (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// OpenID Connect token-signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand, Debug)]
enum ClientCommand {
    /// Register a service; prints its client id and, once, its secret (store it in the service's
    /// configuration: it cannot be shown again, only replaced).
    Add {
        #[arg(long)]
        name: String,
        /// Where the service receives the login (exact match; repeat for several).
        #[arg(long = "redirect-uri", value_name = "URI", required = true)]
        redirect_uris: Vec<String>,
        /// Where the service may send users after logging out (repeat for several).
        #[arg(long = "post-logout-uri", value_name = "URI")]
        post_logout_uris: Vec<String>,
        /// OpenID Connect Back-Channel Logout: Portcullis posts a logout token here when a user's
        /// session ends.
        #[arg(long = "backchannel-logout-uri", value_name = "URI")]
        backchannel_logout_uri: Option<String>,
        /// A public client (a single-page or native app): no secret, PKCE required.
        #[arg(long)]
        public: bool,
        /// Only logins with a security key (phishing-resistant, acr "phr").
        #[arg(long)]
        require_key: bool,
        /// Ask each user once before the first login (for third-party services).
        #[arg(long)]
        consent: bool,
        /// Sign this service's tokens with RS256 instead of ES256 (for older libraries).
        #[arg(long)]
        rs256: bool,
        /// Scopes it may ask for, space-separated (default: openid profile email org offline_access).
        #[arg(long)]
        scopes: Option<String>,
        /// Access-token (and ID-token) lifetime, e.g. 5m.
        #[arg(long, value_parser = humantime::parse_duration)]
        access_ttl: Option<std::time::Duration>,
        /// Refresh tokens end after this long unused, e.g. 30m.
        #[arg(long, value_parser = humantime::parse_duration)]
        refresh_idle_ttl: Option<std::time::Duration>,
        /// Refresh tokens end this long after the login at the latest, e.g. 12h.
        #[arg(long, value_parser = humantime::parse_duration)]
        refresh_max_ttl: Option<std::time::Duration>,
    },
    /// List the registered services.
    List,
    /// Give a confidential service a new secret (the old one stops working at once).
    Secret {
        #[arg(value_name = "CLIENT_ID")]
        id: String,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Replace the signing keys (ES256 and RS256) with new ones. The new keys are published at once
    /// and start signing 10 minutes later (so services that cache the keys learn them first), when the
    /// old ones stop; the old ones stay published until the tokens they signed have expired.
    Rotate {
        /// Sign with the new keys at once (when a key may be compromised); services that cached the
        /// keys in the last minutes may refuse new tokens until they fetch the keys again.
        #[arg(long)]
        now: bool,
    },
}

#[derive(Subcommand, Debug)]
enum DevCommand {
    /// Fill an empty database with organizations and users (no passwords, `.example` emails) to measure
    /// search and pages at scale. Refuses a database that has users.
    Seed {
        #[arg(long, default_value_t = 100_000)]
        users: u64,
        #[arg(long, default_value_t = 1_000)]
        orgs: u64,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the audit log's hash chain from the first record to the newest; exit code 1 and the first
    /// broken record if a record was changed, deleted or inserted behind Portcullis's back.
    Verify,
}

#[derive(Subcommand, Debug)]
enum MdsCommand {
    /// Import a FIDO MDS3 blob (the JWT from https://mds3.fidoalliance.org/): every certified key model
    /// gets its name and attestation roots. The blob's signature must chain to the FIDO Alliance's
    /// root; a new blob replaces the previous one.
    Load {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum SupportCommand {
    /// Invite a customer-service administrator; prints a one-time link valid 24 hours.
    Invite {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Create an organization and invite its main administrator; prints the one-time link.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "EMAIL")]
        main_admin: String,
    },
    /// List organizations.
    List,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Invite a user; prints the one-time link. Without --org the user is an individual.
    Invite {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "NAME")]
        org: Option<String>,
        #[arg(long, value_enum, default_value = "employee", requires = "org")]
        role: RoleArg,
    },
    /// Lift a user's login throttles (password and MFA codes), e.g. after 100 wrong codes locked MFA.
    Unlock {
        #[arg(long)]
        email: String,
    },
    /// List users (of one organization with --org).
    List {
        #[arg(long, value_name = "NAME")]
        org: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Employee,
    #[value(name = "user_admin", alias = "user-admin")]
    UserAdmin,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(mut settings) => {
            if let Some(format) = cli.log_format {
                settings.log_format = match format {
                    LogFormatArg::Text => LogFormat::Text,
                    LogFormatArg::Json => LogFormat::Json,
                };
            }
            settings
        }
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    let app = startup::open_app(&settings, Arc::new(SystemClock)).await?;
    let out = Output { json: cli.json };
    let operator = Client {
        ip: None,
        user_agent: Some("portcullis-cli".into()),
        api_token: None,
    };
    match cli.command {
        Command::Serve => serve(app, &settings).await,
        Command::Migrate => {
            out.line(
                &format!(
                    "The database is up to date: {}",
                    redact_database_url(&settings.database_url())
                ),
                json!({ "migrated": true }),
            );
            Ok(())
        }
        Command::Support(SupportCommand::Invite { email }) => {
            let invitation = app.invite(&email, Membership::CustomerService, None, &operator).await?;
            out.invitation(&app, &invitation, "customer-service administrator");
            Ok(())
        }
        Command::Org(OrgCommand::Create { name, main_admin }) => {
            let (_, invitation) = app.create_org(&name, &main_admin, None, &operator).await?;
            out.invitation(&app, &invitation, "main administrator");
            Ok(())
        }
        Command::Client(command) => client_command(&app, &out, command, &operator).await,
        Command::Org(OrgCommand::List) => {
            let orgs = app.list_orgs().await?;
            if out.json {
                let list: Vec<_> = orgs
                    .iter()
                    .map(|o| {
                        json!({
                            "id": o.org.id.to_string(),
                            "name": o.org.name.as_str(),
                            "members": o.members,
                            "main_admin": o.main_admin.as_ref().map(|e| e.as_str()),
                            "created_at": o.org.created_at.0,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else if orgs.is_empty() {
                println!("No organizations yet. Create one with: portcullis org create --name NAME --main-admin EMAIL");
            } else {
                for o in &orgs {
                    let admin = o.main_admin.as_ref().map_or("-", |e| e.as_str());
                    println!("{}\t{} members\tmain administrator: {admin}", o.org.name, o.members);
                }
            }
            Ok(())
        }
        Command::User(UserCommand::Invite { email, org, role }) => {
            let role = match role {
                RoleArg::Employee => OrgRole::Employee,
                RoleArg::UserAdmin => OrgRole::UserAdmin,
            };
            let org_name = org
                .as_deref()
                .map(OrgName::parse)
                .transpose()
                .context("invalid organization name")?;
            let membership = match &org_name {
                Some(name) => Membership::Org(name, role),
                None => Membership::Individual,
            };
            let invitation = app.invite(&email, membership, None, &operator).await?;
            let what = match (&org_name, role) {
                (None, _) => "individual",
                (Some(_), OrgRole::UserAdmin) => "user administrator",
                (Some(_), _) => "employee",
            };
            out.invitation(&app, &invitation, what);
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { now }) => {
            let lead = if now { 0 } else { crate::app::signing::ROTATION_LEAD };
            let (kids, switch) = app.rotate_signing_keys(lead).await?;
            let until = switch.plus_secs(crate::app::signing::RETIRED_KEYS_PUBLISHED_FOR);
            out.line(
                &format!(
                    "New signing keys: {} (published now; they sign from {} UTC). The old keys sign until then \
                     and stay published until {} (UTC).",
                    kids.join(", "),
                    crate::i18n::format_utc(switch.0),
                    crate::i18n::format_utc(until.0)
                ),
                json!({ "kids": kids, "signs_from": switch.0, "old_published_until": until.0 }),
            );
            Ok(())
        }
        Command::Dev(DevCommand::Seed { users, orgs }) => {
            let (orgs, users) = app.dev_seed(users, orgs).await?;
            out.line(
                &format!("Seeded {orgs} organizations and {users} users."),
                json!({ "organizations": orgs, "users": users }),
            );
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            use portcullis_store::audit::ChainReport;
            match app.store.verify_audit_chain().await? {
                ChainReport::Intact { chained, unchained } => {
                    let older = if unchained > 0 {
                        format!(" ({unchained} older records predate the chain)")
                    } else {
                        String::new()
                    };
                    out.line(
                        &format!(
                            "The audit log is intact: {chained} chained record{}{older}.",
                            if chained == 1 { "" } else { "s" }
                        ),
                        json!({ "intact": true, "records": chained, "unchained": unchained }),
                    );
                    Ok(())
                }
                ChainReport::Broken { record, reason } => {
                    if out.json {
                        println!(
                            "{}",
                            json!({ "intact": false, "record": record, "reason": format!("{reason:?}") })
                        );
                    }
                    anyhow::bail!("the audit log is broken at record {record}: {}", reason.describe())
                }
            }
        }
        Command::Mds(MdsCommand::Load { file }) => {
            let blob = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let models = crate::app::security_key::models_from_mds_blob(&blob, app.now())?;
            let (total, with_roots) = app.load_key_models(models, &operator).await?;
            out.line(
                &format!(
                    "Loaded {total} security-key models ({with_roots} with attestation roots) from {}.",
                    file.display()
                ),
                json!({ "models": total, "with_attestation_roots": with_roots }),
            );
            Ok(())
        }
        Command::User(UserCommand::Unlock { email }) => {
            if !app.unlock_user(&email, None, &operator).await? {
                anyhow::bail!("no user has the email {email}");
            }
            out.line(
                &format!("Lifted the login throttles of {email}."),
                json!({ "email": email, "unlocked": true }),
            );
            Ok(())
        }
        Command::User(UserCommand::List { org }) => {
            let users = app.list_users(org.as_deref()).await?;
            if out.json {
                let list: Vec<_> = users
                    .iter()
                    .map(|(u, org)| {
                        json!({
                            "id": u.id.to_string(),
                            "email": u.email.as_str(),
                            "name": u.display_name.as_ref().map(|n| n.as_str()),
                            "org": org.as_ref().map(|n| n.as_str()),
                            "role": u.org.map(|(_, r)| r.as_str()),
                            "platform_role": u.platform_role.map(|r| r.as_str()),
                            "status": u.status.as_str(),
                            "created_at": u.created_at.0,
                            "last_login_at": u.last_login_at.map(|t| t.0),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else if users.is_empty() {
                println!("No users.");
            } else {
                for (u, org) in &users {
                    let role = u
                        .org
                        .map(|(_, r)| r.as_str())
                        .or(u.platform_role.map(|r| r.as_str()))
                        .unwrap_or("individual");
                    let org = org.as_ref().map_or("-", |n| n.as_str());
                    println!("{}\t{}\t{role}\t{org}", u.email, u.status);
                }
            }
            Ok(())
        }
    }
}

async fn serve(app: Arc<App>, settings: &Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        public_url = %settings.public_url,
        database = %redact_database_url(&settings.database_url()),
        "Portcullis is ready"
    );
    startup::announce_setup_link(&app).await?;
    startup::run(app, settings, listener, shutdown_signal()).await
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn client_command(app: &App, out: &Output, command: ClientCommand, operator: &Client) -> anyhow::Result<()> {
    match command {
        ClientCommand::Add {
            name,
            redirect_uris,
            post_logout_uris,
            backchannel_logout_uri,
            public,
            require_key,
            consent,
            rs256,
            scopes,
            access_ttl,
            refresh_idle_ttl,
            refresh_max_ttl,
        } => {
            let mut settings = ClientSettings::new(&name, redirect_uris);
            settings.post_logout_uris = post_logout_uris;
            settings.backchannel_logout_uri = backchannel_logout_uri;
            settings.require_key = require_key;
            settings.consent = consent;
            if rs256 {
                settings.signing_alg = portcullis_core::oidc::SigningAlg::Rs256;
            }
            if let Some(scopes) = scopes {
                settings.scopes = portcullis_core::oidc::Scopes::parse(&scopes)?;
            }
            let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if let Some(d) = access_ttl {
                settings.access_ttl = secs(d);
            }
            if let Some(d) = refresh_idle_ttl {
                settings.refresh_idle_ttl = secs(d);
            }
            if let Some(d) = refresh_max_ttl {
                settings.refresh_max_ttl = secs(d);
            }
            let new = app.add_client(None, settings, public, operator).await?;
            let secret = new.secret.as_ref().map(|s| s.expose().to_owned());
            let human = match &secret {
                Some(secret) => format!(
                    "Registered {} (confidential).\nclient_id:     {}\nclient_secret: {secret}\n\
                     The secret is shown only now: put it in the service's configuration.\n\
                     Issuer (discovery): {}/.well-known/openid-configuration",
                    new.client.name,
                    new.client.id,
                    app.issuer()
                ),
                None => format!(
                    "Registered {} (public: no secret, PKCE required).\nclient_id: {}\n\
                     Issuer (discovery): {}/.well-known/openid-configuration",
                    new.client.name,
                    new.client.id,
                    app.issuer()
                ),
            };
            out.line(
                &human,
                json!({
                    "client_id": new.client.id,
                    "client_secret": secret,
                    "name": new.client.name,
                    "issuer": app.issuer(),
                }),
            );
            Ok(())
        }
        ClientCommand::List => {
            let clients = app.clients().await?;
            if out.json {
                let list: Vec<_> = clients
                    .iter()
                    .map(|c| {
                        json!({
                            "client_id": c.id,
                            "name": c.name,
                            "public": c.is_public(),
                            "redirect_uris": c.redirect_uris,
                            "post_logout_uris": c.post_logout_uris,
                            "backchannel_logout_uri": c.backchannel_logout_uri,
                            "scopes": c.scopes.to_string(),
                            "require_key": c.require_key,
                            "signing_alg": c.signing_alg.as_str(),
                            "consent": c.consent,
                            "access_ttl": c.access_ttl,
                            "refresh_idle_ttl": c.refresh_idle_ttl,
                            "refresh_max_ttl": c.refresh_max_ttl,
                            "enabled": c.enabled,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else if clients.is_empty() {
                println!("No services yet. Register one with: portcullis client add --name NAME --redirect-uri URI");
            } else {
                for c in &clients {
                    let kind = if c.is_public() { "public" } else { "confidential" };
                    let key = if c.require_key { ", security key required" } else { "" };
                    println!("{}\t{}\t{kind}{key}\t{}", c.id, c.name, c.redirect_uris.join(" "));
                }
            }
            Ok(())
        }
        ClientCommand::Secret { id } => {
            let secret = app.replace_client_secret(None, &id, operator).await?;
            out.line(
                &format!(
                    "New secret for {id} (shown only now; the old one no longer works):\n{}",
                    secret.expose()
                ),
                json!({ "client_id": id, "client_secret": secret.expose() }),
            );
            Ok(())
        }
    }
}

struct Output {
    json: bool,
}

impl Output {
    fn line(&self, human: &str, json: serde_json::Value) {
        if self.json {
            println!("{json}");
        } else {
            println!("{human}");
        }
    }

    fn invitation(&self, app: &App, invitation: &Invitation, what: &str) {
        let org = invitation.org_name.as_ref().map(|n| n.as_str());
        let url = app.link_url(&invitation.link);
        let of = org.map(|o| format!(" of {o}")).unwrap_or_default();
        self.line(
            &format!(
                "Invited {} as {what}{of}. One-time link (give it only to them):\n{url}\n\
                 The invitation email with this link is queued: the running server sends it.",
                invitation.email
            ),
            json!({
                "user_id": invitation.user_id.to_string(),
                "email": invitation.email.as_str(),
                "role": what,
                "org": org,
                "link": url,
                "expires_at": invitation.expires_at.0,
            }),
        );
    }
}
