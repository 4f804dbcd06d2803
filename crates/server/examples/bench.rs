//! Benchmark driver for `bench/run.sh` (see BENCHMARKS.md). Talks only to 127.0.0.1; every loop is
//! bounded by a duration and stops by itself.
//!
//! - `hash-rate --seconds S`: raw argon2id hashes per second on this thread (the server's defaults).
//! - `accept --link URL --password P`: accept an invitation (to make the benchmark user).
//! - `logins --url URL --emails E1,E2,… --password P --seconds S --concurrency C`: password logins per
//!   second; worker i logs in as the i-th email (one user per worker, as real users do not log in
//!   to one account in parallel).
//! - `startup --bin PATH --dir DIR --runs N`: time from exec to "ready", and resident memory.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};

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
        _ => eprintln!("usage: bench hash-rate|accept|logins|startup …"),
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
    let client = client();
    let token = csrf(&client, link).await;
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
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "logins {} errors {errors} logins_per_second {:.2} p50_ms {:.1} p99_ms {:.1}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
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
