//! Test helpers shared by the store contract suite and the server's HTTP tests.
//!
//! [`TestDatabase`] gives each test a database of its own: a fresh SQLite file in a temporary
//! directory, or a fresh schema on the PostgreSQL server named by `PORTCULLIS_TEST_DATABASE_URL`.
//! Without that variable PostgreSQL tests print one line and skip — except in CI (`CI=true`), where a
//! missing prerequisite is a failure: `.ci/run` always provides it.

use std::path::PathBuf;

/// The environment variable that points the tests at a PostgreSQL server.
pub const POSTGRES_ENV: &str = "PORTCULLIS_TEST_DATABASE_URL";

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips a test for a missing prerequisite: a failure in CI; on a developer's machine one line per
/// test binary and reason, written straight to the terminal (the test harness would otherwise hide
/// the output of a passing test).
pub fn skip(test: &str, why: &str) {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<Option<HashSet<String>>> = Mutex::new(None);

    assert!(!in_ci(), "{test}: {why}, and in CI nothing may be skipped");
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.get_or_insert_with(HashSet::new).insert(why.to_owned()) {
        let binary = std::env::args().next().unwrap_or_default();
        let binary = binary
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .split('-')
            .next()
            .unwrap_or_default()
            .to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test} and the other tests of `{binary}` that need it: {why}"
        );
    }
}

pub fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    hex::encode(bytes)
}

/// Whether a command-line tool the tests drive (oathtool, zbarimg, …) is installed; if not, skips
/// (see [`skip`]) naming the Debian package that provides it.
pub fn have_tool(test: &str, tool: &str, package: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !found {
        skip(test, &format!("`{tool}` is not installed (Debian package {package})"));
    }
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A database for one test, with a temporary directory beside it for the server's other files (its
/// data directory: `.eml` files of the file transport, key files); dropped with it (the directory is
/// removed; the PostgreSQL schema stays until the CI database is dropped, which keeps drop free of
/// async work).
pub struct TestDatabase {
    pub url: String,
    pub kind: Kind,
    dir: tempfile::TempDir,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("test.db");
        TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            kind: Kind::Sqlite,
            dir,
        }
    }

    /// A directory that lives as long as the database (for a server's `data_dir`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (after printing why) when there is none.
    pub async fn postgres(test: &str) -> Option<TestDatabase> {
        let Ok(base) = std::env::var(POSTGRES_ENV) else {
            skip(test, &format!("PostgreSQL not configured ({POSTGRES_ENV} is not set)"));
            return None;
        };
        let schema = format!("t_{}", random_suffix());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base} does not answer: {e}"));
        sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some(TestDatabase {
            url,
            kind: Kind::Postgres,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    pub async fn of_kind(kind: Kind, test: &str) -> Option<TestDatabase> {
        match kind {
            Kind::Sqlite => Some(TestDatabase::sqlite()),
            Kind::Postgres => TestDatabase::postgres(test).await,
        }
    }
}
