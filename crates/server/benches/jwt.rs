//! Signing a typical ID token (`App::sign_jwt`) with the node's warm key cache, ES256 and RS256, and
//! for reference what parsing the RSA private key would add if it were done per token (it is not: the
//! cache holds parsed keys). `cargo bench -p portcullis --bench jwt`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::app::secrets::{MasterKey, SecretBox};
use portcullis::app::{App, ManualClock};
use portcullis::settings::Settings;
use portcullis_core::UnixTime;
use portcullis_core::oidc::SigningAlg;
use portcullis_store::Store;
use portcullis_testkit::TestDatabase;
use serde_json::json;

fn sign(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = TestDatabase::sqlite();
    let app = runtime.block_on(async {
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let settings = Settings {
            database_url: Some(db.url.clone()),
            data_dir: db.data_dir(),
            public_url: "https://login.example.com".parse().unwrap(),
            ..Settings::default()
        };
        let clock = Arc::new(ManualClock::new(UnixTime(1_800_000_000)));
        let app = App::new(store, &settings, clock, SecretBox::new(MasterKey::generate().unwrap())).unwrap();
        app.ensure_signing_keys().await.unwrap();
        app
    });
    let claims = json!({
        "iss": app.issuer(),
        "sub": "2d0c1a9e-6f3b-4a57-9a51-0d6c9e7b1f20",
        "aud": "harbour-dues",
        "exp": 1_800_000_300,
        "iat": 1_800_000_000,
        "auth_time": 1_799_999_950,
        "nonce": "n-0S6_WzA2Mj",
        "acr": "mfa",
        "amr": ["pwd", "otp"],
        "sid": "0b7f3c1e9d2a4f6b",
        "email": "anna@example.com",
        "email_verified": true,
        "name": "Anna de Vries",
    });
    for alg in SigningAlg::ALL {
        // Warm the cache (the first call parses the keys).
        runtime.block_on(app.sign_jwt(alg, "JWT", &claims)).unwrap();
        c.bench_function(&format!("sign_jwt {} (ID token, warm cache)", alg.as_str()), |b| {
            b.iter(|| runtime.block_on(app.sign_jwt(alg, "JWT", black_box(&claims))).unwrap())
        });
    }
    let token = runtime
        .block_on(app.sign_jwt(SigningAlg::Es256, "JWT", &claims))
        .unwrap();
    c.bench_function("verify_jwt ES256 (warm cache)", |b| {
        b.iter(|| runtime.block_on(app.verify_jwt(black_box(&token), true)).unwrap())
    });

    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&rsa).unwrap();
    c.bench_function("for reference: parsing an RSA 2048 PKCS#8 key", |b| {
        b.iter(|| aws_lc_rs::rsa::KeyPair::from_pkcs8(black_box(pkcs8.as_ref())).unwrap())
    });
}

criterion_group!(benches, sign);
criterion_main!(benches);
