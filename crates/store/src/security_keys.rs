//! Security keys (FIDO2 / WebAuthn): registered keys, the state of a ceremony between its two
//! requests, and key models loaded from a FIDO metadata blob.
//!
//! The webauthn-rs credential is kept as opaque JSON; the columns beside it (counter, flags, model)
//! are what the rest of the system reads. A ceremony is taken with `DELETE … RETURNING`, so it can be
//! finished once, by whichever node gets the request.

use portcullis_core::security_key::Aaguid;
use portcullis_core::{CredentialId, TokenHash, UnixTime, UserId};
use sqlx::Row;

use crate::error::corrupt;
use crate::records::user_id;
use crate::{Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityKeyRecord {
    pub id: CredentialId,
    pub user_id: UserId,
    /// The WebAuthn credential id, base64url without padding (unique across all users).
    pub credential_id: String,
    pub name: String,
    pub aaguid: Aaguid,
    /// The model named by the metadata at registration ("YubiKey 5 Series …"), if it knew the AAGUID.
    pub model: Option<String>,
    /// webauthn-rs's `Credential` as JSON (public key, counter, flags).
    pub credential: String,
    pub sign_count: i64,
    /// Whether the key verified its user (PIN) at registration.
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// Set when a login showed a signature counter that did not grow: the key may have been copied.
    pub suspected_clone: bool,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    Register,
    Login,
}

impl CeremonyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyPurpose::Register => "register",
            CeremonyPurpose::Login => "login",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "register" => Ok(CeremonyPurpose::Register),
            "login" => Ok(CeremonyPurpose::Login),
            other => Err(corrupt(format!("ceremony purpose {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeremonyRecord {
    pub id: String,
    pub session_hash: TokenHash,
    pub user_id: UserId,
    pub purpose: CeremonyPurpose,
    /// webauthn-rs's registration or authentication state as JSON.
    pub state: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A key model from a FIDO metadata blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyModelRecord {
    pub aaguid: Aaguid,
    pub name: String,
    /// The model's attestation root certificates, base64 DER.
    pub attestation_roots: Vec<String>,
    pub loaded_at: UnixTime,
}

/// A user's second factors at a glance: how many of each, and when each kind was last used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaSummary {
    pub apps: i64,
    pub keys: i64,
    pub app_last_used: Option<UnixTime>,
    pub key_last_used: Option<UnixTime>,
}

impl MfaSummary {
    pub fn total(&self) -> i64 {
        self.apps + self.keys
    }
}

macro_rules! key_columns {
    () => {
        "id, user_id, credential_id, name, aaguid, model, credential, sign_count, user_verified, backup_eligible, \
         backup_state, suspected_clone, created_at, last_used_at"
    };
}

fn key_from_row(row: &sqlx::any::AnyRow) -> Result<SecurityKeyRecord> {
    let id: String = row.try_get("id")?;
    let aaguid: String = row.try_get("aaguid")?;
    let flag = |name: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(name)? != 0) };
    Ok(SecurityKeyRecord {
        id: CredentialId::parse(&id).map_err(|_| corrupt(format!("security key id {id:?}")))?,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        credential_id: row.try_get("credential_id")?,
        name: row.try_get("name")?,
        aaguid: Aaguid::parse(&aaguid).map_err(|_| corrupt(format!("aaguid {aaguid:?}")))?,
        model: row.try_get("model")?,
        credential: row.try_get("credential")?,
        sign_count: row.try_get("sign_count")?,
        user_verified: flag("user_verified")?,
        backup_eligible: flag("backup_eligible")?,
        backup_state: flag("backup_state")?,
        suspected_clone: flag("suspected_clone")?,
        created_at: UnixTime(row.try_get("created_at")?),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(UnixTime),
    })
}

fn ceremony_from_row(row: &sqlx::any::AnyRow, session: &TokenHash) -> Result<CeremonyRecord> {
    Ok(CeremonyRecord {
        id: row.try_get("id")?,
        session_hash: *session,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        purpose: CeremonyPurpose::parse(&row.try_get::<String, _>("purpose")?)?,
        state: row.try_get("state")?,
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
    })
}

impl Tx {
    pub async fn insert_security_key(&mut self, key: &SecurityKeyRecord) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO security_keys (",
            key_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(key.id.to_string())
        .bind(key.user_id.to_string())
        .bind(key.credential_id.as_str())
        .bind(key.name.as_str())
        .bind(key.aaguid.to_string())
        .bind(key.model.clone())
        .bind(key.credential.as_str())
        .bind(key.sign_count)
        .bind(i64::from(key.user_verified))
        .bind(i64::from(key.backup_eligible))
        .bind(i64::from(key.backup_state))
        .bind(i64::from(key.suspected_clone))
        .bind(key.created_at.0)
        .bind(key.last_used_at.map(|t| t.0))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn security_keys_of(&mut self, user: UserId) -> Result<Vec<SecurityKeyRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM security_keys WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// The key with this WebAuthn credential id, whoever owns it.
    pub async fn security_key_by_credential_id(&mut self, credential_id: &str) -> Result<Option<SecurityKeyRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM security_keys WHERE credential_id = $1"
        ))
        .bind(credential_id)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// Records a login with the key: the new counter, flags and credential, only if the stored counter
    /// is still `old_count` (two logins racing with one key cannot both move it).
    #[allow(clippy::too_many_arguments)]
    pub async fn use_security_key(
        &mut self,
        id: CredentialId,
        old_count: i64,
        new_count: i64,
        credential: &str,
        backup_eligible: bool,
        backup_state: bool,
        now: UnixTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE security_keys SET sign_count = $1, credential = $2, backup_eligible = $3, backup_state = $4, \
             last_used_at = $5 WHERE id = $6 AND sign_count = $7 AND suspected_clone = 0",
        )
        .bind(new_count)
        .bind(credential)
        .bind(i64::from(backup_eligible))
        .bind(i64::from(backup_state))
        .bind(now.0)
        .bind(id.to_string())
        .bind(old_count)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a key as possibly cloned; it cannot log in until it is removed and registered again.
    pub async fn mark_security_key_suspected_clone(&mut self, id: CredentialId) -> Result<()> {
        sqlx::query("UPDATE security_keys SET suspected_clone = 1 WHERE id = $1")
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Renames one of the user's keys; false if the user has no such key.
    pub async fn rename_security_key(&mut self, user: UserId, id: CredentialId, name: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE security_keys SET name = $1 WHERE id = $2 AND user_id = $3")
            .bind(name)
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_ceremony(&mut self, ceremony: &CeremonyRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, session_hash, user_id, purpose, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ceremony.id.as_str())
        .bind(ceremony.session_hash.to_hex())
        .bind(ceremony.user_id.to_string())
        .bind(ceremony.purpose.as_str())
        .bind(ceremony.state.as_str())
        .bind(ceremony.created_at.0)
        .bind(ceremony.expires_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes and returns the ceremony if it belongs to this session and purpose: a ceremony is
    /// finished at most once, and another session's ceremony is neither returned nor consumed. An
    /// expired ceremony is returned too (the caller tells the user it expired).
    pub async fn take_ceremony(
        &mut self,
        id: &str,
        session: &TokenHash,
        purpose: CeremonyPurpose,
    ) -> Result<Option<CeremonyRecord>> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE id = $1 AND session_hash = $2 AND purpose = $3 \
             RETURNING id, user_id, purpose, state, created_at, expires_at",
        )
        .bind(id)
        .bind(session.to_hex())
        .bind(purpose.as_str())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(|row| ceremony_from_row(row, session)).transpose()
    }

    /// A session keeps at most one open ceremony per purpose: starting again ends the previous one.
    pub async fn delete_ceremonies_of_session(&mut self, session: &TokenHash, purpose: CeremonyPurpose) -> Result<u64> {
        let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE session_hash = $1 AND purpose = $2")
            .bind(session.to_hex())
            .bind(purpose.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn delete_expired_ceremonies(&mut self, now: UnixTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(now.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    /// Replaces all loaded key models with these (a new metadata blob supersedes the old one).
    pub async fn replace_key_models(&mut self, models: &[KeyModelRecord]) -> Result<()> {
        sqlx::query("DELETE FROM key_models").execute(self.conn()).await?;
        for model in models {
            let roots = serde_json::to_string(&model.attestation_roots)
                .map_err(|e| corrupt(format!("attestation roots: {e}")))?;
            sqlx::query("INSERT INTO key_models (aaguid, name, attestation_roots, loaded_at) VALUES ($1, $2, $3, $4)")
                .bind(model.aaguid.to_string())
                .bind(model.name.as_str())
                .bind(roots)
                .bind(model.loaded_at.0)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    pub async fn key_model(&mut self, aaguid: Aaguid) -> Result<Option<KeyModelRecord>> {
        let row = sqlx::query("SELECT aaguid, name, attestation_roots, loaded_at FROM key_models WHERE aaguid = $1")
            .bind(aaguid.to_string())
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let roots: String = row.try_get("attestation_roots")?;
        Ok(Some(KeyModelRecord {
            aaguid,
            name: row.try_get("name")?,
            attestation_roots: serde_json::from_str(&roots).map_err(|e| corrupt(format!("attestation roots: {e}")))?,
            loaded_at: UnixTime(row.try_get("loaded_at")?),
        }))
    }

    pub async fn count_key_models(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM key_models")
            .fetch_one(self.conn())
            .await?)
    }

    /// How many apps and keys the user has and when each kind was last used.
    pub async fn mfa_summary(&mut self, user: UserId) -> Result<MfaSummary> {
        let (apps, app_last_used): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(last_used_at) FROM totp_credentials WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_one(self.conn())
                .await?;
        let (keys, key_last_used): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(last_used_at) FROM security_keys WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_one(self.conn())
                .await?;
        Ok(MfaSummary {
            apps,
            keys,
            app_last_used: app_last_used.map(UnixTime),
            key_last_used: key_last_used.map(UnixTime),
        })
    }
}
