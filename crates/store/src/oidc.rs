//! OpenID Connect state: the services (clients), authorization requests waiting for a login, grants
//! (a user's login at a service; its refresh tokens are one family), single-use codes, rotating
//! refresh tokens, consents and back-channel logout deliveries.
//!
//! Single use is one conditional `UPDATE … WHERE used_at IS NULL`: of two requests presenting the same
//! code or refresh token, exactly one changes the row; the other learns it was used already (reuse).

use portcullis_core::oidc::{Acr, Scopes, SigningAlg};
use portcullis_core::{Amr, TokenHash, UnixTime, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::corrupt;
use crate::records::user_id;
use crate::{Backend, Result, Tx};

/// A service that trusts Portcullis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub id: String,
    pub name: String,
    /// SHA-256 (hex) of the client secret; `None` for a public client.
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub scopes: Scopes,
    pub require_key: bool,
    pub signing_alg: SigningAlg,
    pub consent: bool,
    pub access_ttl: i64,
    pub refresh_idle_ttl: i64,
    pub refresh_max_ttl: i64,
    pub enabled: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

impl ClientRecord {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
}

macro_rules! client_columns {
    () => {
        "id, name, secret_hash, redirect_uris, post_logout_uris, backchannel_logout_uri, scopes, require_key, \
         signing_alg, consent, access_ttl, refresh_idle_ttl, refresh_max_ttl, enabled, created_at, updated_at"
    };
}

fn lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn client_from_row(row: &AnyRow) -> Result<ClientRecord> {
    let scopes: String = row.try_get("scopes")?;
    let alg: String = row.try_get("signing_alg")?;
    Ok(ClientRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        redirect_uris: lines(&row.try_get::<String, _>("redirect_uris")?),
        post_logout_uris: lines(&row.try_get::<String, _>("post_logout_uris")?),
        backchannel_logout_uri: row.try_get("backchannel_logout_uri")?,
        scopes: Scopes::parse(&scopes).map_err(corrupt)?,
        require_key: row.try_get::<i64, _>("require_key")? != 0,
        signing_alg: SigningAlg::parse(&alg).map_err(corrupt)?,
        consent: row.try_get::<i64, _>("consent")? != 0,
        access_ttl: row.try_get("access_ttl")?,
        refresh_idle_ttl: row.try_get("refresh_idle_ttl")?,
        refresh_max_ttl: row.try_get("refresh_max_ttl")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: UnixTime(row.try_get("created_at")?),
        updated_at: UnixTime(row.try_get("updated_at")?),
    })
}

/// A user's login at a service: the family of its refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub client_id: String,
    pub user_id: UserId,
    pub sid: Option<String>,
    pub scope: Scopes,
    pub amr: Vec<Amr>,
    pub acr: Acr,
    pub auth_time: UnixTime,
    pub created_at: UnixTime,
    /// The absolute end of its refresh tokens.
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

macro_rules! grant_columns {
    () => {
        "id, client_id, user_id, sid, scope, amr, acr, auth_time, created_at, expires_at, revoked_at"
    };
}

fn grant_from_row(row: &AnyRow) -> Result<GrantRecord> {
    let scope: String = row.try_get("scope")?;
    let acr: String = row.try_get("acr")?;
    Ok(GrantRecord {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        sid: row.try_get("sid")?,
        scope: Scopes::parse(&scope).map_err(corrupt)?,
        amr: Amr::split(&row.try_get::<String, _>("amr")?).map_err(corrupt)?,
        acr: Acr::parse(&acr).map_err(corrupt)?,
        auth_time: UnixTime(row.try_get("auth_time")?),
        created_at: UnixTime(row.try_get("created_at")?),
        expires_at: UnixTime(row.try_get("expires_at")?),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(UnixTime),
    })
}

/// An authorization code as stored (never the code itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub grant_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// What presenting a code or a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed<T> {
    /// Unused until now; this call used it.
    Fresh(T),
    /// Used before: a replay (or a lost race), which revokes its grant.
    Reused(T),
    Unknown,
}

/// A refresh token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub grant_id: String,
    pub created_at: UnixTime,
    /// The idle end: unused this long, it expires.
    pub expires_at: UnixTime,
}

/// A back-channel logout token to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutDelivery {
    pub id: String,
    pub client_id: String,
    pub user_id: UserId,
    pub sid: Option<String>,
    pub created_at: UnixTime,
    pub attempts: i64,
}

fn delivery_from_row(row: &AnyRow) -> Result<LogoutDelivery> {
    Ok(LogoutDelivery {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        user_id: user_id(&row.try_get::<String, _>("user_id")?)?,
        sid: row.try_get("sid")?,
        created_at: UnixTime(row.try_get("created_at")?),
        attempts: row.try_get("attempts")?,
    })
}

macro_rules! due_deliveries {
    () => {
        "SELECT id FROM oidc_logout_deliveries WHERE delivered_at IS NULL AND abandoned_at IS NULL \
         AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) \
         ORDER BY next_attempt_at, id LIMIT $3"
    };
}

impl Tx {
    // ---- clients ----

    pub async fn insert_client(&mut self, c: &ClientRecord) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO oidc_clients (",
            client_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(c.id.clone())
        .bind(c.name.clone())
        .bind(c.secret_hash.clone())
        .bind(c.redirect_uris.join("\n"))
        .bind(c.post_logout_uris.join("\n"))
        .bind(c.backchannel_logout_uri.clone())
        .bind(c.scopes.to_string())
        .bind(i64::from(c.require_key))
        .bind(c.signing_alg.as_str())
        .bind(i64::from(c.consent))
        .bind(c.access_ttl)
        .bind(c.refresh_idle_ttl)
        .bind(c.refresh_max_ttl)
        .bind(i64::from(c.enabled))
        .bind(c.created_at.0)
        .bind(c.updated_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces every setting of a client but its id, secret and creation time. False if unknown.
    pub async fn update_client(&mut self, c: &ClientRecord) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE oidc_clients SET name = $2, redirect_uris = $3, post_logout_uris = $4, \
             backchannel_logout_uri = $5, scopes = $6, require_key = $7, signing_alg = $8, consent = $9, \
             access_ttl = $10, refresh_idle_ttl = $11, refresh_max_ttl = $12, enabled = $13, updated_at = $14 \
             WHERE id = $1",
        )
        .bind(c.id.clone())
        .bind(c.name.clone())
        .bind(c.redirect_uris.join("\n"))
        .bind(c.post_logout_uris.join("\n"))
        .bind(c.backchannel_logout_uri.clone())
        .bind(c.scopes.to_string())
        .bind(i64::from(c.require_key))
        .bind(c.signing_alg.as_str())
        .bind(i64::from(c.consent))
        .bind(c.access_ttl)
        .bind(c.refresh_idle_ttl)
        .bind(c.refresh_max_ttl)
        .bind(i64::from(c.enabled))
        .bind(c.updated_at.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets (or, with `None`, removes: the client becomes public) a client's secret hash.
    pub async fn set_client_secret(&mut self, id: &str, secret_hash: Option<&str>, now: UnixTime) -> Result<bool> {
        let done = sqlx::query("UPDATE oidc_clients SET secret_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.to_owned())
            .bind(secret_hash.map(str::to_owned))
            .bind(now.0)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn find_client(&mut self, id: &str) -> Result<Option<ClientRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            client_columns!(),
            " FROM oidc_clients WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(client_from_row).transpose()
    }

    /// Every client, by name.
    pub async fn list_clients(&mut self) -> Result<Vec<ClientRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            client_columns!(),
            " FROM oidc_clients ORDER BY name, id"
        ))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(client_from_row).collect()
    }

    // ---- authorization requests ----

    pub async fn insert_auth_request(
        &mut self,
        hash: &TokenHash,
        client_id: &str,
        params: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_requests (id_hash, client_id, params, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash.to_hex())
        .bind(client_id.to_owned())
        .bind(params.to_owned())
        .bind(now.0)
        .bind(expires_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// A waiting request's parameters (JSON), if it exists and has not expired.
    pub async fn find_auth_request(&mut self, hash: &TokenHash, now: UnixTime) -> Result<Option<String>> {
        let row = sqlx::query("SELECT params FROM oidc_requests WHERE id_hash = $1 AND expires_at > $2")
            .bind(hash.to_hex())
            .bind(now.0)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.try_get("params")).transpose()?)
    }

    /// Ends a request (answered); false if it was gone already (answered by a racing tab).
    pub async fn delete_auth_request(&mut self, hash: &TokenHash) -> Result<bool> {
        let done = sqlx::query("DELETE FROM oidc_requests WHERE id_hash = $1")
            .bind(hash.to_hex())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- grants ----

    pub async fn insert_grant(&mut self, g: &GrantRecord) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO oidc_grants (",
            grant_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(g.id.clone())
        .bind(g.client_id.clone())
        .bind(g.user_id.to_string())
        .bind(g.sid.clone())
        .bind(g.scope.to_string())
        .bind(Amr::join(&g.amr))
        .bind(g.acr.as_str())
        .bind(g.auth_time.0)
        .bind(g.created_at.0)
        .bind(g.expires_at.0)
        .bind(g.revoked_at.map(|t| t.0))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_grant(&mut self, id: &str) -> Result<Option<GrantRecord>> {
        let row = sqlx::query(concat!("SELECT ", grant_columns!(), " FROM oidc_grants WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(grant_from_row).transpose()
    }

    /// Revokes one grant (and so its refresh tokens and access tokens); false if it was revoked already.
    pub async fn revoke_grant(&mut self, id: &str, now: UnixTime, why: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE oidc_grants SET revoked_at = $2, revoked_why = $3 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id.to_owned())
        .bind(now.0)
        .bind(why.to_owned())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Revokes every live grant of a user; returns those it revoked (for back-channel logout).
    pub async fn revoke_grants_of_user(&mut self, user: UserId, now: UnixTime, why: &str) -> Result<Vec<GrantRecord>> {
        let rows = sqlx::query(concat!(
            "UPDATE oidc_grants SET revoked_at = $2, revoked_why = $3 WHERE user_id = $1 AND revoked_at IS NULL \
             AND expires_at > $2 RETURNING ",
            grant_columns!()
        ))
        .bind(user.to_string())
        .bind(now.0)
        .bind(why.to_owned())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(grant_from_row).collect()
    }

    /// Revokes every live grant made from one login session (its `sid`); returns those it revoked.
    pub async fn revoke_grants_of_sid(&mut self, sid: &str, now: UnixTime, why: &str) -> Result<Vec<GrantRecord>> {
        let rows = sqlx::query(concat!(
            "UPDATE oidc_grants SET revoked_at = $2, revoked_why = $3 WHERE sid = $1 AND revoked_at IS NULL \
             AND expires_at > $2 RETURNING ",
            grant_columns!()
        ))
        .bind(sid.to_owned())
        .bind(now.0)
        .bind(why.to_owned())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(grant_from_row).collect()
    }

    // ---- codes ----

    pub async fn insert_code(&mut self, hash: &TokenHash, code: &CodeRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_codes (code_hash, grant_id, redirect_uri, code_challenge, nonce, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hash.to_hex())
        .bind(code.grant_id.clone())
        .bind(code.redirect_uri.clone())
        .bind(code.code_challenge.clone())
        .bind(code.nonce.clone())
        .bind(code.created_at.0)
        .bind(code.expires_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses a code: exactly one caller ever gets `Fresh` (expiry is the caller's check).
    pub async fn redeem_code(&mut self, hash: &TokenHash, now: UnixTime) -> Result<Redeemed<CodeRecord>> {
        let done = sqlx::query("UPDATE oidc_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL")
            .bind(hash.to_hex())
            .bind(now.0)
            .execute(self.conn())
            .await?;
        let row = sqlx::query(
            "SELECT grant_id, redirect_uri, code_challenge, nonce, created_at, expires_at FROM oidc_codes WHERE code_hash = $1",
        )
        .bind(hash.to_hex())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else {
            return Ok(Redeemed::Unknown);
        };
        let code = CodeRecord {
            grant_id: row.try_get("grant_id")?,
            redirect_uri: row.try_get("redirect_uri")?,
            code_challenge: row.try_get("code_challenge")?,
            nonce: row.try_get("nonce")?,
            created_at: UnixTime(row.try_get("created_at")?),
            expires_at: UnixTime(row.try_get("expires_at")?),
        };
        Ok(if done.rows_affected() == 1 {
            Redeemed::Fresh(code)
        } else {
            Redeemed::Reused(code)
        })
    }

    // ---- refresh tokens ----

    pub async fn insert_refresh_token(&mut self, hash: &TokenHash, token: &RefreshRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash.to_hex())
        .bind(token.grant_id.clone())
        .bind(token.created_at.0)
        .bind(token.expires_at.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses a refresh token (rotation): exactly one caller ever gets `Fresh`.
    pub async fn redeem_refresh_token(&mut self, hash: &TokenHash, now: UnixTime) -> Result<Redeemed<RefreshRecord>> {
        let done = sqlx::query("UPDATE oidc_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
            .bind(hash.to_hex())
            .bind(now.0)
            .execute(self.conn())
            .await?;
        self.refresh_outcome(hash, done.rows_affected() == 1).await
    }

    /// Looks a refresh token up without using it (introspection, revocation).
    pub async fn find_refresh_token(&mut self, hash: &TokenHash) -> Result<Redeemed<RefreshRecord>> {
        let used = sqlx::query("SELECT used_at FROM oidc_refresh_tokens WHERE token_hash = $1")
            .bind(hash.to_hex())
            .fetch_optional(self.conn())
            .await?;
        match used {
            None => Ok(Redeemed::Unknown),
            Some(row) => {
                let unused = row.try_get::<Option<i64>, _>("used_at")?.is_none();
                self.refresh_outcome(hash, unused).await
            }
        }
    }

    async fn refresh_outcome(&mut self, hash: &TokenHash, fresh: bool) -> Result<Redeemed<RefreshRecord>> {
        let row = sqlx::query("SELECT grant_id, created_at, expires_at FROM oidc_refresh_tokens WHERE token_hash = $1")
            .bind(hash.to_hex())
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else {
            return Ok(Redeemed::Unknown);
        };
        let token = RefreshRecord {
            grant_id: row.try_get("grant_id")?,
            created_at: UnixTime(row.try_get("created_at")?),
            expires_at: UnixTime(row.try_get("expires_at")?),
        };
        Ok(if fresh {
            Redeemed::Fresh(token)
        } else {
            Redeemed::Reused(token)
        })
    }

    // ---- consents ----

    pub async fn find_consent(&mut self, user: UserId, client_id: &str) -> Result<Option<Scopes>> {
        let row = sqlx::query("SELECT scope FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
            .bind(user.to_string())
            .bind(client_id.to_owned())
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| -> Result<Scopes> {
            let scope: String = r.try_get("scope")?;
            Scopes::parse(&scope).map_err(corrupt)
        })
        .transpose()
    }

    pub async fn save_consent(&mut self, user: UserId, client_id: &str, scope: &Scopes, now: UnixTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(user.to_string())
        .bind(client_id.to_owned())
        .bind(scope.to_string())
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    // ---- back-channel logout ----

    pub async fn enqueue_logout_delivery(&mut self, d: &LogoutDelivery) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_logout_deliveries (id, client_id, user_id, sid, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $5)",
        )
        .bind(d.id.clone())
        .bind(d.client_id.clone())
        .bind(d.user_id.to_string())
        .bind(d.sid.clone())
        .bind(d.created_at.0)
        .execute(self.conn())
        .await?;
        self.queued_mail = true;
        Ok(())
    }

    /// Claims up to `limit` due deliveries until `lease_until` (like [`Tx::claim_due_mail`]).
    pub async fn claim_due_logout_deliveries(
        &mut self,
        now: UnixTime,
        lease_until: UnixTime,
        limit: i64,
    ) -> Result<Vec<LogoutDelivery>> {
        let sql = match self.backend {
            Backend::Sqlite => concat!(
                "UPDATE oidc_logout_deliveries SET claimed_until = $2, attempts = attempts + 1 WHERE id IN (",
                due_deliveries!(),
                ") RETURNING id, client_id, user_id, sid, created_at, attempts"
            ),
            Backend::Postgres => concat!(
                "WITH due AS (",
                due_deliveries!(),
                " FOR UPDATE SKIP LOCKED) UPDATE oidc_logout_deliveries SET claimed_until = $2, \
                 attempts = attempts + 1 FROM due WHERE oidc_logout_deliveries.id = due.id RETURNING \
                 oidc_logout_deliveries.id, client_id, user_id, sid, created_at, attempts"
            ),
        };
        let rows = sqlx::query(sql)
            .bind(now.0)
            .bind(lease_until.0)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// How many logout tokens wait to be delivered (not delivered, not given up).
    pub async fn pending_logout_deliveries(&mut self) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM oidc_logout_deliveries WHERE delivered_at IS NULL AND abandoned_at IS NULL",
        )
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn mark_logout_delivered(&mut self, id: &str, now: UnixTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE oidc_logout_deliveries SET delivered_at = $2, claimed_until = NULL, last_error = NULL \
             WHERE id = $1 AND delivered_at IS NULL AND abandoned_at IS NULL",
        )
        .bind(id.to_owned())
        .bind(now.0)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A failed attempt: due again at `retry_at`, or given up when `retry_at` is `None`.
    pub async fn mark_logout_failed(
        &mut self,
        id: &str,
        now: UnixTime,
        retry_at: Option<UnixTime>,
        error: &str,
    ) -> Result<bool> {
        let error: String = error.chars().take(300).collect();
        let done = match retry_at {
            Some(at) => {
                sqlx::query(
                    "UPDATE oidc_logout_deliveries SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 \
                     WHERE id = $1 AND delivered_at IS NULL AND abandoned_at IS NULL",
                )
                .bind(id.to_owned())
                .bind(at.0)
                .bind(error)
                .execute(self.conn())
                .await?
            }
            None => {
                sqlx::query(
                    "UPDATE oidc_logout_deliveries SET abandoned_at = $2, claimed_until = NULL, last_error = $3 \
                     WHERE id = $1 AND delivered_at IS NULL AND abandoned_at IS NULL",
                )
                .bind(id.to_owned())
                .bind(now.0)
                .bind(error)
                .execute(self.conn())
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// The sweep: requests and refresh tokens past their end, grants past their absolute end (with
    /// their codes), unused codes and finished deliveries from before `done_before`.
    pub async fn delete_expired_oidc(&mut self, now: UnixTime, done_before: UnixTime) -> Result<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM oidc_requests WHERE expires_at <= $1",
            "DELETE FROM oidc_refresh_tokens WHERE expires_at <= $1",
            "DELETE FROM oidc_grants WHERE expires_at <= $1",
        ] {
            n += sqlx::query(sql).bind(now.0).execute(self.conn()).await?.rows_affected();
        }
        // Used codes are kept as long as their grant (a replay must find them to revoke the grant);
        // codes that were never used go after `done_before`.
        n += sqlx::query("DELETE FROM oidc_codes WHERE used_at IS NULL AND expires_at <= $1")
            .bind(done_before.0)
            .execute(self.conn())
            .await?
            .rows_affected();
        n += sqlx::query("DELETE FROM oidc_logout_deliveries WHERE delivered_at <= $1 OR abandoned_at <= $1")
            .bind(done_before.0)
            .execute(self.conn())
            .await?
            .rows_affected();
        Ok(n)
    }
}
