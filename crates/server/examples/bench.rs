//! Benchmark driver for `bench/run.sh` (see BENCHMARKS.md). Talks only to 127.0.0.1; every loop is
//! bounded by a duration and stops by itself.
//!
//! - `hash-rate --seconds S`: raw argon2id hashes per second on this thread (the server's defaults).
//! - `accept --link URL --password P`: accept an invitation (to make the benchmark user).
//! - `logins --url URL --emails E1,E2,… --password P --seconds S --concurrency C`: password logins per
//!   second; worker i logs in as the i-th email (one user per worker, as real users do not log in
//!   to one account in parallel).
//! - `startup --bin PATH --dir DIR --runs N`: time from exec to "ready", and resident memory.
//! - `totp --url URL --invites FILE --password P --concurrency C`: the TOTP step of a login (see
//!   `bench/totp.sh`). FILE holds one `portcullis user invite --json` output per line. Phase 1 (not
//!   measured): each user accepts, sets up an authenticator app, finishes, logs out, then passes the
//!   password step three times, leaving three sessions at `/mfa/challenge`. Phase 2 (measured): worker i
//!   takes users i, i+C, …; each user's three sessions send the codes of steps T-1, T, T+1 in that order
//!   (a step is accepted once per user, in increasing order). Phase 2 starts right after a step boundary
//!   so that T-1 stays in the server's window.
//! - `keys --url URL --origin ORIGIN --invites FILE --password P --concurrency C`: the security-key step
//!   of a login (see `bench/keys.sh`), with a software FIDO2 key per user (webauthn-authenticator-rs)
//!   answering as for the browser origin ORIGIN. Phase 1 (not measured): each user accepts, registers
//!   a key, finishes, logs out and passes the password step three times. Phase 2 (measured): each of
//!   the three sessions asks for a challenge (`POST /mfa/challenge/key/start`), the key signs it, and
//!   the answer is posted (`POST /mfa/challenge/key`). Latency is that of the two requests; the key's
//!   signing (client side) is left out of it.
//! - `search --url URL --link LINK --password P --queries N --concurrency C`: the customer-service
//!   console's search (see `bench/search.sh`, on a database filled by `portcullis dev seed`). LINK is a
//!   customer-service invitation: accepted, an authenticator app set up, then N searches
//!   (`GET /support?q=…`, a fixed mix of email, name and organization prefixes) by C workers.
//! - `oidc-code`, `oidc-refresh`, `oidc-client-credentials`, `oidc-login`: the OpenID Connect
//!   provider (see `bench/oidc.sh`; the client is registered with `portcullis client add --json`, its id
//!   and secret passed as `--client-id` / `--client-secret` and sent as `client_secret_basic`).
//!   - `oidc-code --url URL --invites FILE --password P --client-id ID --client-secret S --codes N
//!     --concurrency C`: C users (the first C lines of FILE) set up an authenticator app (not measured).
//!     Phase 1 (timed): the C workers ask `/oauth2/authorize` (PKCE S256, with their live session) for
//!     N codes in all. Phase 2 (timed): the same codes are exchanged at `/oauth2/token`
//!     (`authorization_code`). Prints both rates and the pairs per second over the two phases. A code
//!     lives 60 s: N must be small enough that each phase ends well within that.
//!   - `oidc-refresh … --families F --seconds S --concurrency C`: F codes are fetched and exchanged
//!     (not measured); then for S seconds worker i refreshes its families i, i+C, … in turn, each time
//!     with the refresh token the previous call returned (rotation).
//!   - `oidc-client-credentials --url URL --client-id ID --client-secret S --seconds S --concurrency C`.
//!   - `oidc-login --url URL --invites FILE --password P --client-id ID --client-secret S --concurrency
//!     C`: every user of FILE sets up an app (not measured); after the 30-s step of the last setup code
//!     has passed, each user logs in once as a fresh browser would for a service: `GET
//!     /oauth2/authorize` → `GET /login` → `POST /login` → `GET /mfa/challenge` → `POST
//!     /mfa/challenge` (the code of the current step) → `GET /` → `GET /oauth2/continue` → `POST
//!     /oauth2/token`. Each user once: a TOTP step is accepted once per user.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use portcullis_core::UnixTime;
use portcullis_core::totp::{TotpSecret, step_of};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_rs_core::proto::{CreationChallengeResponse, RequestChallengeResponse};

fn arg(args: &[String], name: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| panic!("missing {name}"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("hash-rate") => hash_rate(arg(&args, "--seconds").parse().unwrap()),
        Some("accept") => accept(&arg(&args, "--link"), &arg(&args, "--password")).await,
        Some("logins") => {
            logins(
                &arg(&args, "--url"),
                &arg(&args, "--emails"),
                &arg(&args, "--password"),
                arg(&args, "--seconds").parse().unwrap(),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("startup") => {
            startup(
                &arg(&args, "--bin"),
                &arg(&args, "--dir"),
                arg(&args, "--runs").parse().unwrap(),
            )
            .await
        }
        Some("totp") => {
            totp(
                &arg(&args, "--url"),
                &arg(&args, "--invites"),
                &arg(&args, "--password"),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("keys") => {
            keys(
                &arg(&args, "--url"),
                &arg(&args, "--origin"),
                &arg(&args, "--invites"),
                &arg(&args, "--password"),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("search") => {
            search(
                &arg(&args, "--url"),
                &arg(&args, "--link"),
                &arg(&args, "--password"),
                arg(&args, "--queries").parse().unwrap(),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("oidc-code") => {
            let service = Service::from_args(&args);
            oidc_code(
                &service,
                &arg(&args, "--invites"),
                &arg(&args, "--password"),
                arg(&args, "--codes").parse().unwrap(),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("oidc-refresh") => {
            let service = Service::from_args(&args);
            oidc_refresh(
                &service,
                &arg(&args, "--invites"),
                &arg(&args, "--password"),
                arg(&args, "--families").parse().unwrap(),
                arg(&args, "--seconds").parse().unwrap(),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("oidc-client-credentials") => {
            let service = Service::from_args(&args);
            oidc_client_credentials(
                &service,
                arg(&args, "--seconds").parse().unwrap(),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        Some("oidc-login") => {
            let service = Service::from_args(&args);
            oidc_login(
                &service,
                &arg(&args, "--invites"),
                &arg(&args, "--password"),
                arg(&args, "--concurrency").parse().unwrap(),
            )
            .await
        }
        _ => eprintln!(
            "usage: bench hash-rate|accept|logins|startup|totp|keys|search|oidc-code|oidc-refresh|\
             oidc-client-credentials|oidc-login …"
        ),
    }
}

fn hash_rate(seconds: u64) {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut blocks = vec![Block::default(); params.block_count()];
    let mut out = [0u8; 32];
    let started = Instant::now();
    let mut hashes = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        argon2
            .hash_password_into_with_memory(b"harbour crane tulip 88", b"0123456789abcdef", &mut out, &mut blocks)
            .unwrap();
        hashes += 1;
    }
    let rate = hashes as f64 / started.elapsed().as_secs_f64();
    println!("raw_argon2_hashes_per_second {rate:.2}");
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs a page and returns the CSRF cookie value it set.
async fn csrf(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
}

async fn accept(link: &str, password: &str) {
    accept_session(&client(), link, password).await;
}

/// Accepts an invitation; returns the CSRF token and the new session (at the MFA setup).
async fn accept_session(client: &reqwest::Client, link: &str, password: &str) -> (String, String) {
    let token = csrf(client, link).await;
    let response = client
        .post(link)
        .header("cookie", format!("portcullis-csrf={token}"))
        .form(&[
            ("csrf", token.as_str()),
            ("display_name", "Bench"),
            ("password", password),
            ("confirm", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "accepting the invitation failed");
    let session = set_cookie(&response, "portcullis");
    (token, session)
}

async fn logins(url: &str, emails: &str, password: &str, seconds: u64, concurrency: usize) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let emails: Vec<&str> = emails.split(',').collect();
    let workers: Vec<_> = (0..concurrency)
        .map(|i| {
            let (url, email, password) = (url.to_owned(), emails[i % emails.len()].to_owned(), password.to_owned());
            tokio::spawn(async move {
                let client = client();
                let token = csrf(&client, &format!("{url}/login")).await;
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let response = client
                        .post(format!("{url}/login"))
                        .header("cookie", format!("portcullis-csrf={token}"))
                        .form(&[
                            ("csrf", token.as_str()),
                            ("email", email.as_str()),
                            ("password", password.as_str()),
                        ])
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status() == 303 => latencies.push(started.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (latencies, e) = worker.await.unwrap();
        all.extend(latencies);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "logins {} errors {errors} logins_per_second {:.2} p50_ms {:.1} p99_ms {:.1}",
        all.len(),
        all.len() as f64 / elapsed,
        percentile_ms(&all, 0.50),
        percentile_ms(&all, 0.99)
    );
}

/// The `p` percentile of sorted latencies, in milliseconds (0 if there are none).
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The value of the cookie `name` that a response sets.
fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A form POST with the CSRF token and, if any, a session.
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    session: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Result<reqwest::Response> {
    let mut cookie = format!("portcullis-csrf={token}");
    if let Some(session) = session {
        cookie.push_str(&format!("; portcullis={session}"));
    }
    let mut fields = vec![("csrf", token)];
    fields.extend_from_slice(form);
    client.post(url).header("cookie", cookie).form(&fields).send().await
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A user of the TOTP scenario: the app's secret, a CSRF token and three sessions at `/mfa/challenge`.
struct TotpUser {
    secret: TotpSecret,
    token: String,
    sessions: Vec<String>,
}

/// A password login that leaves the session at `/mfa/challenge`; returns the session and how many
/// times the server answered 429 first (then it is tried again a second later, at most 30 times).
async fn password_login(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    email: &str,
    password: &str,
) -> (String, u64) {
    for retries in 0..30 {
        let response = post(
            client,
            &format!("{url}/login"),
            token,
            None,
            &[("email", email), ("password", password)],
        )
        .await
        .unwrap();
        if response.status() == 429 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        assert_eq!(
            location(&response),
            "/mfa/challenge",
            "the password login failed: {}",
            response.status()
        );
        return (set_cookie(&response, "portcullis"), retries);
    }
    panic!("the password login was throttled 30 times");
}

/// Phase 1 for one invitation: accept, set up the app, finish, log out, then three password logins.
/// Returns the user, the time step its setup code used (spent for later logins) and the number of
/// password logins answered 429 (and retried).
async fn totp_user(
    client: &reqwest::Client,
    url: &str,
    email: &str,
    link: &str,
    password: &str,
) -> (TotpUser, i64, u64) {
    let (token, secret, step, session) = enroll_app(client, url, link, password).await;
    let response = post(client, &format!("{url}/logout"), &token, Some(&session), &[])
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "logging out failed");
    let mut sessions = Vec::new();
    let mut throttled = 0;
    for _ in 0..3 {
        let (session, retries) = password_login(client, url, &token, email, password).await;
        sessions.push(session);
        throttled += retries;
    }
    (
        TotpUser {
            secret,
            token,
            sessions,
        },
        step,
        throttled,
    )
}

async fn totp(url: &str, invites: &str, password: &str, concurrency: usize) {
    let invites: Vec<(String, String)> = std::fs::read_to_string(invites)
        .unwrap()
        .lines()
        .map(|line| {
            let invite: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                invite["email"].as_str().unwrap().to_owned(),
                invite["link"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    // Phase 1, not measured: worker i sets up users i, i+C, …
    let setup_started = Instant::now();
    let setups: Vec<_> = (0..concurrency)
        .map(|i| {
            let (url, password) = (url.to_owned(), password.to_owned());
            let mine: Vec<(String, String)> = invites.iter().skip(i).step_by(concurrency).cloned().collect();
            tokio::spawn(async move {
                let client = client();
                let mut users = Vec::new();
                let mut last_step = i64::MIN;
                let mut throttled = 0;
                for (email, link) in &mine {
                    let (user, step, retries) = totp_user(&client, &url, email, link, &password).await;
                    users.push(user);
                    last_step = last_step.max(step);
                    throttled += retries;
                }
                (client, users, last_step, throttled)
            })
        })
        .collect();
    let mut shares = Vec::new();
    let mut last_setup_step = i64::MIN;
    let mut setup_throttled = 0;
    for setup in setups {
        let (client, users, step, throttled) = setup.await.unwrap();
        shares.push((client, users));
        last_setup_step = last_setup_step.max(step);
        setup_throttled += throttled;
    }
    let setup_seconds = setup_started.elapsed().as_secs_f64();

    // Start right after a step boundary, with T-1 later than every step spent by a setup code: at most
    // a minute of waiting.
    let waited = Instant::now();
    for _ in 0..1000 {
        let now = now_secs();
        if step_of(UnixTime(now)) >= last_setup_step + 2 && now % 30 < 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let t = step_of(UnixTime(now_secs()));
    println!(
        "totp_setup users {} sessions {} password_logins_429 {setup_throttled} setup_seconds {setup_seconds:.1} \
         waited_seconds {:.1}",
        invites.len(),
        invites.len() * 3,
        waited.elapsed().as_secs_f64()
    );

    // Phase 2, measured: the three sessions of each user send the codes of T-1, T and T+1. Each worker
    // keeps its client (and so its open connections) from phase 1.
    let started = Instant::now();
    let workers: Vec<_> = shares
        .into_iter()
        .map(|(client, users)| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                for user in &users {
                    for (step, session) in (t - 1..).zip(&user.sessions) {
                        let code = format!("{:06}", user.secret.code_at(step));
                        let sent = Instant::now();
                        let response = post(
                            &client,
                            &format!("{url}/mfa/challenge"),
                            &user.token,
                            Some(session),
                            &[("code", &code)],
                        )
                        .await;
                        match response {
                            Ok(r) if r.status() == 303 && location(&r) == "/" => latencies.push(sent.elapsed()),
                            Ok(r) => errors.push(format!("{} at T{:+}", r.status().as_u16(), step - t)),
                            Err(e) => errors.push(format!("{e} at T{:+}", step - t)),
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("totp", started, workers).await;
}

/// A user of the keys scenario: a software key, a CSRF token and three sessions at `/mfa/challenge`.
struct KeyUser {
    key: SoftToken,
    token: String,
    sessions: Vec<String>,
}

/// POSTs a ceremony start; returns the JSON answer.
async fn ceremony(client: &reqwest::Client, url: &str, token: &str, session: &str) -> serde_json::Value {
    let response = post(client, url, token, Some(session), &[]).await.unwrap();
    assert_eq!(response.status(), 200, "starting a key ceremony failed");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// Phase 1 of the keys scenario for one invitation.
async fn key_user(
    client: &reqwest::Client,
    url: &str,
    origin: &Url,
    email: &str,
    link: &str,
    password: &str,
) -> KeyUser {
    let (token, session) = accept_session(client, link, password).await;
    let (mut key, _) = SoftToken::new(false).unwrap();
    let start = ceremony(client, &format!("{url}/mfa/setup/key/start"), &token, &session).await;
    let options: CreationChallengeResponse = serde_json::from_value(start["options"].clone()).unwrap();
    let answer = serde_json::to_string(&key.do_registration(origin.clone(), options).unwrap()).unwrap();
    let ceremony_id = start["ceremony"].as_str().unwrap();
    let response = post(
        client,
        &format!("{url}/mfa/setup/key"),
        &token,
        Some(&session),
        &[("ceremony", ceremony_id), ("credential", &answer)],
    )
    .await
    .unwrap();
    assert_eq!(
        location(&response),
        "/mfa/setup",
        "registering the key failed: {}",
        response.status()
    );
    let response = post(client, &format!("{url}/mfa/setup/finish"), &token, Some(&session), &[])
        .await
        .unwrap();
    assert_eq!(location(&response), "/", "finishing the setup failed");
    let session = set_cookie(&response, "portcullis");
    post(client, &format!("{url}/logout"), &token, Some(&session), &[])
        .await
        .unwrap();
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(password_login(client, url, &token, email, password).await.0);
    }
    KeyUser { key, token, sessions }
}

async fn keys(url: &str, origin: &str, invites: &str, password: &str, concurrency: usize) {
    let origin = Url::parse(origin).unwrap();
    let invites: Vec<(String, String)> = std::fs::read_to_string(invites)
        .unwrap()
        .lines()
        .map(|line| {
            let invite: serde_json::Value = serde_json::from_str(line).unwrap();
            let link = invite["link"]
                .as_str()
                .unwrap()
                .replace(origin.as_str().trim_end_matches('/'), url);
            (invite["email"].as_str().unwrap().to_owned(), link)
        })
        .collect();
    let setup_started = Instant::now();
    let setups: Vec<_> = (0..concurrency)
        .map(|i| {
            let (url, origin, password) = (url.to_owned(), origin.clone(), password.to_owned());
            let mine: Vec<(String, String)> = invites.iter().skip(i).step_by(concurrency).cloned().collect();
            tokio::spawn(async move {
                let client = client();
                let mut users = Vec::new();
                for (email, link) in &mine {
                    users.push(key_user(&client, &url, &origin, email, link, &password).await);
                }
                (client, users)
            })
        })
        .collect();
    let mut shares = Vec::new();
    for setup in setups {
        shares.push(setup.await.unwrap());
    }
    println!(
        "keys_setup users {} sessions {} setup_seconds {:.1}",
        invites.len(),
        invites.len() * 3,
        setup_started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let workers: Vec<_> = shares
        .into_iter()
        .map(|(client, mut users)| {
            let (url, origin) = (url.to_owned(), origin.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                for user in &mut users {
                    for session in user.sessions.clone() {
                        let sent = Instant::now();
                        let start = ceremony(
                            &client,
                            &format!("{url}/mfa/challenge/key/start"),
                            &user.token,
                            &session,
                        )
                        .await;
                        let asked = sent.elapsed();
                        let options: RequestChallengeResponse =
                            serde_json::from_value(start["options"].clone()).unwrap();
                        let answer = user.key.do_authentication(origin.clone(), options).unwrap();
                        let answer = serde_json::to_string(&answer).unwrap();
                        let sent = Instant::now();
                        let response = post(
                            &client,
                            &format!("{url}/mfa/challenge/key"),
                            &user.token,
                            Some(&session),
                            &[
                                ("ceremony", start["ceremony"].as_str().unwrap()),
                                ("credential", &answer),
                            ],
                        )
                        .await;
                        match response {
                            Ok(r) if r.status() == 303 && location(&r) == "/" => latencies.push(asked + sent.elapsed()),
                            Ok(r) => errors.push(r.status().as_u16().to_string()),
                            Err(e) => errors.push(e.to_string()),
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("key", started, workers).await;
}

/// The measured phase of a step scenario: waits for the workers, then prints steps per second, p50/p99
/// latency and the errors by kind, each line prefixed by `name`.
/// Returns how many steps succeeded.
async fn report(
    name: &str,
    started: Instant,
    workers: Vec<tokio::task::JoinHandle<(Vec<Duration>, Vec<String>)>>,
) -> usize {
    let (mut all, mut errors) = (Vec::new(), Vec::new());
    for worker in workers {
        let (latencies, e) = worker.await.unwrap();
        all.extend(latencies);
        errors.extend(e);
    }
    summarize(name, started.elapsed().as_secs_f64(), all, errors)
}

/// Prints what `report` prints for latencies and errors gathered over `elapsed` seconds.
fn summarize(name: &str, elapsed: f64, mut all: Vec<Duration>, errors: Vec<String>) -> usize {
    let errors = errors
        .into_iter()
        .fold(std::collections::BTreeMap::new(), |mut counts, error| {
            *counts.entry(error).or_insert(0u64) += 1;
            counts
        });
    all.sort();
    println!(
        "{name}_steps {} errors {} {name}_steps_per_second {:.2} p50_ms {:.1} p99_ms {:.1}",
        all.len(),
        errors.values().sum::<u64>(),
        all.len() as f64 / elapsed,
        percentile_ms(&all, 0.50),
        percentile_ms(&all, 0.99)
    );
    for (error, count) in &errors {
        println!("{name}_error {error}: {count}");
    }
    all.len()
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn startup(bin: &str, dir: &str, runs: usize) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut times = Vec::new();
    let mut idle = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(bin)
            .args(["serve", "--log-format", "json"])
            .current_dir(dir)
            .env("PORTCULLIS_LISTEN", "127.0.0.1:0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut address = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("Portcullis is ready") {
                let log: serde_json::Value = serde_json::from_str(&line).unwrap();
                address = log["fields"]["listen"].as_str().unwrap().to_owned();
                break;
            }
        }
        // Ready means answering: one request to /readyz completes the measurement.
        let ok = client()
            .get(format!("http://{address}/readyz"))
            .send()
            .await
            .unwrap()
            .status();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(ok, 200);
        tokio::time::sleep(Duration::from_secs(1)).await;
        idle.push(rss_kib(child.id().unwrap(), "VmRSS:"));
        child.kill().await.unwrap();
    }
    times.sort_by(f64::total_cmp);
    idle.sort();
    println!(
        "startup_ms_median {:.1} startup_ms_max {:.1} idle_rss_mib_median {:.1}",
        times[times.len() / 2],
        times[times.len() - 1],
        idle[idle.len() / 2] as f64 / 1024.0
    );
}

/// Accepts an invitation, sets up an authenticator app and finishes: the CSRF token, the app's secret,
/// the step its setup code used (spent for later logins) and the fully logged-in session.
async fn enroll_app(
    client: &reqwest::Client,
    url: &str,
    link: &str,
    password: &str,
) -> (String, TotpSecret, i64, String) {
    let (token, session) = accept_session(client, link, password).await;
    let response = post(
        client,
        &format!("{url}/mfa/setup/app"),
        &token,
        Some(&session),
        &[("phone", "android")],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 303, "choosing the phone failed");
    let page = format!("{url}{}", location(&response));
    let html = client
        .get(&page)
        .header("cookie", format!("portcullis-csrf={token}; portcullis={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let base32 = html
        .split("data-copy=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the secret on the setup page");
    let secret = TotpSecret::from_base32(base32).unwrap();
    let step = step_of(UnixTime(now_secs()));
    let code = format!("{:06}", secret.code_at(step));
    let response = post(client, &page, &token, Some(&session), &[("code", &code)])
        .await
        .unwrap();
    assert_eq!(location(&response), "/mfa/setup", "the setup code was refused");
    let response = post(client, &format!("{url}/mfa/setup/finish"), &token, Some(&session), &[])
        .await
        .unwrap();
    assert_eq!(location(&response), "/", "finishing the setup failed");
    let session = set_cookie(&response, "portcullis");
    (token, secret, step, session)
}

async fn search(url: &str, link: &str, password: &str, queries: usize, concurrency: usize) {
    let client = client();
    let (token, _, _, session) = enroll_app(&client, url, link, password).await;
    const MIX: [&str; 10] = [
        "user1",
        "user4242",
        "user99999",
        "anna",
        "bram jan",
        "seed org 0042",
        "person",
        "admin@org5",
        "nobody",
        "",
    ];
    let cookie = format!("portcullis-csrf={token}; portcullis={session}");
    let per_worker = queries / concurrency.max(1);
    let started = Instant::now();
    let workers = (0..concurrency)
        .map(|w| {
            let (client, cookie, url) = (client.clone(), cookie.clone(), url.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                for i in 0..per_worker {
                    let q = MIX[(w + i) % MIX.len()];
                    let t = Instant::now();
                    let response = client
                        .get(format!("{url}/support?q={}", q.replace(' ', "+")))
                        .header("cookie", &cookie)
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status() == 200 => {
                            let body = r.text().await.unwrap_or_default();
                            latencies.push(t.elapsed());
                            if q == "user1" && !body.contains("user1") {
                                errors.push("no result".to_owned());
                            }
                        }
                        Ok(r) => errors.push(format!("status {}", r.status())),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("search", started, workers).await;
}

// ---- OpenID Connect ----

const OIDC_REDIRECT: &str = "https://service.example/callback";
const PKCE_VERIFIER: &str = "a-pkce-verifier-that-is-long-enough-0123456789-abcdefgh";

/// The registered service the OIDC scenarios act as (`client_secret_basic`).
#[derive(Clone)]
struct Service {
    url: String,
    id: String,
    secret: String,
}

impl Service {
    fn from_args(args: &[String]) -> Service {
        Service {
            url: arg(args, "--url"),
            id: arg(args, "--client-id"),
            secret: arg(args, "--client-secret"),
        }
    }

    /// The authorization request of the code flow (PKCE S256, offline_access for a refresh token).
    fn authorize_url(&self) -> String {
        use sha2::{Digest, Sha256};
        let challenge = data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(PKCE_VERIFIER.as_bytes()));
        let params = [
            ("response_type", "code"),
            ("client_id", self.id.as_str()),
            ("redirect_uri", OIDC_REDIRECT),
            ("scope", "openid profile email offline_access"),
            ("state", "st-123"),
            ("nonce", "n-456"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        format!(
            "{}/oauth2/authorize?{}",
            self.url,
            serde_urlencoded::to_string(params).unwrap()
        )
    }

    /// `POST /oauth2/token`; the JSON answer if it was 200, else the status (or transport error).
    async fn token(&self, client: &reqwest::Client, form: &[(&str, &str)]) -> Result<serde_json::Value, String> {
        let response = client
            .post(format!("{}/oauth2/token", self.url))
            .basic_auth(&self.id, Some(&self.secret))
            .form(form)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if status != 200 {
            let error = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(format!("{} {error}", status.as_u16()));
        }
        serde_json::from_str(&body).map_err(|e| e.to_string())
    }

    async fn exchange(&self, client: &reqwest::Client, code: &str) -> Result<serde_json::Value, String> {
        self.token(
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", OIDC_REDIRECT),
                ("code_verifier", PKCE_VERIFIER),
            ],
        )
        .await
    }

    /// A logged-in browser (its session cookie) asks for a code: it comes straight back.
    async fn code(&self, client: &reqwest::Client, session: &str) -> Result<String, String> {
        let response = client
            .get(self.authorize_url())
            .header("cookie", format!("portcullis={session}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        code_of(location(&response)).ok_or_else(|| format!("authorize {}", response.status().as_u16()))
    }
}

/// The `code` parameter of a redirect to the service.
fn code_of(to: &str) -> Option<String> {
    let url = Url::parse(to).ok()?;
    if !to.starts_with(OIDC_REDIRECT) {
        return None;
    }
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
}

/// Emails and invitation links, one `portcullis user invite --json` per line.
fn read_invites(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let invite: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                invite["email"].as_str().unwrap().to_owned(),
                invite["link"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Sets up the first `count` invited users with an app, `concurrency` at a time: (email, TOTP secret,
/// step of the setup code, logged-in session).
async fn enroll_many(
    url: &str,
    invites: &[(String, String)],
    password: &str,
    concurrency: usize,
) -> Vec<(String, TotpSecret, i64, String)> {
    let setups: Vec<_> = (0..concurrency)
        .map(|i| {
            let (url, password) = (url.to_owned(), password.to_owned());
            let mine: Vec<(String, String)> = invites.iter().skip(i).step_by(concurrency).cloned().collect();
            tokio::spawn(async move {
                let client = client();
                let mut users = Vec::new();
                for (email, link) in mine {
                    let (_, secret, step, session) = enroll_app(&client, &url, &link, &password).await;
                    users.push((email, secret, step, session));
                }
                users
            })
        })
        .collect();
    let mut all = Vec::new();
    for setup in setups {
        all.extend(setup.await.unwrap());
    }
    all
}

type Measured = tokio::task::JoinHandle<(Vec<Duration>, Vec<String>)>;

/// Phase 1 of `oidc-code`: `codes` codes fetched, one worker per session; the codes per worker and
/// the count fetched.
async fn fetch_codes(service: &Service, sessions: &[String], codes: usize) -> (Vec<Vec<String>>, usize) {
    let per_worker = codes / sessions.len().max(1);
    let started = Instant::now();
    let workers: Vec<_> = sessions
        .iter()
        .map(|session| {
            let (service, session) = (service.clone(), session.clone());
            tokio::spawn(async move {
                let client = client();
                let (mut latencies, mut errors, mut got) = (Vec::new(), Vec::new(), Vec::new());
                for _ in 0..per_worker {
                    let sent = Instant::now();
                    match service.code(&client, &session).await {
                        Ok(code) => {
                            latencies.push(sent.elapsed());
                            got.push(code);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors, got)
            })
        })
        .collect();
    let (mut all, mut errors, mut per) = (Vec::new(), Vec::new(), Vec::new());
    for worker in workers {
        let (latencies, e, got) = worker.await.unwrap();
        all.extend(latencies);
        errors.extend(e);
        per.push(got);
    }
    let fetched = summarize("oidc_authorize", started.elapsed().as_secs_f64(), all, errors);
    (per, fetched)
}

async fn oidc_code(service: &Service, invites: &str, password: &str, codes: usize, concurrency: usize) {
    let invites = read_invites(invites);
    let users = enroll_many(&service.url, &invites[..concurrency], password, concurrency).await;
    let sessions: Vec<String> = users.into_iter().map(|u| u.3).collect();

    let started = Instant::now();
    let (per_worker, _) = fetch_codes(service, &sessions, codes).await;
    let authorize_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let workers: Vec<Measured> = per_worker
        .into_iter()
        .map(|codes| {
            let service = service.clone();
            tokio::spawn(async move {
                let client = client();
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                for code in codes {
                    let sent = Instant::now();
                    match service.exchange(&client, &code).await {
                        Ok(tokens) if tokens["id_token"].is_string() => latencies.push(sent.elapsed()),
                        Ok(_) => errors.push("no id_token".to_owned()),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let exchanged = report("oidc_exchange", started, workers).await;
    let exchange_seconds = started.elapsed().as_secs_f64();
    println!(
        "oidc_code_pairs {exchanged} authorize_seconds {authorize_seconds:.2} exchange_seconds {exchange_seconds:.2} \
         pairs_per_second {:.2}",
        exchanged as f64 / (authorize_seconds + exchange_seconds)
    );
}

async fn oidc_refresh(
    service: &Service,
    invites: &str,
    password: &str,
    families: usize,
    seconds: u64,
    concurrency: usize,
) {
    let invites = read_invites(invites);
    let users = enroll_many(&service.url, &invites[..concurrency], password, concurrency).await;
    let sessions: Vec<String> = users.into_iter().map(|u| u.3).collect();
    // Not measured: one family per code.
    let http = client();
    let mut tokens = Vec::new();
    for i in 0..families {
        let code = service.code(&http, &sessions[i % sessions.len()]).await.unwrap();
        let answer = service.exchange(&http, &code).await.unwrap();
        tokens.push(answer["refresh_token"].as_str().unwrap().to_owned());
    }
    println!("oidc_refresh_setup families {families}");

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<Measured> = (0..concurrency)
        .map(|i| {
            let service = service.clone();
            let mut mine: Vec<String> = tokens.iter().skip(i).step_by(concurrency).cloned().collect();
            tokio::spawn(async move {
                let client = client();
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                let mut next = 0;
                while Instant::now() < deadline && !mine.is_empty() {
                    let sent = Instant::now();
                    let answer = service
                        .token(
                            &client,
                            &[("grant_type", "refresh_token"), ("refresh_token", &mine[next])],
                        )
                        .await;
                    match answer.map(|a| a["refresh_token"].as_str().map(str::to_owned)) {
                        Ok(Some(rotated)) => {
                            latencies.push(sent.elapsed());
                            mine[next] = rotated;
                            next = (next + 1) % mine.len();
                        }
                        Ok(None) => errors.push("no refresh_token".to_owned()),
                        Err(e) => {
                            // The family is gone; drop it rather than replaying it.
                            errors.push(e);
                            mine.remove(next);
                            next = if mine.is_empty() { 0 } else { next % mine.len() };
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("oidc_refresh", started, workers).await;
}

async fn oidc_client_credentials(service: &Service, seconds: u64, concurrency: usize) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<Measured> = (0..concurrency)
        .map(|_| {
            let service = service.clone();
            tokio::spawn(async move {
                let client = client();
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match service.token(&client, &[("grant_type", "client_credentials")]).await {
                        Ok(a) if a["access_token"].is_string() => latencies.push(sent.elapsed()),
                        Ok(_) => errors.push("no access_token".to_owned()),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("oidc_client_credentials", started, workers).await;
}

/// A GET with the given cookies.
async fn get(client: &reqwest::Client, url: &str, cookies: &str) -> Result<reqwest::Response, String> {
    client
        .get(url)
        .header("cookie", cookies)
        .send()
        .await
        .map_err(|e| e.to_string())
}

/// One whole login for a service, as a fresh browser does it; returns the tokens' answer.
async fn oidc_login_once(
    client: &reqwest::Client,
    service: &Service,
    email: &str,
    password: &str,
    secret: &TotpSecret,
) -> Result<(), String> {
    let url = &service.url;
    let expect = |response: &reqwest::Response, to: &str, what: &str| {
        if response.status() == 303 && location(response) == to {
            Ok(())
        } else {
            Err(format!(
                "{what} {} → {}",
                response.status().as_u16(),
                location(response)
            ))
        }
    };
    let response = get(client, &service.authorize_url(), "").await?;
    expect(&response, "/login", "authorize")?;
    let authz = set_cookie(&response, "portcullis-authz");
    let response = get(client, &format!("{url}/login"), &format!("portcullis-authz={authz}")).await?;
    let csrf = set_cookie(&response, "portcullis-csrf");
    let base = format!("portcullis-csrf={csrf}; portcullis-authz={authz}");
    let response = client
        .post(format!("{url}/login"))
        .header("cookie", &base)
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    expect(&response, "/mfa/challenge", "password")?;
    let session = set_cookie(&response, "portcullis");
    let cookies = format!("{base}; portcullis={session}");
    let response = get(client, &format!("{url}/mfa/challenge"), &cookies).await?;
    if response.status() != 200 {
        return Err(format!("challenge page {}", response.status().as_u16()));
    }
    let code = format!("{:06}", secret.code_at(step_of(UnixTime(now_secs()))));
    let response = client
        .post(format!("{url}/mfa/challenge"))
        .header("cookie", &cookies)
        .form(&[("csrf", csrf.as_str()), ("code", &code)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    expect(&response, "/oauth2/continue", "code")?;
    let session = set_cookie(&response, "portcullis");
    let cookies = format!("{base}; portcullis={session}");
    let response = get(client, &format!("{url}/oauth2/continue"), &cookies).await?;
    let html = response.text().await.map_err(|e| e.to_string())?;
    let back = html
        .split("id=\"return\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&").replace("&#38;", "&"))
        .ok_or("no way back to the service")?;
    let code = code_of(&back).ok_or("no code")?;
    let tokens = service.exchange(client, &code).await?;
    if tokens["id_token"].is_string() {
        Ok(())
    } else {
        Err("no id_token".to_owned())
    }
}

async fn oidc_login(service: &Service, invites: &str, password: &str, concurrency: usize) {
    let invites = read_invites(invites);
    let setup_started = Instant::now();
    let users = enroll_many(&service.url, &invites, password, concurrency).await;
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    let last_step = users.iter().map(|u| u.2).max().unwrap_or(i64::MIN);
    let waited = Instant::now();
    for _ in 0..400 {
        if step_of(UnixTime(now_secs())) > last_step {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "oidc_login_setup users {} setup_seconds {setup_seconds:.1} waited_seconds {:.1}",
        users.len(),
        waited.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let workers: Vec<Measured> = (0..concurrency)
        .map(|i| {
            let (service, password) = (service.clone(), password.to_owned());
            let mine: Vec<(String, TotpSecret)> = users
                .iter()
                .skip(i)
                .step_by(concurrency)
                .map(|u| (u.0.clone(), u.1.clone()))
                .collect();
            tokio::spawn(async move {
                let client = client();
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                for (email, secret) in &mine {
                    let sent = Instant::now();
                    match oidc_login_once(&client, &service, email, &password, secret).await {
                        Ok(()) => latencies.push(sent.elapsed()),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    report("oidc_login", started, workers).await;
}
