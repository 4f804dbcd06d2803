//! Secrets at rest (TOTP secrets now, signing keys later) are sealed with XChaCha20-Poly1305 under a
//! 256-bit master key. A sealed value is `v1.<key id>.<base64url(nonce ‖ ciphertext)>`: the key id lets
//! a later key rotation open old values, and the associated data binds each value to its place (a TOTP
//! secret sealed for one user cannot be moved to another user's row).
//!
//! The master key comes from the `master_key` setting (`PORTCULLIS_MASTER_KEY`, base64) or from the file
//! `master.key` in the data directory, created (mode 0600) when a fresh database is set up. A
//! `key_checks` row sealed at that moment proves at every start that the key is the right one: a
//! missing or wrong key stops start-up with a clear message and never silently makes a new one.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::{BASE64, BASE64URL_NOPAD};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a sealed value is malformed")]
    Malformed,
    #[error("a sealed value was sealed with key {0}, which is not configured")]
    UnknownKey(String),
    #[error("a sealed value does not open with its key (wrong key or tampered value)")]
    Tampered,
    #[error("the OS random generator failed")]
    Random,
}

const KEY_CHECK_PLAINTEXT: &[u8] = b"portcullis master key check";
const KEY_CHECK_AAD: &str = "key-check";

/// A 256-bit master key with its public id.
pub struct MasterKey {
    key: Zeroizing<[u8; 32]>,
    id: String,
}

impl MasterKey {
    pub fn generate() -> Result<MasterKey, SecretsError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| SecretsError::Random)?;
        Ok(MasterKey::from_bytes(key))
    }

    /// Parses the base64 form used in the setting and the key file.
    pub fn parse(text: &str) -> Result<MasterKey, SecretsError> {
        let bytes = Zeroizing::new(
            BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| SecretsError::BadKey)?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| SecretsError::BadKey)?;
        Ok(MasterKey::from_bytes(Zeroizing::new(key)))
    }

    fn from_bytes(key: Zeroizing<[u8; 32]>) -> MasterKey {
        let digest = Sha256::new()
            .chain_update(b"portcullis key id\0")
            .chain_update(key.as_ref())
            .finalize();
        MasterKey {
            id: hex::encode(&digest[..6]),
            key,
        }
    }

    /// The base64 form (for the key file).
    pub fn encode(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.key.as_ref()))
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({}, <redacted>)", self.id)
    }
}

/// Seals and opens values under the master key.
pub struct SecretBox {
    key: MasterKey,
}

impl SecretBox {
    pub fn new(key: MasterKey) -> SecretBox {
        SecretBox { key }
    }

    pub fn key_id(&self) -> &str {
        self.key.id()
    }

    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<String, SecretsError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|_| SecretsError::Random)?;
        let cipher = XChaCha20Poly1305::new(self.key.key.as_ref().into());
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretsError::Tampered)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!("v1.{}.{}", self.key.id, BASE64URL_NOPAD.encode(&blob)))
    }

    pub fn open(&self, sealed: &str, aad: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecretsError::Malformed);
        };
        if key_id != self.key.id {
            return Err(SecretsError::UnknownKey(key_id.to_owned()));
        }
        let blob = BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| SecretsError::Malformed)?;
        if blob.len() < 24 + 16 {
            return Err(SecretsError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SecretsError::Malformed)?;
        let cipher = XChaCha20Poly1305::new(self.key.key.as_ref().into());
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SecretsError::Tampered)
    }

    /// The value stored once per key to recognise it at the next start.
    pub fn key_check(&self) -> Result<String, SecretsError> {
        self.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD)
    }

    pub fn verify_key_check(&self, sealed: &str) -> bool {
        self.open(sealed, KEY_CHECK_AAD)
            .is_ok_and(|plain| plain.as_slice() == KEY_CHECK_PLAINTEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_with_associated_data() {
        let secrets = SecretBox::new(MasterKey::generate().unwrap());
        let sealed = secrets.seal(b"JBSWY3DPEHPK3PXP", "totp:user-1").unwrap();
        assert!(sealed.starts_with(&format!("v1.{}.", secrets.key_id())));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            secrets.open(&sealed, "totp:user-1").unwrap().as_slice(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(
            matches!(secrets.open(&sealed, "totp:user-2"), Err(SecretsError::Tampered)),
            "bound to its row"
        );
        // Two seals of one value differ (random nonces).
        assert_ne!(sealed, secrets.seal(b"JBSWY3DPEHPK3PXP", "totp:user-1").unwrap());
    }

    #[test]
    fn a_wrong_key_or_a_changed_value_does_not_open() {
        let one = SecretBox::new(MasterKey::generate().unwrap());
        let other = SecretBox::new(MasterKey::generate().unwrap());
        let check = one.key_check().unwrap();
        assert!(one.verify_key_check(&check));
        assert!(!other.verify_key_check(&check));
        let mut tampered = one.seal(b"secret", "a").unwrap();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(one.open(&tampered, "a").is_err());
        assert!(matches!(one.open("v2.x.y", "a"), Err(SecretsError::Malformed)));
    }

    #[test]
    fn keys_round_trip_through_base64_and_hide_in_debug() {
        let key = MasterKey::generate().unwrap();
        let again = MasterKey::parse(&key.encode()).unwrap();
        assert_eq!(key.id(), again.id());
        assert!(!format!("{key:?}").contains(key.encode().as_str()));
        assert!(matches!(MasterKey::parse("c2hvcnQ="), Err(SecretsError::BadKey)));
        assert!(matches!(MasterKey::parse("not base64!"), Err(SecretsError::BadKey)));
    }
}
