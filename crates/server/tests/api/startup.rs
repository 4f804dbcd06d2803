//! Start-up: the master key that seals secrets at rest is created once, checked at every start, and
//! never silently replaced.

use std::sync::Arc;

use portcullis::app::SystemClock;
use portcullis::app::secrets::MasterKey;
use portcullis::settings::Settings;
use portcullis::startup::open_app;
use secrecy::SecretString;

fn settings(dir: &std::path::Path) -> Settings {
    Settings {
        data_dir: dir.join("data"),
        argon2_memory_kib: 8 * 1024,
        argon2_iterations: 1,
        ..Settings::default()
    }
}

async fn start(settings: &Settings) -> Result<(), String> {
    match open_app(settings, Arc::new(SystemClock)).await {
        Ok(app) => {
            app.store.close().await;
            Ok(())
        }
        Err(err) => Err(format!("{err:#}")),
    }
}

#[tokio::test]
async fn a_fresh_database_gets_a_private_key_file_that_later_starts_need() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path());
    start(&settings).await.unwrap();
    let key_file = settings.data_dir.join("master.key");
    let text = std::fs::read_to_string(&key_file).unwrap();
    assert!(MasterKey::parse(&text).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    start(&settings).await.expect("the same key opens the database again");

    // Another key is refused by name, and nothing new is written.
    let other = MasterKey::generate().unwrap();
    let with_other = Settings {
        master_key: Some(SecretString::from(other.encode().to_string())),
        ..settings.clone()
    };
    let err = start(&with_other).await.unwrap_err();
    assert!(err.contains("is not the one this database was set up with"), "{err}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), text);

    // A lost key file stops start-up instead of silently making new secrets.
    std::fs::remove_file(&key_file).unwrap();
    let err = start(&settings).await.unwrap_err();
    assert!(
        err.contains("no key was found") && err.contains("PORTCULLIS_MASTER_KEY"),
        "{err}"
    );
    assert!(!key_file.exists());

    // The right key given in the setting works without the file.
    let right = Settings {
        master_key: Some(SecretString::from(text.trim().to_owned())),
        ..settings
    };
    start(&right).await.unwrap();
}
