//! Verifying an OpenID Connect Back-Channel Logout 1.0 logout token (§2.4 and §2.6 of the spec).
//!
//! `openidconnect` has no logout-token type, so the JWT is checked with `jsonwebtoken`:
//! - the signature, with a key of the provider's JWKS (by `kid`, or the only fitting key without one),
//!   ES256 or RS256 only (never `none` or HMAC);
//! - `iss` is the discovered issuer, `aud` contains our client id, `exp` has not passed (60 s leeway),
//!   `iat` is present;
//! - `events` has the member `http://schemas.openid.net/event/backchannel-logout`;
//! - `sid` or `sub` is present, and there is no `nonce` (so an ID token can never pass as a logout token).
//!
//! `jti` replay is not tracked: dropping sessions twice is harmless here.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;

pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Which local sessions a verified logout token ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogoutTarget {
    pub sid: Option<String>,
    pub sub: Option<String>,
}

impl LogoutTarget {
    /// A session ends when its ID token's `sid` equals the token's `sid`; when either side has no `sid`,
    /// when its `sub` equals the token's `sub` (then every session of that user ends).
    pub fn matches(&self, sub: &str, sid: Option<&str>) -> bool {
        match (self.sid.as_deref(), sid) {
            (Some(wanted), Some(have)) => wanted == have,
            _ => self.sub.as_deref() == Some(sub),
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogoutTokenError {
    #[error("the logout token is not a signed JWT")]
    Malformed,
    #[error("the logout token's algorithm is not accepted (ES256 or RS256 only)")]
    Algorithm,
    #[error("no key in the provider's JWKS fits the logout token")]
    UnknownKey,
    #[error("the logout token's signature is invalid")]
    Signature,
    #[error("the logout token has expired")]
    Expired,
    #[error("the logout token's issuer is not the provider")]
    Issuer,
    #[error("the logout token is not addressed to this client")]
    Audience,
    #[error("the logout token lacks the claim {0}")]
    MissingClaim(String),
    #[error("the logout token's claims are unreadable")]
    Claims,
    #[error("the logout token has no back-channel logout event")]
    NoEvent,
    #[error("the logout token names neither sid nor sub")]
    NoSubject,
    #[error("a logout token must not contain a nonce")]
    Nonce,
}

#[derive(Deserialize)]
struct LogoutClaims {
    // `iss`, `aud` and `exp` are checked by `jsonwebtoken`'s `Validation`.
    #[allow(dead_code)] // required to be present; its value is not used
    iat: i64,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    events: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    nonce: Option<serde_json::Value>,
}

/// Verifies `token` against the provider's `jwks`; on success says which sessions to end.
pub fn verify(token: &str, jwks: &JwkSet, issuer: &str, client_id: &str) -> Result<LogoutTarget, LogoutTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| LogoutTokenError::Malformed)?;
    if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256) {
        return Err(LogoutTokenError::Algorithm);
    }
    let jwk = select_key(jwks, header.kid.as_deref(), header.alg).ok_or(LogoutTokenError::UnknownKey)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| LogoutTokenError::UnknownKey)?;

    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    let claims = jsonwebtoken::decode::<LogoutClaims>(token, &key, &validation)
        .map_err(|e| match e.into_kind() {
            ErrorKind::InvalidSignature => LogoutTokenError::Signature,
            ErrorKind::ExpiredSignature => LogoutTokenError::Expired,
            ErrorKind::InvalidIssuer => LogoutTokenError::Issuer,
            ErrorKind::InvalidAudience => LogoutTokenError::Audience,
            ErrorKind::MissingRequiredClaim(claim) => LogoutTokenError::MissingClaim(claim),
            ErrorKind::InvalidAlgorithm => LogoutTokenError::Algorithm,
            ErrorKind::Json(_) => LogoutTokenError::Claims,
            _ => LogoutTokenError::Malformed,
        })?
        .claims;

    if !claims.events.contains_key(BACKCHANNEL_LOGOUT_EVENT) {
        return Err(LogoutTokenError::NoEvent);
    }
    if claims.nonce.is_some() {
        return Err(LogoutTokenError::Nonce);
    }
    if claims.sid.is_none() && claims.sub.is_none() {
        return Err(LogoutTokenError::NoSubject);
    }
    Ok(LogoutTarget {
        sid: claims.sid,
        sub: claims.sub,
    })
}

/// The key for `alg`: the one named by `kid`, or without a `kid` the only key that fits. A key that
/// declares another algorithm, or a use other than signing, never fits.
fn select_key<'a>(jwks: &'a JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<&'a Jwk> {
    let fits = |jwk: &Jwk| {
        let family_fits = matches!(
            (&jwk.algorithm, alg),
            (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256) | (AlgorithmParameters::RSA(_), Algorithm::RS256)
        );
        let alg_fits = match jwk.common.key_algorithm {
            None => true,
            Some(KeyAlgorithm::ES256) => alg == Algorithm::ES256,
            Some(KeyAlgorithm::RS256) => alg == Algorithm::RS256,
            Some(_) => false,
        };
        let use_fits = matches!(jwk.common.public_key_use, None | Some(PublicKeyUse::Signature));
        family_fits && alg_fits && use_fits
    };
    match kid {
        Some(kid) => jwks.find(kid).filter(|jwk| fits(jwk)),
        None => {
            let mut candidates = jwks.keys.iter().filter(|jwk| fits(jwk));
            match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};

    const ISSUER: &str = "http://127.0.0.1:8080";
    const CLIENT: &str = "demo-client";

    /// A P-256 key made for the test: its encoding key and its public JWK.
    struct TestKey {
        encoding: EncodingKey,
        jwk: Value,
    }

    fn test_key(kid: &str) -> TestKey {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref(); // 0x04 || x || y
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        });
        TestKey {
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        }
    }

    fn jwks(keys: &[&TestKey]) -> JwkSet {
        serde_json::from_value(json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })).unwrap()
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn good_claims() -> Value {
        json!({
            "iss": ISSUER, "aud": CLIENT, "iat": now(), "exp": now() + 120, "jti": "j-1",
            "sub": "u-1", "sid": "s-1", "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
        })
    }

    fn sign(key: &TestKey, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        header.typ = Some("logout+jwt".into());
        jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
    }

    fn with(mut claims: Value, field: &str, value: Value) -> Value {
        claims[field] = value;
        claims
    }

    fn without(mut claims: Value, field: &str) -> Value {
        claims.as_object_mut().unwrap().remove(field);
        claims
    }

    #[test]
    fn a_good_token_names_its_session_and_user() {
        let key = test_key("k1");
        let token = sign(&key, Some("k1"), &good_claims());
        let target = verify(&token, &jwks(&[&key]), ISSUER, CLIENT).unwrap();
        assert_eq!(
            target,
            LogoutTarget {
                sid: Some("s-1".into()),
                sub: Some("u-1".into())
            }
        );
    }

    #[test]
    fn sid_or_sub_alone_is_enough_but_one_is_required() {
        let key = test_key("k1");
        let keys = jwks(&[&key]);
        let only_sub = sign(&key, Some("k1"), &without(good_claims(), "sid"));
        assert_eq!(verify(&only_sub, &keys, ISSUER, CLIENT).unwrap().sid, None);
        let only_sid = sign(&key, Some("k1"), &without(good_claims(), "sub"));
        assert_eq!(verify(&only_sid, &keys, ISSUER, CLIENT).unwrap().sub, None);
        let neither = sign(&key, Some("k1"), &without(without(good_claims(), "sub"), "sid"));
        assert_eq!(
            verify(&neither, &keys, ISSUER, CLIENT),
            Err(LogoutTokenError::NoSubject)
        );
    }

    #[test]
    fn audience_array_with_our_client_is_accepted() {
        let key = test_key("k1");
        let token = sign(&key, Some("k1"), &with(good_claims(), "aud", json!(["other", CLIENT])));
        assert!(verify(&token, &jwks(&[&key]), ISSUER, CLIENT).is_ok());
    }

    #[test]
    fn wrong_issuer_audience_or_expired_is_refused() {
        let key = test_key("k1");
        let keys = jwks(&[&key]);
        let check = |claims: Value| verify(&sign(&key, Some("k1"), &claims), &keys, ISSUER, CLIENT);
        assert_eq!(
            check(with(good_claims(), "iss", json!("http://evil.example"))),
            Err(LogoutTokenError::Issuer)
        );
        assert_eq!(
            check(with(good_claims(), "aud", json!("another-client"))),
            Err(LogoutTokenError::Audience)
        );
        assert_eq!(
            check(with(good_claims(), "exp", json!(now() - 3600))),
            Err(LogoutTokenError::Expired)
        );
        assert_eq!(
            check(without(good_claims(), "exp")),
            Err(LogoutTokenError::MissingClaim("exp".into()))
        );
        assert_eq!(check(without(good_claims(), "iat")), Err(LogoutTokenError::Claims));
    }

    #[test]
    fn the_event_is_required_and_a_nonce_is_forbidden() {
        let key = test_key("k1");
        let keys = jwks(&[&key]);
        let check = |claims: Value| verify(&sign(&key, Some("k1"), &claims), &keys, ISSUER, CLIENT);
        assert_eq!(check(without(good_claims(), "events")), Err(LogoutTokenError::NoEvent));
        assert_eq!(
            check(with(
                good_claims(),
                "events",
                json!({"http://schemas.openid.net/event/other": {}})
            )),
            Err(LogoutTokenError::NoEvent)
        );
        assert_eq!(
            check(with(good_claims(), "nonce", json!("n"))),
            Err(LogoutTokenError::Nonce)
        );
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let published = test_key("k1");
        let attacker = test_key("k1");
        let token = sign(&attacker, Some("k1"), &good_claims());
        assert_eq!(
            verify(&token, &jwks(&[&published]), ISSUER, CLIENT),
            Err(LogoutTokenError::Signature)
        );
    }

    #[test]
    fn keys_are_chosen_by_kid_or_as_the_only_one() {
        let (k1, k2) = (test_key("k1"), test_key("k2"));
        let both = jwks(&[&k1, &k2]);
        assert!(verify(&sign(&k2, Some("k2"), &good_claims()), &both, ISSUER, CLIENT).is_ok());
        assert_eq!(
            verify(&sign(&k2, Some("k3"), &good_claims()), &both, ISSUER, CLIENT),
            Err(LogoutTokenError::UnknownKey)
        );
        // Without a kid, ambiguous among two keys, fine with one.
        assert_eq!(
            verify(&sign(&k2, None, &good_claims()), &both, ISSUER, CLIENT),
            Err(LogoutTokenError::UnknownKey)
        );
        assert!(verify(&sign(&k2, None, &good_claims()), &jwks(&[&k2]), ISSUER, CLIENT).is_ok());
    }

    #[test]
    fn hmac_none_and_garbage_are_refused() {
        let key = test_key("k1");
        let keys = jwks(&[&key]);
        // HS256 keyed with something the attacker knows, e.g. the client secret or the public key.
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &good_claims(),
            &EncodingKey::from_secret(b"s").unwrap(),
        )
        .unwrap();
        assert_eq!(verify(&hs, &keys, ISSUER, CLIENT), Err(LogoutTokenError::Algorithm));
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1"}"#);
        let body = URL_SAFE_NO_PAD.encode(good_claims().to_string());
        assert_eq!(
            verify(&format!("{none_header}.{body}."), &keys, ISSUER, CLIENT),
            Err(LogoutTokenError::Malformed)
        );
        assert_eq!(
            verify("not a jwt", &keys, ISSUER, CLIENT),
            Err(LogoutTokenError::Malformed)
        );
    }

    #[test]
    fn sessions_match_by_sid_else_by_sub() {
        let by_sid = LogoutTarget {
            sid: Some("s-1".into()),
            sub: Some("u-1".into()),
        };
        assert!(by_sid.matches("u-1", Some("s-1")));
        assert!(
            !by_sid.matches("u-1", Some("s-2")),
            "another session of the same user stays"
        );
        assert!(by_sid.matches("u-1", None), "a session without sid falls back to sub");
        let by_sub = LogoutTarget {
            sid: None,
            sub: Some("u-1".into()),
        };
        assert!(by_sub.matches("u-1", Some("s-1")) && by_sub.matches("u-1", Some("s-2")));
        assert!(!by_sub.matches("u-2", Some("s-1")));
        let sid_only = LogoutTarget {
            sid: Some("s-1".into()),
            sub: None,
        };
        assert!(!sid_only.matches("u-1", None));
    }
}
