//! OpenID Connect token-signing keys. At most one key per algorithm signs (its `retired_at` is
//! empty): the partial unique index `oidc_signing_keys_one_active` enforces it, so two nodes creating
//! the first keys at once cannot both succeed. A retired key stays published in the JWKS until
//! `published_until`, so the tokens it signed keep verifying for as long as they can live.
//!
//! The private key is stored sealed (the app seals it under the master key before it gets here); this
//! module never sees key material in clear.

use portcullis_core::UnixTime;
use portcullis_core::oidc::SigningAlg;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::corrupt;
use crate::{Result, Tx};

/// A signing key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: SigningAlg,
    /// The PKCS#8 private key, sealed under the master key.
    pub private_key: String,
    /// The public key as a JWK (JSON text), as published.
    pub public_jwk: String,
    pub created_at: UnixTime,
    /// From then on the key signs (published before: see the migration).
    pub signs_from: UnixTime,
    /// From then on the key no longer signs.
    pub retired_at: Option<UnixTime>,
    /// From then on the key leaves the JWKS (and tokens it signed no longer verify).
    pub published_until: Option<UnixTime>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_key", &"<sealed>")
            .field("created_at", &self.created_at)
            .field("signs_from", &self.signs_from)
            .field("retired_at", &self.retired_at)
            .field("published_until", &self.published_until)
            .finish()
    }
}

fn from_row(row: &AnyRow) -> Result<SigningKeyRecord> {
    let alg: String = row.try_get("alg")?;
    Ok(SigningKeyRecord {
        kid: row.try_get("kid")?,
        alg: SigningAlg::parse(&alg).map_err(|_| corrupt(format!("signing key alg {alg:?}")))?,
        private_key: row.try_get("private_key")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: UnixTime(row.try_get("created_at")?),
        signs_from: UnixTime(row.try_get("signs_from")?),
        retired_at: row.try_get::<Option<i64>, _>("retired_at")?.map(UnixTime),
        published_until: row.try_get::<Option<i64>, _>("published_until")?.map(UnixTime),
    })
}

impl Tx {
    /// Stores a key. `false` (and nothing written, the transaction still usable) when the database
    /// refuses it: an active key of its algorithm exists already (another node was first), or the kid
    /// is taken.
    pub async fn insert_signing_key(&mut self, key: &SigningKeyRecord) -> Result<bool> {
        // `ON CONFLICT DO NOTHING` rather than catching the unique violation: on PostgreSQL a failed
        // statement aborts the whole transaction, and the caller wants to read on in it.
        let done = sqlx::query(
            "INSERT INTO oidc_signing_keys (kid, alg, private_key, public_jwk, created_at, signs_from, retired_at, \
             published_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(key.kid.clone())
        .bind(key.alg.as_str())
        .bind(key.private_key.clone())
        .bind(key.public_jwk.clone())
        .bind(key.created_at.0)
        .bind(key.signs_from.0)
        .bind(key.retired_at.map(|t| t.0))
        .bind(key.published_until.map(|t| t.0))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The keys that sign: at most one per algorithm.
    pub async fn active_signing_keys(&mut self) -> Result<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_key, public_jwk, created_at, signs_from, retired_at, published_until \
             FROM oidc_signing_keys WHERE retired_at IS NULL ORDER BY alg, kid",
        )
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The keys in the JWKS at `now`: the active ones and the retired ones still published, newest
    /// first.
    pub async fn published_signing_keys(&mut self, now: UnixTime) -> Result<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_key, public_jwk, created_at, signs_from, retired_at, published_until \
             FROM oidc_signing_keys WHERE retired_at IS NULL OR published_until > $1 \
             ORDER BY created_at DESC, kid",
        )
        .bind(now.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Retires every active key at `at` (now, or when the next key starts signing); they stay
    /// published until `published_until`. Returns how many were retired.
    pub async fn retire_signing_keys(&mut self, at: UnixTime, published_until: UnixTime) -> Result<u64> {
        let done =
            sqlx::query("UPDATE oidc_signing_keys SET retired_at = $1, published_until = $2 WHERE retired_at IS NULL")
                .bind(at.0)
                .bind(published_until.0)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected())
    }
}
