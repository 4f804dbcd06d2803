//! Password hashing with argon2id, off the async runtime and bounded.
//!
//! Each hash needs `m` KiB of working memory (19 MiB by default). Hashes run on the blocking pool,
//! at most `max_concurrent` at a time (a semaphore), and each reuses a memory buffer from a small pool
//! instead of allocating 19 MiB afresh: glibc keeps freed blocks of that size around, so fresh
//! allocations under load make the process grow far beyond what is in use. The buffers are the
//! `Block` arrays argon2 itself asks for (`hash_password_into_with_memory`); PHC strings are built and
//! parsed with the `phc` types re-exported by argon2, so stored hashes are the standard format.

use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2 failed: {0}")]
    Argon2(String),
    #[error("the stored password hash is not a valid argon2id PHC string")]
    BadStoredHash,
    #[error("the hashing task did not finish")]
    Join,
}

const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

pub struct Passwords {
    params: Params,
    permits: Semaphore,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Passwords {
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32, max_concurrent: usize) -> Result<Self, HashError> {
        let params = Params::new(memory_kib, iterations, parallelism, Some(OUTPUT_LEN))
            .map_err(|e| HashError::Argon2(e.to_string()))?;
        Ok(Passwords {
            params,
            permits: Semaphore::new(max_concurrent.max(1)),
            buffers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// A new PHC string for `password` with a fresh random salt.
    pub async fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|e| HashError::Argon2(e.to_string()))?;
        let params = self.params.clone();
        let output = self.run(password, params.clone(), salt.to_vec()).await?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| HashError::Argon2(e.to_string()))?,
            salt: Some(Salt::new(&salt).map_err(|e| HashError::Argon2(e.to_string()))?),
            hash: Some(Output::new(&output).map_err(|e| HashError::Argon2(e.to_string()))?),
        };
        Ok(phc.to_string())
    }

    /// Checks `password` against a stored PHC string. With `None` (an unknown user, or one without a
    /// password) the same work is done against a dummy, and the answer is false: the response time
    /// does not tell whether an account exists.
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Result<bool, HashError> {
        let Some(stored) = stored else {
            self.run(password, self.params.clone(), vec![0u8; SALT_LEN]).await?;
            return Ok(false);
        };
        let phc = PasswordHash::new(stored).map_err(|_| HashError::BadStoredHash)?;
        if phc.algorithm != ARGON2ID_IDENT {
            return Err(HashError::BadStoredHash);
        }
        let params = Params::try_from(&phc).map_err(|_| HashError::BadStoredHash)?;
        let salt = phc.salt.ok_or(HashError::BadStoredHash)?;
        let expected = phc.hash.ok_or(HashError::BadStoredHash)?;
        let params = Params::new(params.m_cost(), params.t_cost(), params.p_cost(), Some(expected.len()))
            .map_err(|_| HashError::BadStoredHash)?;
        let actual = self.run(password, params, salt.as_ref().to_vec()).await?;
        Ok(bool::from(actual.as_slice().ct_eq(expected.as_bytes())))
    }

    /// Whether a stored hash uses other parameters than the configured ones (to rehash at login).
    pub fn needs_rehash(&self, stored: &str) -> bool {
        PasswordHash::new(stored)
            .ok()
            .and_then(|phc| Params::try_from(&phc).ok())
            .is_none_or(|p| {
                (p.m_cost(), p.t_cost(), p.p_cost())
                    != (self.params.m_cost(), self.params.t_cost(), self.params.p_cost())
            })
    }

    async fn run(&self, password: &SecretString, params: Params, salt: Vec<u8>) -> Result<Vec<u8>, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Join)?;
        let buffers = Arc::clone(&self.buffers);
        let password = SecretString::from(password.expose_secret().to_owned());
        tokio::task::spawn_blocking(move || {
            let mut blocks = buffers
                .lock()
                .map(|mut pool| pool.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            blocks.resize(params.block_count(), Block::default());
            let mut out = vec![0u8; params.output_len().unwrap_or(OUTPUT_LEN)];
            let result = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                &salt,
                &mut out,
                &mut blocks,
            );
            if let Ok(mut pool) = buffers.lock() {
                pool.push(blocks);
            }
            result.map(|()| out).map_err(|e| HashError::Argon2(e.to_string()))
        })
        .await
        .map_err(|_| HashError::Join)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    fn small() -> Passwords {
        Passwords::new(8 * 1024, 1, 1, 2).unwrap()
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let passwords = small();
        let phc = passwords.hash(&secret("harbour crane tulip")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"), "{phc}");
        assert!(
            passwords
                .verify(&secret("harbour crane tulip"), Some(&phc))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify(&secret("harbour crane tulip!"), Some(&phc))
                .await
                .unwrap()
        );
        assert!(!passwords.verify(&secret("anything"), None).await.unwrap());
        assert!(!passwords.needs_rehash(&phc));
        assert!(Passwords::new(9 * 1024, 1, 1, 1).unwrap().needs_rehash(&phc));
    }

    #[tokio::test]
    async fn verifies_hashes_made_by_the_argon2_crate_itself() {
        use argon2::password_hash::PasswordHasher;
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 2, 1, None).unwrap(),
        )
        .hash_password_with_salt(b"correct horse battery", b"0123456789abcdef")
        .unwrap()
        .to_string();
        let passwords = small();
        assert!(
            passwords
                .verify(&secret("correct horse battery"), Some(&reference))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify(&secret("wrong horse battery"), Some(&reference))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn refuses_other_algorithms_and_garbage() {
        let passwords = small();
        assert!(
            passwords
                .verify(&secret("x"), Some("$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA"))
                .await
                .is_err()
        );
        assert!(passwords.verify(&secret("x"), Some("plain")).await.is_err());
    }
}
