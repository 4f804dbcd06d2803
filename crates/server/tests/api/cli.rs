//! The `portcullis` command line, run as a real process on a fresh data directory.

use std::process::Output;

use serde_json::Value;

fn portcullis(dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env_remove("PORTCULLIS_DATABASE_URL")
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn operators_create_organizations_and_invite_users() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let created = json(&portcullis(
        path,
        &[
            "org",
            "create",
            "--name",
            "Port of Rotterdam",
            "--main-admin",
            "Main@PoR.example",
            "--json",
        ],
    ));
    assert_eq!(created["email"], "main@por.example");
    assert_eq!(created["org"], "Port of Rotterdam");
    assert!(
        created["link"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost:8080/invitation/pcl_")
    );
    assert!(
        path.join("portcullis-data/portcullis.db").exists(),
        "created in ./portcullis-data"
    );

    let human = portcullis(
        path,
        &[
            "user",
            "invite",
            "--email",
            "emp@por.example",
            "--org",
            "port of rotterdam",
            "--role",
            "user_admin",
        ],
    );
    assert!(human.status.success(), "{}", stderr(&human));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with("Invited emp@por.example as user administrator of Port of Rotterdam."),
        "{text}"
    );
    assert!(text.contains("invitation email"), "{text}");
    json(&portcullis(
        path,
        &["user", "invite", "--email", "solo@example.com", "--json"],
    ));
    json(&portcullis(
        path,
        &["support", "invite", "--email", "help@platform.example", "--json"],
    ));

    let users = json(&portcullis(
        path,
        &["user", "list", "--org", "Port of Rotterdam", "--json"],
    ));
    let roles: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user_admin", "main_admin"]);
    let all = json(&portcullis(path, &["user", "list", "--json"]));
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert!(all.as_array().unwrap().iter().all(|u| u["status"] == "invited"));
    let orgs = json(&portcullis(path, &["org", "list", "--json"]));
    assert_eq!(orgs[0]["members"], 2);
    assert_eq!(orgs[0]["main_admin"], "main@por.example");
}

#[test]
fn conflicts_and_bad_input_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    json(&portcullis(
        path,
        &[
            "org",
            "create",
            "--name",
            "Acme",
            "--main-admin",
            "boss@acme.example",
            "--json",
        ],
    ));

    let cases: [(&[&str], &str); 6] = [
        (
            &["org", "create", "--name", "ACME", "--main-admin", "other@acme.example"],
            "an organization with this name already exists",
        ),
        (
            &["org", "create", "--name", "Beta", "--main-admin", "boss@acme.example"],
            "an account with this email already exists",
        ),
        (
            &["user", "invite", "--email", "x@acme.example", "--org", "Nope"],
            "no organization is called \"Nope\"",
        ),
        (&["user", "invite", "--email", "not-an-email"], "invalid email"),
        (
            &["user", "invite", "--email", "BOSS@acme.example", "--org", "Acme"],
            "already exists",
        ),
        (
            &["org", "create", "--name", "   ", "--main-admin", "z@z.example"],
            "invalid name",
        ),
    ];
    for (args, message) in cases {
        let output = portcullis(path, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
    // A second main administrator cannot be invited at all.
    let output = portcullis(
        path,
        &[
            "user",
            "invite",
            "--email",
            "x@acme.example",
            "--org",
            "Acme",
            "--role",
            "main_admin",
        ],
    );
    assert_eq!(output.status.code(), Some(2));

    let orgs = json(&portcullis(path, &["org", "list", "--json"]));
    assert_eq!(
        orgs.as_array().unwrap().len(),
        1,
        "no half-created organization (Beta) remains"
    );
    assert_eq!(
        json(&portcullis(path, &["user", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn configuration_errors_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(
        path.join("bad.toml"),
        "listen = \"127.0.0.1:8080\"\nsesion_idle_timeout = \"5m\"\n",
    )
    .unwrap();
    let output = portcullis(path, &["--config", "bad.toml", "org", "list"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("sesion_idle_timeout"), "{}", stderr(&output));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["org", "list"])
        .current_dir(path)
        .env("PORTCULLIS_PUBLIC_URL", "not a url")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("PUBLIC_URL") || stderr(&output).contains("public_url"),
        "{}",
        stderr(&output)
    );
    assert!(
        !path.join("portcullis-data").exists(),
        "nothing is created when the settings are wrong"
    );

    let migrated = portcullis(path, &["migrate"]);
    assert!(migrated.status.success());
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("up to date"));
}

#[test]
fn a_metadata_blob_not_signed_by_the_fido_alliance_is_refused_and_changes_nothing() {
    use data_encoding::{BASE64, BASE64URL_NOPAD};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("junk.jwt"), "not a blob").unwrap();
    let output = portcullis(path, &["mds", "load", "junk.jwt"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not a FIDO metadata (MDS3) blob"),
        "{}",
        stderr(&output)
    );

    // Shaped like the real thing (a JWS with an x5c chain and entries), but signed by someone else.
    let ca = crate::security_key::SoftKey::new(false).ca_der;
    let header = serde_json::json!({ "alg": "ES256", "typ": "JWT", "x5c": [BASE64.encode(&ca)] });
    let payload = serde_json::json!({
        "legalHeader": "", "no": 1, "nextUpdate": "2099-01-01",
        "entries": [{ "aaguid": "0fb9bcbc-a0d4-4042-bbb0-559bc1631e28",
                      "metadataStatement": { "description": "Trust me" } }],
    });
    let forged = format!(
        "{}.{}.{}",
        BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(payload.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(&[7u8; 64]),
    );
    std::fs::write(path.join("forged.jwt"), forged).unwrap();
    let output = portcullis(path, &["mds", "load", "forged.jwt"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("signed by the FIDO Alliance"),
        "{}",
        stderr(&output)
    );
    let output = portcullis(path, &["mds", "load", "missing.jwt"]);
    assert!(
        stderr(&output).contains("cannot read missing.jwt"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn audit_verify_checks_the_chain_of_every_event_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let output = portcullis(path, &["audit", "verify"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "The audit log is intact: 0 chained records."
    );
    for n in 0..3 {
        let email = format!("user{n}@example.com");
        assert!(
            portcullis(path, &["user", "invite", "--email", &email])
                .status
                .success()
        );
    }
    let report = json(&portcullis(path, &["audit", "verify", "--json"]));
    assert_eq!(report["intact"], true);
    assert_eq!(report["records"], 3, "one invitation event each");

    // Someone with access to the database file edits the second event.
    let url = format!("sqlite://{}", path.join("portcullis-data/portcullis.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_events SET ip = '203.0.113.9' WHERE id = 2")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let output = portcullis(path, &["audit", "verify"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("the audit log is broken at record 2: its content does not match its hash"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn dev_seed_fills_only_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let seeded = json(&portcullis(
        path,
        &["dev", "seed", "--users", "500", "--orgs", "7", "--json"],
    ));
    assert_eq!(seeded["organizations"], 7);
    assert_eq!(
        seeded["users"], 507,
        "one main administrator per organization, plus the users"
    );
    let listed = json(&portcullis(path, &["org", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 7);
    assert!(listed.as_array().unwrap().iter().all(|o| !o["main_admin"].is_null()));
    let again = portcullis(path, &["dev", "seed", "--users", "5"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("seeding needs a database without users"),
        "{}",
        stderr(&again)
    );
}
