//! Email through the outbox: to a real SMTP server on loopback (`smtp_sink`), or to `.eml` files.
//!
//! Tests that need the background worker (woken by the commit that queued the mail) run the whole
//! server; tests of retries and of concurrent delivery run the use cases alone and call
//! `deliver_due_mail` themselves, so nothing races them. Retries come due when a test moves the
//! manual clock, never by waiting.

use std::sync::Arc;

use mail_parser::MimeHeaders;

use portcullis::app::admin::Membership;
use portcullis::app::{Client, Clock, ManualClock};
use portcullis_core::{Email, OrgName, OrgRole, UnixTime};
use portcullis_store::Store;
use portcullis_store::outbox::OutboxMail;
use portcullis_testkit::{Kind, TestDatabase};
use reqwest::StatusCode;

use crate::helpers::{
    Browser, GOOD_PASSWORD, TestApp, app_without_server, location, mail_to, on_both_backends, path_of, smtp_settings,
    test_settings,
};
use crate::smtp_sink::{DeadRelay, SmtpSink};

const START: UnixTime = UnixTime(1_800_000_000);

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(START))
}

/// The outbox rows to `email`, read with a connection of our own (for after a server stopped).
async fn outbox_of(db: &TestDatabase, email: &str) -> Vec<OutboxMail> {
    let store = Store::connect(&db.url).await.unwrap();
    let email = Email::parse(email).unwrap();
    let rows = store.read().await.unwrap().mail_to(&email).await.unwrap();
    store.close().await;
    rows
}

async fn invite_individual(app: &portcullis::app::App, email: &str) {
    app.invite(email, Membership::Individual, None, &Client::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_invitation_arrives_by_smtp_in_english_and_in_dutch_for_a_dutch_recipient() {
    let sink = SmtpSink::start().await;
    let db = Arc::new(TestDatabase::sqlite());
    let mut app = TestApp::start(db.clone(), None, Some(smtp_settings(&db, sink.port))).await;

    // A main administrator invited from the command line: no inviter, no language known, English.
    let path = app.org("Port of Rotterdam", "anna@example.com").await;
    let mail = sink.next().await;
    assert_eq!(mail.to, ["anna@example.com"]);
    assert_eq!(mail.from, "portcullis@example.com");
    assert_eq!(mail.subject(), "You are invited to Portcullis");
    let text = mail.text();
    assert!(
        text.contains("You have been invited to Portcullis on behalf of Port of Rotterdam."),
        "{text}"
    );
    assert!(text.contains("Your role: main administrator."));
    assert!(
        text.contains("valid until 2027-01-22 08:00 (UTC)"),
        "the link's expiry: {text}"
    );
    assert!(text.contains("When: 2027-01-15 08:00 (UTC)"));
    assert_eq!(path_of(&mail.link()), path, "the link of this invitation");
    assert!(mail.html().contains(&format!("href=\"{}\"", mail.link())));
    let parsed = mail.parsed();
    let content_type = parsed.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    assert!(parsed.message_id().unwrap().ends_with("@example.com"));

    // The link in the email works; Anna accepts on a Dutch page, which makes Dutch her language.
    let mut browser = Browser::new(&app.address);
    browser.accept_language = "nl";
    let (status, html) = browser.get_text(&path_of(&mail.link())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("anna@example.com"));
    let response = browser
        .accept(&path, "Anna de Vries", GOOD_PASSWORD, GOOD_PASSWORD)
        .await;
    assert_eq!(location(&response), "/mfa/setup");
    let anna = {
        let mut tx = app.app.store.read().await.unwrap();
        let email = Email::parse("anna@example.com").unwrap();
        tx.find_user_by_email(&email).await.unwrap().unwrap()
    };
    assert_eq!(anna.locale.as_deref(), Some("nl"));

    // Whom Anna invites gets a Dutch email (her language, until they choose their own).
    let org = OrgName::parse("Port of Rotterdam").unwrap();
    app.app
        .invite(
            "bob@example.com",
            Membership::Org(&org, OrgRole::Employee),
            Some(anna.id),
            &Client::default(),
        )
        .await
        .unwrap();
    let mail = sink.next().await;
    assert_eq!(mail.to, ["bob@example.com"]);
    assert_eq!(mail.subject(), "Uitnodiging voor Portcullis");
    let text = mail.text();
    assert!(
        text.contains("Anna de Vries heeft u namens Port of Rotterdam uitgenodigd voor Portcullis."),
        "{text}"
    );
    assert!(text.contains("Uw rol: medewerker."));
    assert!(
        text.contains("één keer"),
        "non-ASCII text survives the transfer encoding"
    );
    let (status, html) = Browser::new(&app.address).get_text(&path_of(&mail.link())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("bob@example.com"));

    // Each was sent once, and is marked so (its link erased from the outbox).
    app.stop().await;
    assert!(sink.try_next().await.is_none(), "nothing sent twice");
    for email in ["anna@example.com", "bob@example.com"] {
        let rows = outbox_of(&db, email).await;
        assert_eq!(rows.len(), 1);
        assert!(rows[0].sent_at.is_some() && rows[0].payload.is_none(), "{rows:?}");
        assert_eq!(rows[0].kind, "invitation");
    }
}

#[tokio::test]
async fn queued_mail_survives_a_restart_and_is_delivered_once() {
    let db = Arc::new(TestDatabase::sqlite());
    // The relay is down: its port answers no SMTP.
    let dead = DeadRelay::start().await;
    let down = smtp_settings(&db, dead.port);
    let mut app = TestApp::start(db.clone(), None, Some(down.clone())).await;
    app.invite("anna@example.com", None).await;
    app.stop().await;
    let rows = outbox_of(&db, "anna@example.com").await;
    assert_eq!(rows.len(), 1, "committed with the invitation");
    assert!(rows[0].sent_at.is_none() && rows[0].payload.is_some());
    if rows[0].attempts > 0 {
        // The worker tried before the stop and was refused.
        assert!(rows[0].last_error.is_some());
        assert_eq!(rows[0].next_attempt_at, START.plus_secs(30));
    }

    // A new server on the same database (and master key), with the relay back.
    let sink = SmtpSink::start().await;
    let clock = app.clock.clone();
    clock.advance(30);
    let up = portcullis::settings::Settings {
        smtp_port: sink.port,
        ..down
    };
    let mut app = TestApp::start(db.clone(), Some(clock), Some(up)).await;
    let mail = sink.next().await;
    assert_eq!(mail.to, ["anna@example.com"]);
    assert_eq!(mail.subject(), "You are invited to Portcullis");
    let response = app.browser().get(&path_of(&mail.link())).await;
    assert_eq!(response.status(), StatusCode::OK, "the link still works");
    app.stop().await;
    assert!(sink.try_next().await.is_none(), "delivered once");
    let rows = outbox_of(&db, "anna@example.com").await;
    assert!(rows[0].sent_at.is_some() && rows[0].payload.is_none());
}

#[tokio::test]
async fn a_refused_message_waits_for_its_back_off_then_arrives_exactly_once() {
    let sink = SmtpSink::start().await;
    sink.refuse(true);
    let db = TestDatabase::sqlite();
    let clock = clock();
    let app = app_without_server(&smtp_settings(&db, sink.port), clock.clone()).await;
    invite_individual(&app, "anna@example.com").await;

    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert_eq!(sink.refused(), 1);
    let row = &mail_to(&app, "anna@example.com").await[0];
    assert_eq!((row.attempts, row.next_attempt_at), (1, START.plus_secs(30)));
    let error = row.last_error.as_deref().unwrap();
    assert!(error.contains("451"), "the relay's answer is kept: {error}");
    assert!(row.payload.is_some() && row.sent_at.is_none());

    // Nothing is tried before the back-off has passed; then the wait doubles.
    clock.advance(29);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert_eq!(sink.refused(), 1, "not due yet");
    clock.advance(1);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert_eq!(sink.refused(), 2);
    let row = &mail_to(&app, "anna@example.com").await[0];
    assert_eq!((row.attempts, row.next_attempt_at), (2, clock.now().plus_secs(60)));

    // The relay takes mail again: the message goes out at its next attempt, and only once.
    sink.refuse(false);
    clock.advance(59);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert!(sink.try_next().await.is_none());
    clock.advance(1);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 1);
    let mail = sink.next().await;
    assert_eq!(mail.to, ["anna@example.com"]);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    clock.advance(7200);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert!(sink.try_next().await.is_none(), "delivering again sends nothing");
    let row = &mail_to(&app, "anna@example.com").await[0];
    assert_eq!((row.attempts, row.sent_at), (3, Some(START.plus_secs(90))));
    assert_eq!((row.payload.as_deref(), row.last_error.as_deref()), (None, None));
    app.store.close().await;
}

#[tokio::test]
async fn a_message_refused_for_two_days_is_given_up_and_audited() {
    let sink = SmtpSink::start().await;
    sink.refuse(true);
    let db = TestDatabase::sqlite();
    let clock = clock();
    let app = app_without_server(&smtp_settings(&db, sink.port), clock.clone()).await;
    invite_individual(&app, "anna@example.com").await;
    let mut rounds = 0;
    while mail_to(&app, "anna@example.com").await[0].abandoned_at.is_none() {
        assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
        clock.advance(3600);
        rounds += 1;
        assert!(rounds < 100, "given up in time");
    }
    let row = &mail_to(&app, "anna@example.com").await[0];
    assert_eq!(row.payload, None, "the link is erased");
    assert_eq!(row.sent_at, None);
    assert_eq!(sink.refused() as u32, row.attempts);
    assert!(row.abandoned_at.unwrap() >= START.plus_secs(2 * 24 * 3600));
    let events = app.store.read().await.unwrap().recent_audit(1).await.unwrap();
    assert_eq!(events[0].kind, "email_abandoned");
    assert_eq!(events[0].detail["kind"], "invitation");
    assert!(events[0].target.is_some(), "about the invited user");
    clock.advance(7 * 24 * 3600);
    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert_eq!(sink.refused() as u32, row.attempts, "never tried again");
    app.store.close().await;
}

#[tokio::test]
async fn the_file_transport_writes_an_eml_file_into_the_data_directory() {
    let db = TestDatabase::sqlite();
    let settings = test_settings(&db);
    let app = app_without_server(&settings, clock()).await;
    let invitation = app
        .invite("anna@example.com", Membership::Individual, None, &Client::default())
        .await
        .unwrap();
    assert_eq!(app.deliver_due_mail().await.unwrap(), 1);
    let dir = settings.data_dir.join("outbox");
    assert_eq!(app.email_directory(), Some(dir.as_path()));
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one file, no leftovers: {files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&files[0]), 0o600, "it holds a one-time link");
    }
    let bytes = std::fs::read(&files[0]).unwrap();
    let message = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(message.subject(), Some("You are invited to Portcullis"));
    let to = message.to().unwrap().first().unwrap().address().unwrap().to_owned();
    assert_eq!(to, "anna@example.com");
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Portcullis"), Some("portcullis@localhost"))
    );
    let link = app.link_url(&invitation.link);
    assert!(message.body_text(0).unwrap().contains(&link));
    assert!(message.body_html(0).unwrap().contains(&format!("href=\"{link}\"")));

    assert_eq!(app.deliver_due_mail().await.unwrap(), 0);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    app.store.close().await;
}

/// Two nodes' workers, delivering at the same moment, deliver every message once (PostgreSQL:
/// `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time).
async fn two_workers_deliver_each_message_once(kind: Kind) {
    let Some(db) = TestDatabase::of_kind(kind, "email::two_workers_deliver_each_message_once").await else {
        return;
    };
    let sink = SmtpSink::start().await;
    let settings = smtp_settings(&db, sink.port);
    let clock = clock();
    let first = app_without_server(&settings, clock.clone()).await;
    let second = app_without_server(&settings, clock.clone()).await;
    for n in 0..12 {
        invite_individual(&first, &format!("user{n:02}@example.com")).await;
    }
    let (a, b) = tokio::join!(first.deliver_due_mail(), second.deliver_due_mail());
    assert_eq!(a.unwrap() + b.unwrap(), 12, "each message counted by one worker");
    let mut recipients = Vec::new();
    for _ in 0..12 {
        recipients.extend(sink.next().await.to);
    }
    recipients.sort();
    let expected: Vec<String> = (0..12).map(|n| format!("user{n:02}@example.com")).collect();
    assert_eq!(recipients, expected);
    let (a, b) = tokio::join!(first.deliver_due_mail(), second.deliver_due_mail());
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
    assert!(sink.try_next().await.is_none(), "nothing twice");
    first.store.close().await;
    second.store.close().await;
}
on_both_backends!(two_workers_deliver_each_message_once);

#[tokio::test]
async fn a_series_of_failed_logins_sends_one_email_and_refused_attempts_none() {
    let sink = SmtpSink::start().await;
    let db = Arc::new(TestDatabase::sqlite());
    let app = TestApp::start(db.clone(), None, Some(smtp_settings(&db, sink.port))).await;
    let browser = app.active_user("anna@example.com").await;
    assert_eq!(sink.next().await.subject(), "You are invited to Portcullis");
    let wrong = |browser: &Browser| {
        let browser = browser.same_cookies_at(&browser.base);
        async move { browser.login("anna@example.com", "wrong password 123").await.status() }
    };
    for _ in 0..4 {
        assert_eq!(wrong(&browser).await, StatusCode::UNAUTHORIZED);
    }
    assert!(
        app.mail_kinds("anna@example.com").await.len() == 1,
        "free failures tell nobody"
    );
    // The fifth failure starts the delay: Anna is told, once.
    assert_eq!(wrong(&browser).await, StatusCode::UNAUTHORIZED);
    let mail = sink.next().await;
    assert_eq!(mail.to, ["anna@example.com"]);
    assert_eq!(mail.subject(), "Failed login attempts on your account");
    let text = mail.text();
    assert!(text.contains("Several wrong passwords were entered"), "{text}");
    assert!(text.contains("from 2027-01-15 08:00 (UTC)"));
    assert!(
        text.contains("contact customer service"),
        "an individual's help: {text}"
    );
    // Refused attempts and later failures of the series send nothing more.
    for _ in 0..3 {
        assert_eq!(wrong(&browser).await, StatusCode::TOO_MANY_REQUESTS);
    }
    app.clock.advance(1);
    assert_eq!(wrong(&browser).await, StatusCode::UNAUTHORIZED);
    let kinds = app.mail_kinds("anna@example.com").await;
    assert_eq!(kinds, ["invitation", "login_throttled"]);

    // A success ends the series; the next series is told again.
    app.clock.advance(2);
    let ok = browser.login("anna@example.com", GOOD_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    for _ in 0..5 {
        wrong(&browser).await;
    }
    assert_eq!(
        app.mail_kinds("anna@example.com").await,
        ["invitation", "login_throttled", "login_throttled"]
    );

    // Guesses at an address without an account email nobody.
    for _ in 0..6 {
        browser.login("nobody@example.com", "wrong password 123").await;
    }
    assert!(app.mail_kinds("nobody@example.com").await.is_empty());
}
