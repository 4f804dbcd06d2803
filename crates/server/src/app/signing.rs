//! The keys that sign OpenID Connect tokens (ID tokens, access tokens, logout tokens), and the JWKS
//! that publishes them.
//!
//! One ES256 (P-256) and one RS256 (RSA 2048) key sign at a time; both are made on first start
//! ([`App::ensure_signing_keys`]) and replaced by [`App::rotate_signing_keys`] (`portcullis keys
//! rotate`). A new key is published at once and signs from [`ROTATION_LEAD`] later (services that
//! cache the JWKS learn it before they see its tokens); a retired key stays published for [`RETIRED_KEYS_PUBLISHED_FOR`]: the longest a token it
//! signed can live ([`ACCESS_MAX`]) plus a minute, more than the age of a node's cache
//! ([`CACHE_MAX_AGE`]) during which another node may still sign with it. After that it leaves the JWKS and its tokens no longer verify.
//!
//! The private keys are PKCS#8, sealed under the master key (associated data `oidc-signing-key:<kid>`)
//! in `oidc_signing_keys`; in memory they are parsed once and kept in a node-local cache
//! ([`KeyRing`]) that the node can lose at any time (DESIGN.md §3). The cache is reloaded from the
//! database when it is older than [`CACHE_MAX_AGE`] by the app's clock, or when a token names a kid it
//! does not know (at most once a second, so that tokens with made-up kids cannot hammer the database).
//! A reload parses only the keys it has not parsed before: parsing an RSA key is slow.
//!
//! Tokens are signed here with aws-lc-rs directly (the JWS compact form is three base64url parts),
//! not with jsonwebtoken's `encode`, which parses the private key again for every RS256 signature.
//! jsonwebtoken verifies. Key material never reaches a log: the types here print only kids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use data_encoding::BASE64URL_NOPAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use portcullis_core::UnixTime;
use portcullis_core::oidc::SigningAlg;
use portcullis_core::oidc::lifetimes::ACCESS_MAX;
use portcullis_store::signing_keys::SigningKeyRecord;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::{App, AppError, Client, event, random};

/// How old (by the app's clock) a node's cache of keys may get before it is read again.
pub const CACHE_MAX_AGE: i64 = 30;

/// How long a retired key stays in the JWKS: a node whose cache is [`CACHE_MAX_AGE`] old may still
/// sign with it, and that token lives up to [`ACCESS_MAX`]; the rest is a margin for clocks.
pub const RETIRED_KEYS_PUBLISHED_FOR: i64 = ACCESS_MAX + 60;

/// How long after `keys rotate` the new keys start signing (they are published at once).
pub const ROTATION_LEAD: i64 = 10 * 60;

/// At most one reload per this interval because of unknown kids (real time: it protects the
/// database, whatever the app's clock says).
const MISS_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// Tries of a rotation that met another rotation at the same moment.
const ROTATE_TRIES: usize = 3;

/// A key's private half, parsed.
enum Signer {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
}

/// One key of the ring: the private half only while it signs.
struct LoadedKey {
    kid: String,
    alg: SigningAlg,
    signer: Option<Signer>,
    decoding: DecodingKey,
    signs_from: UnixTime,
    retired_at: Option<UnixTime>,
    published_until: Option<UnixTime>,
}

impl LoadedKey {
    fn published_at(&self, now: UnixTime) -> bool {
        self.retired_at.is_none() || self.published_until.is_some_and(|until| until > now)
    }
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("signs", &self.signer.is_some())
            .field("retired_at", &self.retired_at)
            .field("published_until", &self.published_until)
            .finish()
    }
}

/// The keys as read at `loaded_at`.
#[derive(Debug)]
struct Snapshot {
    loaded_at: UnixTime,
    keys: HashMap<String, Arc<LoadedKey>>,
}

impl Snapshot {
    fn fresh_at(&self, now: UnixTime) -> bool {
        now >= self.loaded_at && now.0 - self.loaded_at.0 < CACHE_MAX_AGE
    }

    /// The key that signs for `alg` at `now` (after a rotation the old one until the new one starts).
    fn active(&self, alg: SigningAlg, now: UnixTime) -> Option<&Arc<LoadedKey>> {
        self.keys
            .values()
            .find(|k| k.alg == alg && k.signs_from <= now && k.retired_at.is_none_or(|r| r > now) && k.signer.is_some())
    }
}

/// A node's cache of parsed signing keys (a field of [`App`]).
#[derive(Debug, Default)]
pub struct KeyRing {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// One reload at a time; the others wait for it and use its result.
    reloading: tokio::sync::Mutex<()>,
    /// When unknown kids last caused a reload.
    last_miss_reload: Mutex<Option<Instant>>,
}

impl KeyRing {
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    fn get(&self) -> Option<Arc<Snapshot>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, snapshot: Option<Arc<Snapshot>>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
    }

    /// Whether an unknown kid may cause a reload now (and if so, counts it).
    fn may_reload_for_miss(&self) -> bool {
        let mut last = self.last_miss_reload.lock().unwrap_or_else(|e| e.into_inner());
        match *last {
            Some(at) if at.elapsed() < MISS_RELOAD_INTERVAL => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }
}

/// A freshly generated key: its stored form, and its PKCS#8 for nobody but the sealer.
struct NewKey {
    kid: String,
    alg: SigningAlg,
    pkcs8: Zeroizing<Vec<u8>>,
    jwk: Value,
}

fn crypto_error(what: &str) -> AppError {
    AppError::Internal(format!("signing keys: {what}"))
}

fn aad(kid: &str) -> String {
    format!("oidc-signing-key:{kid}")
}

/// Generates a key with a random kid; its public JWK carries `kid`, `alg` and `use: sig`.
fn generate(alg: SigningAlg, kid: String) -> Result<NewKey, AppError> {
    let b64 = |bytes: &[u8]| BASE64URL_NOPAD.encode(bytes);
    let (pkcs8, mut jwk) = match alg {
        SigningAlg::Es256 => {
            let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| crypto_error("generating a P-256 key failed"))?;
            let pkcs8 = Zeroizing::new(document.as_ref().to_vec());
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8)
                .map_err(|_| crypto_error("a new P-256 key does not parse"))?;
            // The uncompressed point: 0x04 ‖ x ‖ y, 32 bytes each.
            let point = pair.public_key().as_ref();
            if point.len() != 65 || point[0] != 4 {
                return Err(crypto_error("unexpected P-256 public key encoding"));
            }
            let jwk = json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..]) });
            (pkcs8, jwk)
        }
        SigningAlg::Rs256 => {
            let pair =
                RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| crypto_error("generating an RSA key failed"))?;
            let der: Pkcs8V1Der = pair
                .as_der()
                .map_err(|_| crypto_error("serializing an RSA key failed"))?;
            let public = pair.public_key();
            let jwk = json!({
                "kty": "RSA",
                "n": b64(public.modulus().big_endian_without_leading_zero()),
                "e": b64(public.exponent().big_endian_without_leading_zero()),
            });
            (Zeroizing::new(der.as_ref().to_vec()), jwk)
        }
    };
    if let Some(map) = jwk.as_object_mut() {
        map.insert("kid".into(), Value::String(kid.clone()));
        map.insert("alg".into(), Value::String(alg.as_str().into()));
        map.insert("use".into(), Value::String("sig".into()));
    }
    Ok(NewKey { kid, alg, pkcs8, jwk })
}

/// Generates one key per algorithm, off the async runtime (RSA key generation takes a while).
async fn generate_all(algs: Vec<SigningAlg>) -> Result<Vec<NewKey>, AppError> {
    let kids = algs
        .iter()
        .map(|_| Ok(BASE64URL_NOPAD.encode(&random::bytes::<16>()?)))
        .collect::<Result<Vec<String>, AppError>>()?;
    tokio::task::spawn_blocking(move || {
        algs.into_iter()
            .zip(kids)
            .map(|(alg, kid)| generate(alg, kid))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| crypto_error("the key generation task failed"))?
}

fn jwt_algorithm(alg: SigningAlg) -> Algorithm {
    match alg {
        SigningAlg::Es256 => Algorithm::ES256,
        SigningAlg::Rs256 => Algorithm::RS256,
    }
}

impl App {
    /// The issuer (`iss`) of every token and of the discovery document: the public URL without a
    /// trailing `/`.
    pub fn issuer(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_owned()
    }

    /// A new key's record: published from `now`, signing from `signs_from`.
    fn seal_new_key(&self, key: &NewKey, now: UnixTime, signs_from: UnixTime) -> Result<SigningKeyRecord, AppError> {
        Ok(SigningKeyRecord {
            kid: key.kid.clone(),
            alg: key.alg,
            private_key: self.secrets.seal(&key.pkcs8, &aad(&key.kid))?,
            public_jwk: key.jwk.to_string(),
            created_at: now,
            signs_from,
            retired_at: None,
            published_until: None,
        })
    }

    /// Creates the ES256 and RS256 keys if there are none (first start; two nodes racing: the unique
    /// index lets one win and the other re-reads). Called from start-up before serving.
    #[tracing::instrument(skip_all)]
    pub async fn ensure_signing_keys(&self) -> Result<(), AppError> {
        let active = self.store.read().await?.active_signing_keys().await?;
        let missing: Vec<SigningAlg> = SigningAlg::ALL
            .into_iter()
            .filter(|alg| !active.iter().any(|k| k.alg == *alg))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let new = generate_all(missing).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut created = Vec::new();
        for key in &new {
            if tx.insert_signing_key(&self.seal_new_key(key, now, now)?).await? {
                created.push(json!({ "kid": key.kid, "alg": key.alg.as_str() }));
            }
        }
        if !created.is_empty() {
            tx.append_audit(&event(
                now,
                "signing_keys_created",
                None,
                None,
                None,
                &Client::default(),
                json!({ "keys": &created }),
            ))
            .await?;
        }
        tx.commit().await?;
        self.signing_keys.set(None);
        if !created.is_empty() {
            let created = Value::Array(created);
            tracing::info!(keys = %created, "created the OpenID Connect signing keys");
        }
        Ok(())
    }

    /// Creates new keys and retires the active ones in one transaction. The new keys are published at
    /// once and start signing `lead` seconds later ([`ROTATION_LEAD`] normally, 0 when a key may be
    /// compromised), when the old ones stop; the old ones stay published for
    /// [`RETIRED_KEYS_PUBLISHED_FOR`] after that. The lead lets services that cache the JWKS (most
    /// libraries refetch it only after a minute or more) learn a key before they see a token signed
    /// with it. Audited as `signing_keys_rotated` with the new and old kids. Returns the new kids and
    /// the moment they start signing. Works on a database without keys, too.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_signing_keys(&self, lead: i64) -> Result<(Vec<String>, UnixTime), AppError> {
        let new = generate_all(SigningAlg::ALL.to_vec()).await?;
        for _ in 0..ROTATE_TRIES {
            let now = self.now();
            let switch = now.plus_secs(lead.max(0));
            let published_until = switch.plus_secs(RETIRED_KEYS_PUBLISHED_FOR);
            let mut tx = self.store.begin().await?;
            let old: Vec<String> = tx.active_signing_keys().await?.into_iter().map(|k| k.kid).collect();
            tx.retire_signing_keys(switch, published_until).await?;
            let mut all_in = true;
            for key in &new {
                all_in &= tx.insert_signing_key(&self.seal_new_key(key, now, switch)?).await?;
            }
            if !all_in {
                // Another node rotated at the same moment (PostgreSQL): its new keys were not yet
                // visible to our retirement. Roll back and retire those too.
                drop(tx);
                continue;
            }
            let kids: Vec<String> = new.iter().map(|k| k.kid.clone()).collect();
            tx.append_audit(&event(
                now,
                "signing_keys_rotated",
                None,
                None,
                None,
                &Client::default(),
                json!({ "new": kids, "old": old, "signs_from": switch.0, "published_until": published_until.0 }),
            ))
            .await?;
            tx.commit().await?;
            self.signing_keys.set(None);
            tracing::info!(new = ?kids, old = ?old, signs_from = switch.0, "rotated the OpenID Connect signing keys");
            return Ok((kids, switch));
        }
        Err(crypto_error(
            "other rotations kept running at the same moment; try again",
        ))
    }

    /// Signs `claims` (a JSON object) with the active key of `alg`; `typ` goes in the header ("JWT"
    /// for ID tokens, "at+jwt" for access tokens, "logout+jwt" for logout tokens).
    pub async fn sign_jwt(&self, alg: SigningAlg, typ: &'static str, claims: &Value) -> Result<String, AppError> {
        if !claims.is_object() {
            return Err(crypto_error("the claims of a token must be a JSON object"));
        }
        let now = self.now();
        let mut snapshot = self.key_snapshot(now, false).await?;
        if snapshot.active(alg, now).is_none() {
            // Keys made since the last read (first start, another node's rotation).
            snapshot = self.key_snapshot(now, true).await?;
        }
        let key = snapshot
            .active(alg, now)
            .ok_or_else(|| crypto_error(&format!("no active {} key (start the server once)", alg.as_str())))?;
        let header = json!({ "alg": alg.as_str(), "kid": key.kid, "typ": typ });
        let mut token = format!(
            "{}.{}",
            BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
            BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
        );
        let signature = match &key.signer {
            Some(Signer::Es256(pair)) => pair
                .sign(&SystemRandom::new(), token.as_bytes())
                .map_err(|_| crypto_error("ES256 signing failed"))?
                .as_ref()
                .to_vec(),
            Some(Signer::Rs256(pair)) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    token.as_bytes(),
                    &mut signature,
                )
                .map_err(|_| crypto_error("RS256 signing failed"))?;
                signature
            }
            None => return Err(crypto_error("the active key has no private half")),
        };
        token.push('.');
        token.push_str(&BASE64URL_NOPAD.encode(&signature));
        Ok(token)
    }

    /// Verifies a JWT that Portcullis signed with any published key and returns its claims. The
    /// header's `alg` must be the key's (so `none` and HS* never pass), `iss` must be [`App::issuer`],
    /// and `exp` must be in the future when `check_exp` (an expired `id_token_hint` is still fine at
    /// logout). `aud` is not checked: callers do.
    pub async fn verify_jwt(&self, token: &str, check_exp: bool) -> Result<Value, AppError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AppError::InvalidToken)?;
        let kid = header.kid.as_deref().ok_or(AppError::InvalidToken)?;
        let now = self.now();
        let mut snapshot = self.key_snapshot(now, false).await?;
        if !snapshot.keys.contains_key(kid) && self.signing_keys.may_reload_for_miss() {
            snapshot = self.key_snapshot(now, true).await?;
        }
        let key = snapshot.keys.get(kid).ok_or(AppError::InvalidToken)?;
        if !key.published_at(now) || header.alg != jwt_algorithm(key.alg) {
            return Err(AppError::InvalidToken);
        }
        let mut validation = Validation::new(jwt_algorithm(key.alg));
        // The claims are checked below against the app's clock, not the system's.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Value>(token, &key.decoding, &validation)
            .map_err(|_| AppError::InvalidToken)?
            .claims;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer().as_str()) {
            return Err(AppError::InvalidToken);
        }
        // `exp` is the first second the token is no longer valid; without one it is never valid here.
        let unexpired = claims.get("exp").and_then(Value::as_i64).is_some_and(|exp| now.0 < exp);
        if check_exp && !unexpired {
            return Err(AppError::InvalidToken);
        }
        Ok(claims)
    }

    /// The JWKS document: `{"keys": [...]}` with every published key, newest first. Read from the
    /// database, not the cache: a key that another node has just started signing with must be in it.
    pub async fn jwks(&self) -> Result<Value, AppError> {
        let now = self.now();
        let keys = self.store.read().await?.published_signing_keys(now).await?;
        let keys = keys
            .iter()
            .map(|k| {
                serde_json::from_str::<Value>(&k.public_jwk)
                    .map_err(|_| crypto_error(&format!("the stored JWK of {} is not JSON", k.kid)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(json!({ "keys": keys }))
    }

    /// The cached keys, read again from the database when stale or when `reload`.
    async fn key_snapshot(&self, now: UnixTime, reload: bool) -> Result<Arc<Snapshot>, AppError> {
        let before = self.signing_keys.get();
        if let Some(snapshot) = &before
            && !reload
            && snapshot.fresh_at(now)
        {
            return Ok(snapshot.clone());
        }
        let _turn = self.signing_keys.reloading.lock().await;
        // Someone else may have reloaded while we waited.
        let current = self.signing_keys.get();
        if let Some(snapshot) = &current {
            let reloaded_meanwhile = !before.as_ref().is_some_and(|b| Arc::ptr_eq(b, snapshot));
            if snapshot.fresh_at(now) && (!reload || reloaded_meanwhile) {
                return Ok(snapshot.clone());
            }
        }
        let records = self.store.read().await?.published_signing_keys(now).await?;
        let mut keys = HashMap::with_capacity(records.len());
        for record in records {
            // A key already parsed is reused unless it has since been retired (then it stops signing).
            let reused = current
                .as_ref()
                .and_then(|s| s.keys.get(&record.kid))
                .filter(|k| k.retired_at == record.retired_at)
                .cloned();
            let key = match reused {
                Some(key) => key,
                None => Arc::new(self.parse_key(&record, now)?),
            };
            keys.insert(record.kid, key);
        }
        let snapshot = Arc::new(Snapshot { loaded_at: now, keys });
        self.signing_keys.set(Some(snapshot.clone()));
        Ok(snapshot)
    }

    /// Parses a stored key: the public half always, the private half only while it signs.
    fn parse_key(&self, record: &SigningKeyRecord, now: UnixTime) -> Result<LoadedKey, AppError> {
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&record.public_jwk)
            .map_err(|_| crypto_error(&format!("the stored JWK of {} does not parse", record.kid)))?;
        let decoding = DecodingKey::from_jwk(&jwk)
            .map_err(|_| crypto_error(&format!("the stored JWK of {} is not a public key", record.kid)))?;
        let signer = match record.retired_at {
            Some(at) if at <= now => None,
            _ => {
                let pkcs8 = self.secrets.open(&record.private_key, &aad(&record.kid))?;
                Some(match record.alg {
                    SigningAlg::Es256 => Signer::Es256(
                        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8)
                            .map_err(|_| crypto_error(&format!("the private key of {} does not parse", record.kid)))?,
                    ),
                    SigningAlg::Rs256 => Signer::Rs256(
                        RsaKeyPair::from_pkcs8(&pkcs8)
                            .map_err(|_| crypto_error(&format!("the private key of {} does not parse", record.kid)))?,
                    ),
                })
            }
        };
        Ok(LoadedKey {
            kid: record.kid.clone(),
            alg: record.alg,
            signer,
            decoding,
            signs_from: record.signs_from,
            retired_at: record.retired_at,
            published_until: record.published_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use data_encoding::BASE64URL_NOPAD;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use portcullis_core::UnixTime;
    use portcullis_core::oidc::SigningAlg;
    use portcullis_store::Store;
    use portcullis_testkit::{Kind, TestDatabase};
    use serde_json::{Value, json};

    use super::{RETIRED_KEYS_PUBLISHED_FOR, ROTATION_LEAD};
    use crate::app::secrets::{MasterKey, SecretBox};
    use crate::app::{App, AppError, ManualClock};
    use crate::settings::Settings;

    const START: UnixTime = UnixTime(1_800_000_000);

    /// One node: its own pool, cache and clock on a shared database and master key.
    async fn node(db: &TestDatabase, master_key: &str, clock: Arc<ManualClock>) -> App {
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let settings = Settings {
            database_url: Some(db.url.clone()),
            data_dir: db.data_dir(),
            public_url: "https://login.example.com/".parse().unwrap(),
            ..Settings::default()
        };
        App::new(
            store,
            &settings,
            clock,
            SecretBox::new(MasterKey::parse(master_key).unwrap()),
        )
        .unwrap()
    }

    async fn app() -> (App, Arc<ManualClock>, TestDatabase) {
        let db = TestDatabase::sqlite();
        let clock = Arc::new(ManualClock::new(START));
        let app = node(&db, &MasterKey::generate().unwrap().encode(), clock.clone()).await;
        app.ensure_signing_keys().await.unwrap();
        (app, clock, db)
    }

    fn id_token_claims(app: &App, exp: UnixTime) -> Value {
        json!({
            "iss": app.issuer(),
            "sub": "2d0c1a9e-6f3b-4a57-9a51-0d6c9e7b1f20",
            "aud": "harbour-dues",
            "exp": exp.0,
            "iat": exp.0 - 300,
            "nonce": "n-0S6_WzA2Mj",
            "acr": "mfa",
            "amr": ["pwd", "otp"],
        })
    }

    fn header_of(token: &str) -> Value {
        let part = token.split('.').next().unwrap();
        serde_json::from_slice(&BASE64URL_NOPAD.decode(part.as_bytes()).unwrap()).unwrap()
    }

    fn kid_of(token: &str) -> String {
        header_of(token)["kid"].as_str().unwrap().to_owned()
    }

    fn jwks_kids(jwks: &Value) -> Vec<String> {
        let mut kids: Vec<String> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        kids.sort();
        kids
    }

    fn refused(result: Result<Value, AppError>) -> bool {
        matches!(result, Err(AppError::InvalidToken))
    }

    #[tokio::test]
    async fn tokens_signed_with_either_alg_verify_here_and_with_the_published_jwk() {
        let (app, _clock, _db) = app().await;
        assert_eq!(app.issuer(), "https://login.example.com");
        let jwks = app.jwks().await.unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        for (alg, jwt_alg, typ) in [
            (SigningAlg::Es256, Algorithm::ES256, "JWT"),
            (SigningAlg::Rs256, Algorithm::RS256, "at+jwt"),
        ] {
            let claims = id_token_claims(&app, START.plus_secs(300));
            let token = app.sign_jwt(alg, typ, &claims).await.unwrap();
            let header = header_of(&token);
            assert_eq!(header["alg"], alg.as_str());
            assert_eq!(header["typ"], typ);
            assert_eq!(app.verify_jwt(&token, true).await.unwrap(), claims);

            // The JWKS entry alone verifies it (an independent path: jsonwebtoken's own JWK parsing).
            let entry = jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == header["kid"])
                .unwrap();
            assert_eq!(entry["alg"], alg.as_str());
            assert_eq!(entry["use"], "sig");
            match alg {
                SigningAlg::Es256 => {
                    assert_eq!((&entry["kty"], &entry["crv"]), (&json!("EC"), &json!("P-256")));
                    assert_eq!(
                        BASE64URL_NOPAD
                            .decode(entry["x"].as_str().unwrap().as_bytes())
                            .unwrap()
                            .len(),
                        32
                    );
                }
                SigningAlg::Rs256 => {
                    assert_eq!(entry["kty"], "RSA");
                    let n = BASE64URL_NOPAD.decode(entry["n"].as_str().unwrap().as_bytes()).unwrap();
                    assert_eq!(n.len(), 256, "RSA 2048");
                    assert_eq!(entry["e"], "AQAB");
                }
            }
            let jwk: Jwk = serde_json::from_value(entry.clone()).unwrap();
            let mut validation = Validation::new(jwt_alg);
            validation.set_audience(&["harbour-dues"]);
            validation.set_issuer(&["https://login.example.com"]);
            // The test clock is in 2027; the system's is not.
            validation.validate_exp = false;
            let decoded =
                jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &validation).unwrap();
            assert_eq!(decoded.claims, claims);
        }
    }

    #[tokio::test]
    async fn forged_altered_foreign_and_expired_tokens_are_refused() {
        let (app, _clock, _db) = app().await;
        let claims = id_token_claims(&app, START.plus_secs(300));
        let token = app.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap();
        let kid = kid_of(&token);
        let parts: Vec<&str> = token.split('.').collect();
        let b64 = |v: &Value| BASE64URL_NOPAD.encode(v.to_string().as_bytes());

        // The payload changed (another subject), the signature kept.
        let mut other = claims.clone();
        other["sub"] = json!("someone-else");
        assert!(refused(
            app.verify_jwt(&format!("{}.{}.{}", parts[0], b64(&other), parts[2]), true)
                .await
        ));
        // `alg: none`, with and without the old signature.
        let none = b64(&json!({ "alg": "none", "kid": kid, "typ": "JWT" }));
        assert!(refused(app.verify_jwt(&format!("{none}.{}.", parts[1]), true).await));
        assert!(refused(
            app.verify_jwt(&format!("{none}.{}.{}", parts[1], parts[2]), true).await
        ));
        // HS256 with the public key as the secret (the classic key-confusion attack), in two forms.
        let jwks = app.jwks().await.unwrap();
        let entry = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .unwrap();
        for secret in [
            entry.to_string().into_bytes(),
            entry["x"].as_str().unwrap().as_bytes().to_vec(),
        ] {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(kid.clone());
            let forged = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret).unwrap()).unwrap();
            assert!(refused(app.verify_jwt(&forged, true).await));
        }
        // The RS256 key's kid in a token whose header says ES256 (signed by the ES256 key).
        let rs_kid = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["alg"] == "RS256")
            .unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_owned();
        let relabelled = b64(&json!({ "alg": "ES256", "kid": rs_kid, "typ": "JWT" }));
        assert!(refused(
            app.verify_jwt(&format!("{relabelled}.{}.{}", parts[1], parts[2]), true)
                .await
        ));
        // A kid nobody knows, and none.
        let unknown = b64(&json!({ "alg": "ES256", "kid": "not-a-kid", "typ": "JWT" }));
        assert!(refused(
            app.verify_jwt(&format!("{unknown}.{}.{}", parts[1], parts[2]), true)
                .await
        ));
        let no_kid = b64(&json!({ "alg": "ES256", "typ": "JWT" }));
        assert!(refused(
            app.verify_jwt(&format!("{no_kid}.{}.{}", parts[1], parts[2]), true)
                .await
        ));
        // Not a JWT at all.
        assert!(refused(app.verify_jwt("", true).await));
        assert!(refused(app.verify_jwt("a.b", true).await));

        // Signed by us, but for another issuer, or without one.
        let mut foreign = claims.clone();
        foreign["iss"] = json!("https://login.example.com.evil.test");
        assert!(refused(
            app.verify_jwt(&app.sign_jwt(SigningAlg::Es256, "JWT", &foreign).await.unwrap(), true)
                .await
        ));
        foreign.as_object_mut().unwrap().remove("iss");
        assert!(refused(
            app.verify_jwt(&app.sign_jwt(SigningAlg::Rs256, "JWT", &foreign).await.unwrap(), true)
                .await
        ));

        // Expired (`exp` is the first second it is no longer valid), or without `exp`: refused when
        // `exp` counts, accepted when it does not (an id_token_hint at logout).
        let expired = app
            .sign_jwt(SigningAlg::Es256, "JWT", &id_token_claims(&app, START))
            .await
            .unwrap();
        assert!(refused(app.verify_jwt(&expired, true).await));
        assert!(app.verify_jwt(&expired, false).await.is_ok());
        let almost = app
            .sign_jwt(SigningAlg::Es256, "JWT", &id_token_claims(&app, START.plus_secs(1)))
            .await
            .unwrap();
        assert!(app.verify_jwt(&almost, true).await.is_ok());
        let mut endless = claims.clone();
        endless.as_object_mut().unwrap().remove("exp");
        let endless = app.sign_jwt(SigningAlg::Es256, "JWT", &endless).await.unwrap();
        assert!(refused(app.verify_jwt(&endless, true).await));

        // Claims that are not an object are not signed.
        assert!(app.sign_jwt(SigningAlg::Es256, "JWT", &json!(["a"])).await.is_err());
    }

    #[tokio::test]
    async fn new_keys_are_published_before_they_sign() {
        let (app, clock, _db) = app().await;
        let claims = id_token_claims(&app, START.plus_secs(3600));
        let before = kid_of(&app.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap());
        let (new, switch) = app.rotate_signing_keys(ROTATION_LEAD).await.unwrap();
        assert_eq!(switch, START.plus_secs(ROTATION_LEAD));
        let published = jwks_kids(&app.jwks().await.unwrap());
        assert!(new.iter().all(|k| published.contains(k)), "published at once");
        assert_eq!(
            kid_of(&app.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap()),
            before,
            "the old key signs on until the switch"
        );
        clock.advance(ROTATION_LEAD - 1);
        assert_eq!(
            kid_of(&app.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap()),
            before
        );
        clock.advance(1);
        let after = app.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap();
        assert!(new.contains(&kid_of(&after)), "the new key signs from the switch");
        assert!(app.verify_jwt(&after, true).await.is_ok());
        clock.advance(RETIRED_KEYS_PUBLISHED_FOR);
        assert!(!jwks_kids(&app.jwks().await.unwrap()).contains(&before));
    }

    #[tokio::test]
    async fn after_a_rotation_old_tokens_verify_until_their_key_leaves_the_jwks() {
        let (app, clock, _db) = app().await;
        let before: Vec<String> = jwks_kids(&app.jwks().await.unwrap());
        let old_es = app
            .sign_jwt(SigningAlg::Es256, "JWT", &id_token_claims(&app, START.plus_secs(3600)))
            .await
            .unwrap();
        let old_rs = app
            .sign_jwt(SigningAlg::Rs256, "JWT", &id_token_claims(&app, START.plus_secs(3600)))
            .await
            .unwrap();

        clock.advance(10);
        let new = app.rotate_signing_keys(0).await.unwrap().0;
        assert_eq!(new.len(), 2);
        assert!(new.iter().all(|kid| !before.contains(kid)));
        let mut all = [before.clone(), new.clone()].concat();
        all.sort();
        assert_eq!(jwks_kids(&app.jwks().await.unwrap()), all);
        assert!(app.verify_jwt(&old_es, true).await.is_ok());
        assert!(app.verify_jwt(&old_rs, true).await.is_ok());
        // This node signs with the new keys at once.
        let fresh = app
            .sign_jwt(SigningAlg::Es256, "JWT", &id_token_claims(&app, START.plus_secs(3600)))
            .await
            .unwrap();
        assert!(new.contains(&kid_of(&fresh)));

        let events = app.store.read().await.unwrap().recent_audit(1).await.unwrap();
        assert_eq!(events[0].kind, "signing_keys_rotated");
        let mut old = events[0].detail["old"].as_array().unwrap().clone();
        old.sort_by_key(|v| v.to_string());
        assert_eq!(old, before.iter().map(|k| json!(k)).collect::<Vec<_>>());
        assert_eq!(events[0].detail["new"], json!(new));

        clock.advance(RETIRED_KEYS_PUBLISHED_FOR - 1);
        assert_eq!(jwks_kids(&app.jwks().await.unwrap()).len(), 4);
        assert!(app.verify_jwt(&old_es, false).await.is_ok());
        clock.advance(1);
        let mut now_published = new.clone();
        now_published.sort();
        assert_eq!(jwks_kids(&app.jwks().await.unwrap()), now_published);
        assert!(refused(app.verify_jwt(&old_es, false).await));
        assert!(refused(app.verify_jwt(&old_rs, false).await));
        assert!(app.verify_jwt(&fresh, false).await.is_ok());
    }

    #[tokio::test]
    async fn keys_rotate_on_a_fresh_database_and_are_created_only_once() {
        let db = TestDatabase::sqlite();
        let clock = Arc::new(ManualClock::new(START));
        let app = node(&db, &MasterKey::generate().unwrap().encode(), clock).await;
        assert!(
            app.sign_jwt(SigningAlg::Es256, "JWT", &json!({})).await.is_err(),
            "no keys yet"
        );
        let kids = app.rotate_signing_keys(0).await.unwrap().0;
        let mut sorted = kids.clone();
        sorted.sort();
        assert_eq!(jwks_kids(&app.jwks().await.unwrap()), sorted);
        app.ensure_signing_keys().await.unwrap();
        app.ensure_signing_keys().await.unwrap();
        assert_eq!(jwks_kids(&app.jwks().await.unwrap()), sorted, "nothing new");
        let events = app.store.read().await.unwrap().recent_audit(10).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["signing_keys_rotated"]);
        assert_eq!(events[0].detail["old"], json!([]));
    }

    #[tokio::test]
    async fn the_private_keys_are_stored_sealed() {
        let (app, _clock, _db) = app().await;
        let keys = app.store.read().await.unwrap().active_signing_keys().await.unwrap();
        assert_eq!(keys.len(), 2);
        for key in keys {
            let pkcs8 = app.secrets.open(&key.private_key, &super::aad(&key.kid)).unwrap();
            // It is the PKCS#8 of the published key.
            match key.alg {
                SigningAlg::Es256 => {
                    use aws_lc_rs::signature::KeyPair;
                    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
                        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &pkcs8,
                    )
                    .unwrap();
                    let jwk: Value = serde_json::from_str(&key.public_jwk).unwrap();
                    let x = BASE64URL_NOPAD.decode(jwk["x"].as_str().unwrap().as_bytes()).unwrap();
                    assert_eq!(&pair.public_key().as_ref()[1..33], x.as_slice());
                }
                SigningAlg::Rs256 => {
                    aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&pkcs8).unwrap();
                }
            }
            // Neither the bytes nor their usual encodings appear in the column.
            let body = key.private_key.rsplit('.').next().unwrap();
            let blob = BASE64URL_NOPAD.decode(body.as_bytes()).unwrap();
            assert!(!blob.windows(32).any(|w| pkcs8.windows(32).any(|p| p == w)));
            for encoded in [
                BASE64URL_NOPAD.encode(&pkcs8),
                data_encoding::BASE64.encode(&pkcs8),
                hex::encode(&*pkcs8),
            ] {
                assert!(!key.private_key.contains(&encoded[..40]));
            }
            // Bound to its row: it does not open as another kid's key.
            assert!(app.secrets.open(&key.private_key, "oidc-signing-key:other").is_err());
        }
        // Nothing in the cache prints key material.
        let token = app
            .sign_jwt(SigningAlg::Rs256, "JWT", &json!({ "iss": app.issuer() }))
            .await
            .unwrap();
        let printed = format!("{:?}", app.signing_keys);
        assert!(printed.contains(&kid_of(&token)));
        assert!(!printed.to_lowercase().contains("private") && !printed.contains("RsaKeyPair"));
    }

    async fn two_nodes(kind: Kind) {
        let Some(db) = TestDatabase::of_kind(kind, "signing::two_nodes").await else {
            return;
        };
        let master_key = MasterKey::generate().unwrap().encode();
        let clock = Arc::new(ManualClock::new(START));
        let a = node(&db, &master_key, clock.clone()).await;
        let b = node(&db, &master_key, clock.clone()).await;
        a.ensure_signing_keys().await.unwrap();
        b.ensure_signing_keys().await.unwrap();
        let first = jwks_kids(&a.jwks().await.unwrap());
        assert_eq!(first.len(), 2);
        assert_eq!(jwks_kids(&b.jwks().await.unwrap()), first, "the second node made none");

        let claims = |exp: UnixTime| json!({ "iss": a.issuer(), "sub": "u", "exp": exp.0 });
        let from_a = a
            .sign_jwt(SigningAlg::Rs256, "JWT", &claims(START.plus_secs(600)))
            .await
            .unwrap();
        assert!(b.verify_jwt(&from_a, true).await.is_ok());

        // B rotates; A has the old keys cached and learns the new kid from the first token naming it.
        let new = b.rotate_signing_keys(0).await.unwrap().0;
        let from_b = b
            .sign_jwt(SigningAlg::Es256, "JWT", &claims(START.plus_secs(600)))
            .await
            .unwrap();
        assert!(new.contains(&kid_of(&from_b)));
        assert!(a.verify_jwt(&from_b, true).await.is_ok());
        assert!(
            b.verify_jwt(&from_a, true).await.is_ok(),
            "the retired key still verifies"
        );
        assert_eq!(jwks_kids(&a.jwks().await.unwrap()).len(), 4);
        // Within its cache age A may still sign with its old key (that is why it stays published);
        // after it, A signs with the new ones.
        clock.advance(super::CACHE_MAX_AGE);
        let later = a
            .sign_jwt(SigningAlg::Rs256, "JWT", &claims(START.plus_secs(600)))
            .await
            .unwrap();
        assert!(new.contains(&kid_of(&later)));
        assert!(b.verify_jwt(&later, true).await.is_ok());
    }

    #[tokio::test]
    async fn two_nodes_sqlite() {
        two_nodes(Kind::Sqlite).await;
    }

    #[tokio::test]
    async fn two_nodes_postgres() {
        two_nodes(Kind::Postgres).await;
    }

    #[tokio::test]
    async fn unknown_kids_reload_the_keys_at_most_once_a_second() {
        let db = TestDatabase::sqlite();
        let master_key = MasterKey::generate().unwrap().encode();
        let clock = Arc::new(ManualClock::new(START));
        let a = node(&db, &master_key, clock.clone()).await;
        let b = node(&db, &master_key, clock.clone()).await;
        a.ensure_signing_keys().await.unwrap();
        let claims = json!({ "iss": a.issuer(), "exp": START.plus_secs(600).0 });
        let token = a.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap();
        // The slow part (key generation) first, so that what follows takes well under a second.
        let new_key = super::generate(SigningAlg::Es256, "new-es".into()).unwrap();
        // A junk kid spends this second's reload...
        let parts: Vec<&str> = token.split('.').collect();
        let junk = BASE64URL_NOPAD.encode(json!({ "alg": "ES256", "kid": "junk" }).to_string().as_bytes());
        assert!(refused(
            a.verify_jwt(&format!("{junk}.{}.{}", parts[1], parts[2]), true).await
        ));
        // ...so a genuinely new kid (B's, from a rotation by hand) is not looked up in it either...
        let mut tx = b.store.begin().await.unwrap();
        tx.retire_signing_keys(START, START.plus_secs(RETIRED_KEYS_PUBLISHED_FOR))
            .await
            .unwrap();
        assert!(
            tx.insert_signing_key(&b.seal_new_key(&new_key, START, START).unwrap())
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let from_b = b.sign_jwt(SigningAlg::Es256, "JWT", &claims).await.unwrap();
        assert_eq!(kid_of(&from_b), "new-es");
        assert!(refused(a.verify_jwt(&from_b, true).await));
        // ...but A's cache is read again once it is CACHE_MAX_AGE old.
        clock.advance(super::CACHE_MAX_AGE);
        assert!(a.verify_jwt(&from_b, true).await.is_ok());
    }
}
