//! All request state lives in the database: two server processes on one PostgreSQL database serve
//! the same users. A session started on one node works on the other, and ends on both.

use std::process::Stdio;

use portcullis_testkit::TestDatabase;
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{Browser, GOOD_PASSWORD, location, path_of};

struct Node {
    child: Child,
    address: String,
    stdout: Vec<String>,
    stderr: tokio::task::JoinHandle<Vec<String>>,
}

/// Starts `portcullis serve` on a free port and waits (by reading its log, not by sleeping) until it
/// says it is ready.
async fn start_node(database_url: &str, data_dir: &std::path::Path) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("serve")
        .arg("--log-format")
        .arg("json")
        .env("PORTCULLIS_LISTEN", "127.0.0.1:0")
        .env("PORTCULLIS_DATABASE_URL", database_url)
        .env("PORTCULLIS_DATA_DIR", data_dir)
        .env("PORTCULLIS_ARGON2_MEMORY_KIB", "8192")
        .env("PORTCULLIS_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = stderr
            .next_line()
            .await
            .unwrap()
            .expect("the node exited before it was ready");
        if line.contains("Portcullis is ready") {
            let log: serde_json::Value = serde_json::from_str(&line).unwrap();
            break format!("http://{}", log["fields"]["listen"].as_str().unwrap());
        }
    };
    let stderr = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            lines.push(line);
        }
        lines
    });
    Node {
        child,
        address,
        stdout: Vec::new(),
        stderr,
    }
}

impl Node {
    /// Reads standard output up to the setup link (only printed on an empty database).
    async fn setup_link(&mut self) -> String {
        let mut stdout = BufReader::new(self.child.stdout.take().unwrap()).lines();
        loop {
            let line = stdout.next_line().await.unwrap().expect("no setup link printed");
            self.stdout.push(line.clone());
            if let Some(start) = line.find("http://") {
                return line[start..].trim().to_owned();
            }
        }
    }

    /// Stops the node (SIGTERM, a graceful shutdown) and returns what it logged.
    async fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().unwrap() as i32;
        // SAFETY-free: kill(2) through the `kill` command keeps this test free of unsafe code.
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().await.unwrap();
        assert!(exit.success(), "a graceful shutdown exits 0: {exit:?}");
        self.stderr.await.unwrap()
    }
}

#[tokio::test]
async fn a_session_started_on_one_node_works_on_another() {
    let Some(db) = TestDatabase::postgres("two_nodes::a_session_started_on_one_node_works_on_another").await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut first = start_node(&db.url, data.path()).await;
    let link = path_of(&first.setup_link().await);
    let second = start_node(&db.url, data.path()).await;

    // The first administrator sets up through node 1 …
    let on_first = Browser::new(&first.address);
    let response = on_first
        .post(
            &link,
            &[
                ("email", "carla@support.example"),
                ("display_name", "Carla"),
                ("password", GOOD_PASSWORD),
                ("confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    on_first.logout().await;
    // … logs in on node 1 …
    let response = on_first.login("carla@support.example", GOOD_PASSWORD).await;
    assert_eq!(location(&response), "/mfa/setup");
    let session = on_first.cookie("portcullis").unwrap();

    // … and node 2 knows the session.
    let on_second = Browser::new(&second.address);
    on_second
        .jar
        .add_cookie_str(&format!("portcullis={session}"), &second.address.parse().unwrap());
    let csrf = on_first.cookie("portcullis-csrf").unwrap();
    on_second
        .jar
        .add_cookie_str(&format!("portcullis-csrf={csrf}"), &second.address.parse().unwrap());
    assert_eq!(on_second.get("/mfa/setup").await.status(), StatusCode::OK);

    // Logging out on node 2 ends the session on node 1 too.
    assert_eq!(location(&on_second.logout().await), "/login");
    assert_eq!(location(&on_first.get("/mfa/setup").await), "/login");

    // The throttle is shared as well: failures counted on node 1 count on node 2. These nodes run on
    // the real clock, so the test does not depend on how long a delay lasts: after node 1's six
    // failures (five are free), node 2's next wrong password is either refused outright (429, the
    // delay still running) or counted as the seventh failure, whose answer says a delay started —
    // a node that did not share the count would answer a plain first failure.
    for _ in 0..6 {
        on_first.login("carla@support.example", "wrong password 123").await;
    }
    let response = on_second.login("carla@support.example", "wrong password 456").await;
    let status = response.status();
    let page = response.text().await.unwrap();
    assert!(
        status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::UNAUTHORIZED && page.contains("Too many failed attempts")),
        "{status}: {page}"
    );

    let mut logs = first.stop().await;
    logs.extend(second.stop().await);
    let logs = logs.join("\n");
    for secret in [
        session.as_str(),
        GOOD_PASSWORD,
        link.trim_start_matches("/invitation/"),
        csrf.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the log");
    }
    assert!(
        logs.contains("\"route\":\"/invitation/{token}\""),
        "the access log names routes, not URLs"
    );
}
