//! Typed settings: defaults, then a TOML file (`--config FILE`), then `PORTCULLIS_*` environment
//! variables. An unknown key or a bad value stops start-up with a message that names it. One
//! [`Settings`] is loaded in `main` and passed down; there is no global.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use portcullis_core::security_key::{Aaguid, KeyPolicy, UserVerification};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

/// The prefix of every environment variable Portcullis reads.
pub const ENV_PREFIX: &str = "PORTCULLIS_";

/// Variables with the prefix that are not settings (read by the test suites, not by the server).
const NOT_SETTINGS: &[&str] = &["TEST_DATABASE_URL"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Setting `email_transport`: where outgoing email goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// Each message as an `.eml` file in `<data_dir>/outbox/` (development, or a relay that picks up files).
    File,
    /// An SMTP relay (`smtp_host`, `smtp_port`, `smtp_tls`, `smtp_username`, `smtp_password`).
    Smtp,
}

/// Setting `smtp_tls`: how the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (submission, port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a relay on this machine (loopback), such as a development sink.
    None,
}

/// Setting `security_key_policy`: which security keys may be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPolicySetting {
    /// Any FIDO2 key.
    Any,
    /// Only models the built-in list or a loaded FIDO metadata blob (`portcullis mds load`) names.
    Known,
    /// Only the AAGUIDs in `security_key_allow_list`.
    AllowList,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Where the embedded SQLite database (and later other local files) live.
    pub data_dir: PathBuf,
    /// The URL users reach Portcullis at; links in emails and on the console start with it. With
    /// `https` the cookies are `Secure` and `__Host-` prefixed and HSTS is sent.
    pub public_url: Url,
    /// `sqlite://…` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// The name users see, in page titles and as the issuer in authenticator apps.
    pub service_name: String,
    pub log_format: LogFormat,
    #[serde(with = "humantime_serde")]
    pub session_idle_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub session_absolute_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub invitation_ttl: Duration,
    /// After an MFA reset, how long the user has to set up MFA again before login stops.
    #[serde(with = "humantime_serde")]
    pub mfa_enrollment_window: Duration,
    /// Whether individuals may register themselves at `/register` (on by default).
    pub self_registration: bool,
    /// argon2id memory cost in KiB (OWASP: 19 MiB = 19456 KiB with 2 iterations).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Password hashes computed at the same time; 0 means one per CPU core.
    pub max_concurrent_hashes: usize,
    /// The 256-bit master key that seals secrets at rest, base64. Empty: the file `master.key` in
    /// `data_dir` (created on a fresh database). Several nodes must share one key.
    #[serde(serialize_with = "serialize_secret", deserialize_with = "deserialize_secret")]
    pub master_key: Option<SecretString>,
    /// Reverse proxies / load balancers (addresses or CIDR ranges) whose `X-Forwarded-For` is believed.
    /// Empty: the client is the TCP peer and the header is ignored (anyone could forge it).
    pub trusted_proxies: Vec<IpNet>,
    /// Which security keys may be registered: `any` FIDO2 key, only `known` models, or an `allow_list`.
    pub security_key_policy: KeyPolicySetting,
    /// The AAGUIDs admitted by the `allow_list` policy.
    pub security_key_allow_list: Vec<String>,
    /// `preferred`: keys ask for their PIN if they have one; `required`: keys without a PIN are refused.
    pub security_key_user_verification: UserVerification,
    /// `file` (the default: `.eml` files in `<data_dir>/outbox/`) or `smtp`.
    pub email_transport: EmailTransport,
    /// The sender of every email, e.g. `Portcullis <no-reply@example.com>`.
    pub email_from: String,
    /// The SMTP relay's host name (required with `email_transport = "smtp"`).
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (default), `tls`, or `none` (loopback relays only).
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    /// Never printed or logged.
    #[serde(serialize_with = "serialize_secret", deserialize_with = "deserialize_secret")]
    pub smtp_password: Option<SecretString>,
}

fn serialize_secret<S: serde::Serializer>(value: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    // Only the defaults are ever serialized (for figment); a set key is never written out.
    match value {
        Some(_) => s.serialize_str("<redacted>"),
        None => s.serialize_none(),
    }
}

fn deserialize_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.filter(|t| !t.trim().is_empty()).map(SecretString::from))
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("portcullis-data"),
            public_url: Url::parse("http://localhost:8080").unwrap_or_else(|_| unreachable!()),
            database_url: None,
            service_name: "Portcullis".to_owned(),
            log_format: LogFormat::Text,
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 3600),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            mfa_enrollment_window: Duration::from_secs(72 * 3600),
            self_registration: true,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            max_concurrent_hashes: 0,
            master_key: None,
            trusted_proxies: Vec::new(),
            security_key_policy: KeyPolicySetting::Any,
            security_key_allow_list: Vec::new(),
            security_key_user_verification: UserVerification::Preferred,
            email_transport: EmailTransport::File,
            email_from: "Portcullis <portcullis@localhost>".to_owned(),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, then `file`, then the `PORTCULLIS_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(SettingsError::MissingFile(path.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed(ENV_PREFIX).ignore(NOT_SETTINGS));
        let mut settings: Settings = figment.extract().map_err(|e| SettingsError::Invalid(describe(e)))?;
        if settings
            .database_url
            .as_deref()
            .is_some_and(|url| url.trim().is_empty())
        {
            settings.database_url = None;
        }
        for optional in [&mut settings.smtp_host, &mut settings.smtp_username] {
            if optional.as_deref().is_some_and(|text| text.trim().is_empty()) {
                *optional = None;
            }
        }
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let bad = |key: &str, why: &str| Err(SettingsError::Invalid(format!("setting `{key}`: {why}")));
        if !matches!(self.public_url.scheme(), "http" | "https") || self.public_url.host().is_none() {
            return bad("public_url", "must be an http:// or https:// URL with a host");
        }
        if self.public_url.path() != "/" || self.public_url.query().is_some() {
            return bad(
                "public_url",
                "must not have a path or query (serve Portcullis at the root of its host)",
            );
        }
        if let Some(url) = &self.database_url
            && portcullis_store::Backend::from_url(url).is_none()
        {
            return bad("database_url", "must start with sqlite: or postgres:");
        }
        if self.session_idle_timeout.as_secs() < 60 || self.session_idle_timeout > self.session_absolute_timeout {
            return bad(
                "session_idle_timeout",
                "must be at least 1 minute and at most session_absolute_timeout",
            );
        }
        if self.mfa_enrollment_window.as_secs() < 3600 {
            return bad("mfa_enrollment_window", "must be at least 1 hour");
        }
        if self.invitation_ttl.as_secs() < 3600 {
            return bad("invitation_ttl", "must be at least 1 hour");
        }
        if argon2::Params::new(
            self.argon2_memory_kib,
            self.argon2_iterations,
            self.argon2_parallelism,
            None,
        )
        .is_err()
            || self.argon2_memory_kib < 8 * 1024
        {
            return bad(
                "argon2_memory_kib",
                "argon2 parameters out of range (memory ≥ 8192 KiB, iterations ≥ 1)",
            );
        }
        if let Some(key) = &self.master_key
            && crate::app::secrets::MasterKey::parse(secrecy::ExposeSecret::expose_secret(key)).is_err()
        {
            return bad(
                "master_key",
                "must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)",
            );
        }
        if self.service_name.trim().is_empty() {
            return bad("service_name", "must not be empty");
        }
        if self
            .security_key_allow_list
            .iter()
            .any(|aaguid| Aaguid::parse(aaguid).is_err())
        {
            return bad(
                "security_key_allow_list",
                "every entry must be an AAGUID such as 2fc0579f-8113-47ea-b116-bb5a8db9202a",
            );
        }
        if self.email_from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(
                "email_from",
                "must be an address, optionally with a name: `Portcullis <no-reply@example.com>`",
            );
        }
        if self.email_transport == EmailTransport::Smtp {
            let Some(host) = &self.smtp_host else {
                return bad("smtp_host", "must name the SMTP relay when email_transport is smtp");
            };
            if self.smtp_tls == SmtpTls::None && !is_loopback_host(host) {
                return bad(
                    "smtp_tls",
                    "`none` sends mail (and the SMTP password) unencrypted: only allowed to a relay on \
                     this machine (localhost, 127.0.0.1, ::1); use starttls or tls",
                );
            }
            if self.smtp_username.is_some() != self.smtp_password.is_some() {
                return bad("smtp_username", "smtp_username and smtp_password go together");
            }
        }
        if self.security_key_policy == KeyPolicySetting::AllowList && self.security_key_allow_list.is_empty() {
            return bad(
                "security_key_allow_list",
                "must name at least one AAGUID when security_key_policy is allow_list",
            );
        }
        Ok(())
    }

    /// The security-key admission policy as the core understands it.
    pub fn key_policy(&self) -> KeyPolicy {
        match self.security_key_policy {
            KeyPolicySetting::Any => KeyPolicy::Any,
            KeyPolicySetting::Known => KeyPolicy::KnownModels,
            KeyPolicySetting::AllowList => KeyPolicy::AllowList(
                self.security_key_allow_list
                    .iter()
                    .filter_map(|a| Aaguid::parse(a).ok())
                    .collect(),
            ),
        }
    }

    /// The database URL in use: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("portcullis.db").display()),
        }
    }

    /// Whether cookies may carry `Secure` and the `__Host-` prefix (only over https).
    pub fn https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The public origin, e.g. `https://login.example.com`, for link building and Origin checks.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    pub fn hash_concurrency(&self) -> usize {
        if self.max_concurrent_hashes > 0 {
            self.max_concurrent_hashes
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Hides the password of a database URL for printing.
pub fn redact_database_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("********"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn describe(err: figment::Error) -> String {
    err.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
mod tests {
    use super::*;
    use figment::Jail;

    fn load_err(jail: &Jail, file: Option<&str>) -> String {
        let path = file.map(|f| jail.directory().join(f));
        Settings::load(path.as_deref()).unwrap_err().to_string()
    }

    #[test]
    fn defaults_need_nothing() {
        Jail::expect_with(|_| {
            let s = Settings::load(None).unwrap();
            assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(s.data_dir, PathBuf::from("portcullis-data"));
            assert!(s.database_url().starts_with("sqlite://portcullis-data/portcullis.db"));
            assert!(!s.https());
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "p.toml",
                "listen = \"0.0.0.0:9000\"\nservice_name = \"IAMconnected\"\nsession_idle_timeout = \"10m\"",
            )?;
            jail.set_env("PORTCULLIS_LISTEN", "127.0.0.1:9100");
            jail.set_env("PORTCULLIS_PUBLIC_URL", "https://login.example.com");
            jail.set_env("PORTCULLIS_DATABASE_URL", "postgres://u:secret@db/portcullis");
            jail.set_env("PORTCULLIS_TEST_DATABASE_URL", "postgres://ignored");
            jail.set_env("PORTCULLIS_TRUSTED_PROXIES", "[10.0.0.0/8, \"192.0.2.1/32\"]");
            let s = Settings::load(Some(&jail.directory().join("p.toml"))).unwrap();
            assert_eq!(s.listen.to_string(), "127.0.0.1:9100");
            assert_eq!(s.service_name, "IAMconnected");
            assert_eq!(s.session_idle_timeout, Duration::from_secs(600));
            assert_eq!(s.trusted_proxies.len(), 2);
            assert!(s.trusted_proxies[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
            assert!(s.https());
            assert_eq!(s.public_origin(), "https://login.example.com");
            assert_eq!(
                redact_database_url(&s.database_url()),
                "postgres://u:********@db/portcullis"
            );
            Ok(())
        });
    }

    #[test]
    fn self_registration_is_on_unless_switched_off() {
        Jail::expect_with(|jail| {
            assert!(Settings::load(None).unwrap().self_registration);
            jail.create_file("p.toml", "self_registration = false")?;
            assert!(
                !Settings::load(Some(&jail.directory().join("p.toml")))
                    .unwrap()
                    .self_registration
            );
            jail.set_env("PORTCULLIS_SELF_REGISTRATION", "true");
            assert!(
                Settings::load(Some(&jail.directory().join("p.toml")))
                    .unwrap()
                    .self_registration
            );
            jail.set_env("PORTCULLIS_SELF_REGISTRATION", "maybe");
            let err = load_err(jail, None);
            assert!(err.to_lowercase().contains("self_registration"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "listne = \"0.0.0.0:1\"")?;
            assert!(load_err(jail, Some("bad.toml")).contains("listne"));
            assert!(load_err(jail, Some("missing.toml")).contains("does not exist"));
            jail.set_env("PORTCULLIS_LISTEN", "not-an-address");
            let err = load_err(jail, None);
            assert!(err.to_lowercase().contains("listen"), "{err}");
            jail.set_env("PORTCULLIS_LISTEN", "127.0.0.1:8080");
            jail.set_env("PORTCULLIS_COLOUR", "blue");
            assert!(load_err(jail, None).to_lowercase().contains("colour"));
            Ok(())
        });
    }

    #[test]
    fn values_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env("PORTCULLIS_PUBLIC_URL", "ftp://example.com");
            assert!(load_err(jail, None).contains("public_url"));
            jail.set_env("PORTCULLIS_PUBLIC_URL", "http://localhost:8080");
            jail.set_env("PORTCULLIS_DATABASE_URL", "mysql://x");
            assert!(load_err(jail, None).contains("database_url"));
            jail.set_env("PORTCULLIS_DATABASE_URL", "");
            jail.set_env("PORTCULLIS_ARGON2_MEMORY_KIB", "16");
            assert!(load_err(jail, None).contains("argon2"));
            jail.set_env("PORTCULLIS_ARGON2_MEMORY_KIB", "19456");
            jail.set_env("PORTCULLIS_MASTER_KEY", "too-short");
            assert!(load_err(jail, None).contains("master_key"));
            jail.set_env("PORTCULLIS_MASTER_KEY", "");
            jail.set_env("PORTCULLIS_SECURITY_KEY_POLICY", "allow_list");
            assert!(load_err(jail, None).contains("security_key_allow_list"));
            jail.set_env("PORTCULLIS_SECURITY_KEY_ALLOW_LIST", "[yubikey]");
            assert!(load_err(jail, None).contains("security_key_allow_list"));
            jail.set_env("PORTCULLIS_SECURITY_KEY_POLICY", "brand_new");
            let err = load_err(jail, None);
            assert!(err.to_lowercase().contains("security_key_policy"), "{err}");
            jail.set_env("PORTCULLIS_SECURITY_KEY_POLICY", "allow_list");
            jail.set_env(
                "PORTCULLIS_SECURITY_KEY_ALLOW_LIST",
                "[2fc0579f-8113-47ea-b116-bb5a8db9202a, \"149a2021-8ef6-4133-96b8-81f8d5b7f1f5\"]",
            );
            jail.set_env("PORTCULLIS_SECURITY_KEY_USER_VERIFICATION", "required");
            let s = Settings::load(None).unwrap();
            assert!(matches!(s.key_policy(), KeyPolicy::AllowList(list) if list.len() == 2));
            assert_eq!(s.security_key_user_verification, UserVerification::Required);
            Ok(())
        });
    }

    #[test]
    fn email_settings() {
        Jail::expect_with(|jail| {
            let s = Settings::load(None).unwrap();
            assert_eq!(s.email_transport, EmailTransport::File);
            assert_eq!((s.smtp_port, s.smtp_tls), (587, SmtpTls::Starttls));
            jail.set_env("PORTCULLIS_EMAIL_FROM", "not an address");
            assert!(load_err(jail, None).contains("email_from"));
            jail.set_env("PORTCULLIS_EMAIL_FROM", "IAMconnected <no-reply@example.com>");
            jail.set_env("PORTCULLIS_EMAIL_TRANSPORT", "smtp");
            assert!(load_err(jail, None).contains("smtp_host"));
            jail.set_env("PORTCULLIS_SMTP_HOST", "smtp.example.com");
            jail.set_env("PORTCULLIS_SMTP_TLS", "none");
            assert!(
                load_err(jail, None).contains("smtp_tls"),
                "no plain SMTP over the network"
            );
            jail.set_env("PORTCULLIS_SMTP_HOST", "127.0.0.1");
            jail.set_env("PORTCULLIS_SMTP_USERNAME", "portcullis");
            assert!(load_err(jail, None).contains("smtp_username"));
            jail.set_env("PORTCULLIS_SMTP_PASSWORD", "hunter2-but-longer");
            jail.set_env("PORTCULLIS_SMTP_PORT", "2525");
            let s = Settings::load(None).unwrap();
            assert_eq!(
                (s.email_transport, s.smtp_tls, s.smtp_port),
                (EmailTransport::Smtp, SmtpTls::None, 2525)
            );
            assert!(
                !format!("{s:?}").contains("hunter2"),
                "the SMTP password is never printed"
            );
            jail.set_env("PORTCULLIS_SMTP_TLS", "ssl");
            assert!(load_err(jail, None).to_lowercase().contains("smtp_tls"));
            Ok(())
        });
    }
}
