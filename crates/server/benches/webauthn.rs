//! WebAuthn assertion verification, as the login step does it: parse the browser's JSON answer and
//! the stored credential, then check challenge, origin, relying party, flags, signature and counter
//! (`KeyService::check_assertion`). Target (DESIGN.md): < 200 µs. `cargo bench -p portcullis --bench webauthn`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::app::security_key::KeyService;
use portcullis_core::security_key::{KeyPolicy, UserVerification};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_rs_core::proto::{Credential, PublicKeyCredential};

fn assertion(c: &mut Criterion) {
    let origin = Url::parse("https://login.example.com").unwrap();
    let keys = KeyService::new(&origin, "Portcullis", KeyPolicy::Any, UserVerification::Preferred).unwrap();
    let (mut token, _) = SoftToken::new(false).unwrap();
    let (options, state) = keys
        .registration_options(b"user-1", "anna@example.com", "Anna", Vec::new())
        .unwrap();
    let answer = token.do_registration(origin.clone(), options).unwrap();
    let credential = keys.register(&answer, &state).unwrap();
    let stored = serde_json::to_string(&credential).unwrap();
    let (options, state) = keys.assertion_options(vec![credential]).unwrap();
    let response = serde_json::to_string(&token.do_authentication(origin, options).unwrap()).unwrap();

    c.bench_function("webauthn assertion: parse + verify (ES256)", |b| {
        b.iter(|| {
            let response: PublicKeyCredential = serde_json::from_str(black_box(&response)).unwrap();
            let credential: Credential = serde_json::from_str(black_box(&stored)).unwrap();
            keys.check_assertion(&response, &state, &credential).unwrap()
        })
    });
    let parsed: PublicKeyCredential = serde_json::from_str(&response).unwrap();
    let parsed_credential: Credential = serde_json::from_str(&stored).unwrap();
    c.bench_function("webauthn assertion: verify only", |b| {
        b.iter(|| {
            keys.check_assertion(black_box(&parsed), &state, &parsed_credential)
                .unwrap()
        })
    });
}

/// For reference: one ECDSA P-256 signature check with the crate webauthn-rs-core uses for it
/// (RustCrypto p256 0.14, through crypto-glue); it is nearly all of an assertion's cost.
fn p256_verify(c: &mut Criterion) {
    use crypto_glue::ecdsa_p256::{EcdsaP256Signature, EcdsaP256SigningKey, EcdsaP256VerifyingKey, new_key};
    use crypto_glue::traits::{Signer, Verifier};
    let signer = EcdsaP256SigningKey::from(&new_key());
    let verifier = EcdsaP256VerifyingKey::from(&signer);
    let signature: EcdsaP256Signature = signer.sign(b"authenticator data and client data hash");
    c.bench_function("p256 ECDSA verify alone", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(b"authenticator data and client data hash"), &signature)
                .unwrap()
        })
    });
}

criterion_group!(benches, assertion, p256_verify);
criterion_main!(benches);
