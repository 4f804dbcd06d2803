//! Authenticator apps (TOTP): enrollments being set up, verified credentials, and the master-key
//! checks. Secrets are stored sealed (see the server's `app::secrets`); this layer never sees them
//! in the clear.

use portcullis_core::totp::Phone;
use portcullis_core::{CredentialId, EnrollmentId, UnixTime, UserId};
use sqlx::Row;

use crate::error::corrupt;
use crate::records::user_id;
use crate::{Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrollmentRecord {
    pub id: EnrollmentId,
    pub user_id: UserId,
    pub secret_sealed: String,
    pub phone: Phone,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpCredentialRecord {
    pub id: CredentialId,
    pub user_id: UserId,
    pub secret_sealed: String,
    /// Learned clock drift of the phone, in time steps (positive: the phone is ahead).
    pub drift: i64,
    pub last_used_step: Option<i64>,
    pub last_used_at: Option<UnixTime>,
    pub created_at: UnixTime,
}

fn enrollment_from_row(row: &sqlx::any::AnyRow) -> Result<TotpEnrollmentRecord> {
    let id: String = row.try_get("id")?;
    let phone: String = row.try_get("phone")?;
    Ok(TotpEnrollmentRecord {
        id: EnrollmentId::parse(&id).map_err(|_| corrupt(format!("enrollment id {id:?}")))?,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        secret_sealed: row.try_get("secret_sealed")?,
        phone: Phone::parse(&phone).ok_or_else(|| corrupt(format!("phone {phone:?}")))?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
    })
}

fn credential_from_row(row: &sqlx::any::AnyRow) -> Result<TotpCredentialRecord> {
    let id: String = row.try_get("id")?;
    Ok(TotpCredentialRecord {
        id: CredentialId::parse(&id).map_err(|_| corrupt(format!("credential id {id:?}")))?,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        secret_sealed: row.try_get("secret_sealed")?,
        drift: row.try_get("drift")?,
        last_used_step: row.try_get("last_used_step")?,
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(UnixTime),
        created_at: UnixTime(row.try_get("created_at")?),
    })
}

impl Tx {
    /// (key id, sealed check value) of every master key this database has known.
    pub async fn key_checks(&mut self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT key_id, sealed FROM key_checks")
            .fetch_all(self.conn())
            .await?)
    }

    pub async fn insert_key_check(&mut self, key_id: &str, sealed: &str, now: UnixTime) -> Result<()> {
        sqlx::query("INSERT INTO key_checks (key_id, sealed, created_at) VALUES ($1, $2, $3)")
            .bind(key_id)
            .bind(sealed)
            .bind(now.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn insert_totp_enrollment(&mut self, enrollment: &TotpEnrollmentRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO totp_enrollments (id, user_id, secret_sealed, phone, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(enrollment.id.to_string())
        .bind(enrollment.user_id.to_string())
        .bind(enrollment.secret_sealed.as_str())
        .bind(enrollment.phone.as_str())
        .bind(enrollment.created_at.0)
        .bind(enrollment.expires_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_totp_enrollment(&mut self, id: EnrollmentId) -> Result<Option<TotpEnrollmentRecord>> {
        let row = sqlx::query(
            "SELECT id, user_id, secret_sealed, phone, created_at, expires_at FROM totp_enrollments WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(enrollment_from_row).transpose()
    }

    /// True if this call removed it (so two "Verify" clicks cannot both turn it into a credential).
    pub async fn delete_totp_enrollment(&mut self, id: EnrollmentId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM totp_enrollments WHERE id = $1")
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a user's other unfinished setups (only the newest QR code stays valid).
    pub async fn delete_totp_enrollments_of(&mut self, user: UserId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM totp_enrollments WHERE user_id = $1")
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn delete_expired_totp_enrollments(&mut self, now: UnixTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM totp_enrollments WHERE expires_at <= $1")
            .bind(now.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn insert_totp_credential(&mut self, credential: &TotpCredentialRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO totp_credentials (id, user_id, secret_sealed, drift, last_used_step, last_used_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(credential.id.to_string())
        .bind(credential.user_id.to_string())
        .bind(credential.secret_sealed.as_str())
        .bind(credential.drift)
        .bind(credential.last_used_step)
        .bind(credential.last_used_at.map(|t| t.0))
        .bind(credential.created_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn totp_credentials_of(&mut self, user: UserId) -> Result<Vec<TotpCredentialRecord>> {
        let rows = sqlx::query(
            "SELECT id, user_id, secret_sealed, drift, last_used_step, last_used_at, created_at \
             FROM totp_credentials WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(credential_from_row).collect()
    }

    /// Records that `step` was accepted, in one statement that only succeeds if no step at or after it
    /// was accepted before: two requests (or two nodes) with the same code cannot both win.
    pub async fn use_totp_step(&mut self, id: CredentialId, step: i64, drift: i64, now: UnixTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE totp_credentials SET last_used_step = $1, drift = $2, last_used_at = $3 \
             WHERE id = $4 AND (last_used_step IS NULL OR last_used_step < $1)",
        )
        .bind(step)
        .bind(drift)
        .bind(now.0)
        .bind(id.to_string())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many verified second factors the user has (authenticator apps and security keys).
    pub async fn count_mfa_methods(&mut self, user: UserId) -> Result<i64> {
        Ok(self.mfa_summary(user).await?.total())
    }
}
