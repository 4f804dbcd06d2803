//! `TestApp`: the real server, in-process, on port 0, with its own database and a manual clock.

use std::sync::Arc;

use portcullis::app::admin::Membership;
use portcullis::app::{App, Client, Clock, ManualClock, SystemClock};
use portcullis::settings::{EmailTransport, Settings, SmtpTls};
use portcullis_core::{OrgName, OrgRole, UnixTime};
use portcullis_store::outbox::OutboxMail;
use portcullis_testkit::{Kind, TestDatabase};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Response, StatusCode};

pub const GOOD_PASSWORD: &str = "harbour crane tulip 88";

/// Runs `async fn $name(kind: Kind)` as two tests, `$name::sqlite` and `$name::postgres` (the latter
/// skipped with one line when no PostgreSQL is configured).
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(portcullis_testkit::Kind::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(portcullis_testkit::Kind::Postgres).await;
            }
        }
    };
}
pub(crate) use on_both_backends;

pub struct TestApp {
    pub address: String,
    pub app: Arc<App>,
    /// The app's clock, except for a server from [`TestApp::with_system_clock`], which reads the
    /// system time and ignores this one.
    pub clock: Arc<ManualClock>,
    pub settings: Settings,
    pub db: Arc<TestDatabase>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// Settings for tests: cheap argon2 (the real cost is measured in BENCHMARKS.md, not here).
pub fn test_settings(db: &TestDatabase) -> Settings {
    let key = portcullis::app::secrets::MasterKey::generate().unwrap();
    Settings {
        database_url: Some(db.url.clone()),
        // Email goes to `.eml` files here (the default transport), never into the source tree.
        data_dir: db.data_dir(),
        argon2_memory_kib: 8 * 1024,
        argon2_iterations: 1,
        master_key: Some(secrecy::SecretString::from(key.encode().to_string())),
        ..Settings::default()
    }
}

/// Test settings that send email over SMTP to a server on loopback (see `smtp_sink`) at `port`.
pub fn smtp_settings(db: &TestDatabase, port: u16) -> Settings {
    Settings {
        email_transport: EmailTransport::Smtp,
        email_from: "Portcullis <portcullis@example.com>".into(),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: port,
        smtp_tls: SmtpTls::None,
        ..test_settings(db)
    }
}

/// The use cases alone, without the HTTP server and its background workers: only what the test calls
/// runs (e.g. `deliver_due_mail`), so nothing races it.
pub async fn app_without_server(settings: &Settings, clock: Arc<ManualClock>) -> Arc<App> {
    portcullis::startup::open_app(settings, clock).await.unwrap()
}

/// The messages queued to `email`, oldest first (in one second: in no particular order).
pub async fn mail_to(app: &App, email: &str) -> Vec<OutboxMail> {
    let email = portcullis_core::Email::parse(email).unwrap();
    app.store.read().await.unwrap().mail_to(&email).await.unwrap()
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::start(Arc::new(TestDatabase::sqlite()), None, None).await
    }

    /// On PostgreSQL, or `None` (after one line saying why) when none is configured.
    pub async fn postgres(test: &str) -> Option<TestApp> {
        let db = TestDatabase::postgres(test).await?;
        Some(Self::start(Arc::new(db), None, None).await)
    }

    pub async fn of_kind(kind: Kind, test: &str) -> Option<TestApp> {
        match kind {
            Kind::Sqlite => Some(Self::sqlite().await),
            Kind::Postgres => Self::postgres(test).await,
        }
    }

    pub async fn start(db: Arc<TestDatabase>, clock: Option<Arc<ManualClock>>, settings: Option<Settings>) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        Self::start_on(listener, address, db, clock, settings).await
    }

    /// On SQLite, served and reached as `http://localhost:PORT`, which is also its public URL (a real
    /// browser's WebAuthn checks the origin and relying-party id against it).
    pub async fn on_localhost(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let db = Arc::new(TestDatabase::sqlite());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let mut settings = test_settings(&db);
        settings.public_url = address.parse().unwrap();
        adjust(&mut settings);
        Self::start_on(listener, address, db, None, Some(settings)).await
    }

    /// On SQLite, with the system clock (for clients that check token times against the real time,
    /// such as an OpenID Connect library), served and reached as `http://127.0.0.1:PORT`, which is
    /// also its public URL and so its issuer. TOTP codes must then be made for the real time too.
    pub async fn with_system_clock() -> TestApp {
        let db = Arc::new(TestDatabase::sqlite());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let mut settings = test_settings(&db);
        settings.public_url = address.parse().unwrap();
        let unused = Arc::new(ManualClock::new(UnixTime(0)));
        Self::start_with(listener, address, db, unused, Arc::new(SystemClock), settings).await
    }

    async fn start_on(
        listener: tokio::net::TcpListener,
        address: String,
        db: Arc<TestDatabase>,
        clock: Option<Arc<ManualClock>>,
        settings: Option<Settings>,
    ) -> TestApp {
        let clock = clock.unwrap_or_else(|| Arc::new(ManualClock::new(UnixTime(1_800_000_000))));
        let settings = settings.unwrap_or_else(|| test_settings(&db));
        Self::start_with(listener, address, db, clock.clone(), clock, settings).await
    }

    async fn start_with(
        listener: tokio::net::TcpListener,
        address: String,
        db: Arc<TestDatabase>,
        clock: Arc<ManualClock>,
        app_clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> TestApp {
        let app = portcullis::startup::open_app(&settings, app_clock).await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = {
            let (app, settings) = (app.clone(), settings.clone());
            tokio::spawn(async move {
                portcullis::startup::run(app, &settings, listener, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            })
        };
        TestApp {
            address,
            app,
            clock,
            settings,
            db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Stops this server and starts a new one on the same database and clock (a restart).
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        TestApp::start(self.db.clone(), Some(self.clock.clone()), Some(self.settings.clone())).await
    }

    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// Invites a user through the use case (as the CLI does) and returns the link's path.
    pub async fn invite(&self, email: &str, org: Option<(&str, OrgRole)>) -> String {
        let name = org.map(|(name, _)| OrgName::parse(name).unwrap());
        let membership = match (&name, org) {
            (Some(name), Some((_, role))) => Membership::Org(name, role),
            _ => Membership::Individual,
        };
        let invitation = self
            .app
            .invite(email, membership, None, &Client::default())
            .await
            .unwrap();
        path_of(&self.app.link_url(&invitation.link))
    }

    /// The kinds of the messages queued to `email` (sent or not), sorted (messages of one second
    /// have no order among them).
    pub async fn mail_kinds(&self, email: &str) -> Vec<String> {
        let mut kinds: Vec<String> = mail_to(&self.app, email).await.into_iter().map(|m| m.kind).collect();
        kinds.sort();
        kinds
    }

    /// The kinds of the newest `limit` audit events, newest first.
    pub async fn audit_kinds(&self, limit: i64) -> Vec<String> {
        let events = self.app.store.read().await.unwrap().recent_audit(limit).await.unwrap();
        events.into_iter().map(|e| e.kind).collect()
    }

    /// An organization with its main administrator's invitation link path.
    pub async fn org(&self, name: &str, main_admin: &str) -> String {
        let (_, invitation) = self
            .app
            .create_org(name, main_admin, None, &Client::default())
            .await
            .unwrap();
        path_of(&self.app.link_url(&invitation.link))
    }

    /// An active user with `GOOD_PASSWORD`, logged out again.
    pub async fn active_user(&self, email: &str) -> Browser {
        let link = self.invite(email, None).await;
        let browser = self.browser();
        let response = browser.accept(&link, "Test User", GOOD_PASSWORD, GOOD_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = browser.logout().await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        browser
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn path_of(url: &str) -> String {
    let parsed = reqwest::Url::parse(url).unwrap();
    parsed.path().to_owned()
}

/// A cookie-keeping client that does not follow redirects, like a browser that shows each step.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub accept_language: &'static str,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_owned(),
            client,
            jar,
            accept_language: "en",
        }
    }

    /// The same browser (same cookies) talking to another node.
    pub fn same_cookies_at(&self, base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            client: self.client.clone(),
            jar: self.jar.clone(),
            accept_language: self.accept_language,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("accept-language", self.accept_language)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    /// The value of one of our cookies, if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header.to_str().unwrap().split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// The CSRF value, fetching a page first if the browser has none yet.
    pub async fn csrf(&self) -> String {
        if let Some(value) = self.cookie("portcullis-csrf") {
            return value;
        }
        self.get("/login").await;
        self.cookie("portcullis-csrf")
            .expect("the login page sets the CSRF cookie")
    }

    /// Posts a form with the browser's CSRF value added, as our pages do.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .header("accept-language", self.accept_language)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/login", &[("email", email), ("password", password)]).await
    }

    pub async fn logout(&self) -> Response {
        self.post("/logout", &[]).await
    }

    pub async fn accept(&self, link: &str, name: &str, password: &str, confirm: &str) -> Response {
        self.get(link).await;
        self.post(
            link,
            &[("display_name", name), ("password", password), ("confirm", confirm)],
        )
        .await
    }
}

pub fn location(response: &Response) -> &str {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The text of the `role="alert"` element (its first paragraph), if the page has one.
pub fn alert(html: &str) -> Option<String> {
    let start = html.find("role=\"alert\">")? + "role=\"alert\">".len();
    let rest = html[start..].strip_prefix("<p>").unwrap_or(&html[start..]);
    let end = rest.find("</p>")?;
    Some(rest[..end].to_owned())
}
