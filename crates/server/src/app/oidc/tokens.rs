//! The token endpoint's grants, userinfo, introspection (RFC 7662) and revocation (RFC 7009).

use portcullis_core::oidc::{self, Scopes, amr_claim, pkce_matches};
use portcullis_core::{PlainToken, TokenKind, UnixTime, UserId, UserStatus};
use portcullis_store::Tx;
use portcullis_store::oidc::{ClientRecord, GrantRecord, Redeemed, RefreshRecord};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::*;
use crate::app::{App, AppError, Client, event, random};

impl App {
    // ---- the token endpoint ----

    /// Authenticates the calling client: `client_secret_basic`, `client_secret_post`, or `none` for
    /// a public client (which then must prove PKCE or hold a refresh token).
    async fn authenticate_client(&self, tx: &mut Tx, auth: &ClientAuth) -> Result<ClientRecord, OidcError> {
        let (id, secret) = match (&auth.basic, &auth.client_id, &auth.client_secret) {
            (Some(_), _, Some(_)) => {
                return Err(OidcError::new(
                    400,
                    "invalid_request",
                    "use one client authentication method",
                ));
            }
            (Some((id, secret)), form_id, None) => {
                if form_id.as_ref().is_some_and(|f| f != id) {
                    return Err(OidcError::new(
                        400,
                        "invalid_request",
                        "client_id differs from the Basic credentials",
                    ));
                }
                (id.as_str(), Some(secret.as_str()))
            }
            (None, Some(id), secret) => (id.as_str(), secret.as_deref()),
            (None, None, _) => return Err(OidcError::client("client authentication is missing")),
        };
        let Some(service) = tx.find_client(id).await?.filter(|c| c.enabled) else {
            return Err(OidcError::client("unknown client or wrong secret"));
        };
        match (&service.secret_hash, secret) {
            (None, None) => Ok(service),
            (None, Some(_)) => Err(OidcError::client("a public client has no secret")),
            (Some(_), None) => Err(OidcError::client("client authentication is missing")),
            (Some(stored), Some(given)) => {
                let given = portcullis_core::token::sha256_hex(given);
                if bool::from(given.as_bytes().ct_eq(stored.as_bytes())) {
                    Ok(service)
                } else {
                    Err(OidcError::client("unknown client or wrong secret"))
                }
            }
        }
    }

    /// The token endpoint. Refusals are audited (`oidc_token_refused`); a replayed code or refresh
    /// token revokes its grant and is audited as such.
    pub async fn token(
        &self,
        params: &TokenParams,
        auth: &ClientAuth,
        client: &Client,
    ) -> Result<TokenResponse, OidcError> {
        let grant_type = params.grant_type.clone().unwrap_or_default();
        let claimed_id = auth
            .basic
            .as_ref()
            .map(|(id, _)| id.clone())
            .or_else(|| auth.client_id.clone())
            .unwrap_or_default();
        let result = match grant_type.as_str() {
            CODE => self.code_grant(params, auth).await,
            REFRESH => self.refresh_grant(params, auth).await,
            CLIENT_CREDENTIALS => self.client_credentials_grant(params, auth).await,
            "" => Err(OidcError::new(400, "invalid_request", "grant_type is missing")),
            _ => Err(OidcError::new(
                400,
                "unsupported_grant_type",
                "this grant type is not supported",
            )),
        };
        if let Err(err @ OidcError::Protocol { .. }) = &result {
            let kind: &str = match grant_type.as_str() {
                CODE => CODE,
                REFRESH => REFRESH,
                CLIENT_CREDENTIALS => CLIENT_CREDENTIALS,
                _ => "other",
            };
            self.audit_refusal(None, &claimed_id, kind, err.code(), client).await?;
        }
        result
    }

    pub(super) async fn audit_refusal(
        &self,
        user: Option<UserId>,
        client_id: &str,
        grant_type: &str,
        error: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let client_id: String = client_id.chars().take(64).collect();
        let detail = json!({ "client_id": client_id, "grant_type": grant_type, "error": error });
        tx.append_audit(&event(now, "oidc_token_refused", None, user, None, client, detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn code_grant(&self, params: &TokenParams, auth: &ClientAuth) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let service = self.authenticate_client(&mut tx, auth).await?;
        let code = params
            .code
            .as_deref()
            .ok_or_else(|| OidcError::new(400, "invalid_request", "code is missing"))?;
        let Ok(code) = PlainToken::parse(TokenKind::AuthCode, code) else {
            return Err(OidcError::grant("the code is not valid"));
        };
        let record = match tx.redeem_code(&code.hash(), now).await? {
            Redeemed::Unknown => return Err(OidcError::grant("the code is not valid")),
            Redeemed::Reused(record) => {
                // RFC 6749 §4.1.2: a code used twice revokes what was issued from it.
                let grant = tx.find_grant(&record.grant_id).await?;
                self.revoke_replayed(tx, grant, &service.id, &record.grant_id, "oidc_code_reused", now)
                    .await?;
                return Err(OidcError::grant("the code was used already; what it issued is revoked"));
            }
            Redeemed::Fresh(record) => record,
        };
        if record.expires_at <= now {
            return Err(OidcError::grant("the code has expired"));
        }
        let grant = tx
            .find_grant(&record.grant_id)
            .await?
            .filter(|g| g.revoked_at.is_none())
            .ok_or_else(|| OidcError::grant("the code is not valid"))?;
        if grant.client_id != service.id {
            return Err(OidcError::grant("the code was issued to another client"));
        }
        if params.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(OidcError::grant("redirect_uri differs from the authorization request"));
        }
        match (&record.code_challenge, params.code_verifier.as_deref()) {
            (Some(challenge), Some(verifier)) if pkce_matches(challenge, verifier) => {}
            (Some(_), Some(_)) => return Err(OidcError::grant("the PKCE code_verifier does not match")),
            (Some(_), None) => return Err(OidcError::grant("the PKCE code_verifier is missing")),
            (None, Some(_)) => return Err(OidcError::grant("no PKCE challenge was sent for this code")),
            (None, None) => {}
        }
        let facts = self.user_facts(&mut tx, &grant).await?;
        let refresh = self.new_refresh_token(&mut tx, &service, &grant, now).await?;
        tx.commit().await?;
        self.respond(&service, &grant, &facts, record.nonce.as_deref(), Some(refresh), now)
            .await
    }

    async fn refresh_grant(&self, params: &TokenParams, auth: &ClientAuth) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let service = self.authenticate_client(&mut tx, auth).await?;
        let token = params
            .refresh_token
            .as_deref()
            .ok_or_else(|| OidcError::new(400, "invalid_request", "refresh_token is missing"))?;
        let Ok(token) = PlainToken::parse(TokenKind::Refresh, token) else {
            return Err(OidcError::grant("the refresh token is not valid"));
        };
        let record = match tx.redeem_refresh_token(&token.hash(), now).await? {
            Redeemed::Unknown => return Err(OidcError::grant("the refresh token is not valid")),
            Redeemed::Reused(record) => {
                let grant = tx.find_grant(&record.grant_id).await?;
                if grant.as_ref().is_some_and(|g| g.client_id == service.id) {
                    // A rotated token came back: whoever holds the family, it is compromised.
                    self.revoke_replayed(tx, grant, &service.id, &record.grant_id, "oidc_refresh_reused", now)
                        .await?;
                }
                return Err(OidcError::grant(
                    "the refresh token was used already; its family is revoked",
                ));
            }
            Redeemed::Fresh(record) => record,
        };
        if record.expires_at <= now {
            return Err(OidcError::grant("the refresh token has expired"));
        }
        let grant = tx
            .find_grant(&record.grant_id)
            .await?
            .ok_or_else(|| OidcError::grant("the refresh token is not valid"))?;
        if grant.client_id != service.id {
            return Err(OidcError::grant("the refresh token was issued to another client"));
        }
        if grant.revoked_at.is_some() || grant.expires_at <= now {
            return Err(OidcError::grant("the refresh token has been revoked or has expired"));
        }
        let mut grant = grant;
        if let Some(scope) = params.scope.as_deref() {
            let asked = Scopes::parse(scope).map_err(|e| OidcError::new(400, "invalid_scope", e.to_string()))?;
            if !asked.within(&grant.scope) {
                return Err(OidcError::new(400, "invalid_scope", "a refresh cannot widen the scope"));
            }
            grant.scope = asked;
        }
        let facts = self.user_facts(&mut tx, &grant).await?;
        let refresh = self.new_refresh_token(&mut tx, &service, &grant, now).await?;
        tx.commit().await?;
        self.respond(&service, &grant, &facts, None, Some(refresh), now).await
    }

    async fn client_credentials_grant(
        &self,
        params: &TokenParams,
        auth: &ClientAuth,
    ) -> Result<TokenResponse, OidcError> {
        let now = self.now();
        let service = {
            let mut tx = self.store.read().await?;
            self.authenticate_client(&mut tx, auth).await?
        };
        if service.is_public() {
            return Err(OidcError::new(
                400,
                "unauthorized_client",
                "a public client cannot use client_credentials",
            ));
        }
        let own = Scopes::parse(
            &service
                .scopes
                .iter()
                .filter(|s| !is_user_scope(s))
                .collect::<Vec<_>>()
                .join(" "),
        )
        .unwrap_or_default();
        let scope = match params.scope.as_deref() {
            None => own,
            Some(asked) => {
                let asked = Scopes::parse(asked).map_err(|e| OidcError::new(400, "invalid_scope", e.to_string()))?;
                if !asked.within(&own) {
                    return Err(OidcError::new(
                        400,
                        "invalid_scope",
                        "client_credentials tokens carry only scopes registered for the service (not openid or profile scopes)",
                    ));
                }
                asked
            }
        };
        let claims = json!({
            "iss": self.issuer(),
            "sub": service.id,
            "aud": service.id,
            "client_id": service.id,
            "iat": now.0,
            "exp": now.0 + service.access_ttl,
            "jti": new_id()?,
            "scope": scope.to_string(),
        });
        let access_token = self.sign_jwt(service.signing_alg, "at+jwt", &claims).await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: service.access_ttl,
            refresh_token: None,
            id_token: None,
            scope: scope.to_string(),
        })
    }

    /// A code or refresh token came back after its use: its grant is revoked (the services that
    /// registered for it are told), the replay is audited as `kind`, and that is committed.
    async fn revoke_replayed(
        &self,
        mut tx: Tx,
        grant: Option<GrantRecord>,
        client_id: &str,
        grant_id: &str,
        kind: &str,
        now: UnixTime,
    ) -> Result<(), AppError> {
        let why = kind.trim_start_matches("oidc_");
        if tx.revoke_grant(grant_id, now, why).await?
            && let Some(grant) = &grant
        {
            self.notify_logout(&mut tx, std::slice::from_ref(grant), now).await?;
        }
        let detail = json!({ "client_id": client_id, "grant": grant_id });
        let user = grant.map(|g| g.user_id);
        tx.append_audit(&event(now, kind, None, user, None, &Client::default(), detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn new_refresh_token(
        &self,
        tx: &mut Tx,
        service: &ClientRecord,
        grant: &GrantRecord,
        now: UnixTime,
    ) -> Result<PlainToken, AppError> {
        let token = random::token(TokenKind::Refresh)?;
        let expires_at = UnixTime(now.plus_secs(service.refresh_idle_ttl).0.min(grant.expires_at.0));
        tx.insert_refresh_token(
            &token.hash(),
            &RefreshRecord {
                grant_id: grant.id.clone(),
                created_at: now,
                expires_at,
            },
        )
        .await?;
        Ok(token)
    }

    /// The user's claims for a grant's scope; the user must still be active.
    async fn user_facts(&self, tx: &mut Tx, grant: &GrantRecord) -> Result<serde_json::Map<String, Value>, OidcError> {
        let user = tx
            .find_user(grant.user_id)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or_else(|| OidcError::grant("the user's account is not active"))?;
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), json!(user.id.to_string()));
        if grant.scope.contains("email") {
            claims.insert("email".into(), json!(user.email.as_str()));
            // Every address was proven by an invitation or registration link.
            claims.insert("email_verified".into(), json!(true));
        }
        if grant.scope.contains("profile") {
            if let Some(name) = &user.display_name {
                claims.insert("name".into(), json!(name.as_str()));
            }
            claims.insert("locale".into(), json!(user.locale.as_deref().unwrap_or("en")));
        }
        if grant.scope.contains("org") {
            let mut roles = Vec::new();
            if let Some((org_id, role)) = user.org {
                if let Some(org) = tx.find_org(org_id).await? {
                    claims.insert(
                        "org".into(),
                        json!({ "id": org.id.to_string(), "name": org.name.as_str() }),
                    );
                }
                roles.push(role.as_str());
            }
            if let Some(role) = user.platform_role {
                roles.push(role.as_str());
            }
            claims.insert("roles".into(), json!(roles));
        }
        Ok(claims)
    }

    /// Signs the access token and ID token of a grant.
    async fn respond(
        &self,
        service: &ClientRecord,
        grant: &GrantRecord,
        facts: &serde_json::Map<String, Value>,
        nonce: Option<&str>,
        refresh: Option<PlainToken>,
        now: UnixTime,
    ) -> Result<TokenResponse, OidcError> {
        let issuer = self.issuer();
        let exp = now.0 + service.access_ttl;
        let amr = amr_claim(&grant.amr);
        let access = json!({
            "iss": issuer,
            "sub": grant.user_id.to_string(),
            "aud": service.id,
            "client_id": service.id,
            "iat": now.0,
            "exp": exp,
            "jti": new_id()?,
            "scope": grant.scope.to_string(),
            "auth_time": grant.auth_time.0,
            "acr": grant.acr.as_str(),
            "amr": amr,
            "sid": grant.sid,
            "gid": grant.id,
        });
        let mut id = facts.clone();
        for (k, v) in [
            ("iss", json!(issuer)),
            ("aud", json!(service.id)),
            ("azp", json!(service.id)),
            ("iat", json!(now.0)),
            ("exp", json!(exp)),
            ("auth_time", json!(grant.auth_time.0)),
            ("acr", json!(grant.acr.as_str())),
            ("amr", json!(amr)),
        ] {
            id.insert(k.into(), v);
        }
        if let Some(sid) = &grant.sid {
            id.insert("sid".into(), json!(sid));
        }
        if let Some(nonce) = nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        let access_token = self.sign_jwt(service.signing_alg, "at+jwt", &access).await?;
        let id_token = if grant.scope.contains(oidc::SCOPE_OPENID) {
            Some(self.sign_jwt(service.signing_alg, "JWT", &Value::Object(id)).await?)
        } else {
            None
        };
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: service.access_ttl,
            refresh_token: refresh.map(|t| t.expose().to_owned()),
            id_token,
            scope: grant.scope.to_string(),
        })
    }

    // ---- userinfo, introspection, revocation ----

    /// Verifies a user access token and returns its claims and live grant.
    async fn live_access_token(&self, token: &str) -> Result<(Value, GrantRecord), OidcError> {
        let claims = self
            .verify_jwt(token, true)
            .await
            .map_err(|_| OidcError::token("the access token is not valid"))?;
        let Some(gid) = claims.get("gid").and_then(Value::as_str) else {
            return Err(OidcError::token("not a user access token"));
        };
        let now = self.now();
        let grant = self
            .store
            .read()
            .await?
            .find_grant(gid)
            .await?
            .filter(|g| g.revoked_at.is_none() && g.expires_at > now)
            .ok_or_else(|| OidcError::token("the access token has been revoked"))?;
        Ok((claims, grant))
    }

    /// The userinfo endpoint: the claims of the token's scope, for a live grant of an active user.
    pub async fn userinfo(&self, bearer: &str) -> Result<Value, OidcError> {
        let (claims, mut grant) = self.live_access_token(bearer).await?;
        if let Some(scope) = claims.get("scope").and_then(Value::as_str) {
            grant.scope = Scopes::parse(scope).unwrap_or_default();
        }
        let mut tx = self.store.read().await?;
        let facts = self
            .user_facts(&mut tx, &grant)
            .await
            .map_err(|_| OidcError::token("the user's account is not active"))?;
        Ok(Value::Object(facts))
    }

    /// RFC 7662. Any confidential client may ask about access tokens; refresh tokens only about its own.
    pub async fn introspect(&self, token: &str, auth: &ClientAuth) -> Result<Value, OidcError> {
        let now = self.now();
        let caller = {
            let mut tx = self.store.read().await?;
            self.authenticate_client(&mut tx, auth).await?
        };
        if caller.is_public() {
            return Err(OidcError::client("a public client cannot introspect"));
        }
        let inactive = json!({ "active": false });
        if token.starts_with("pcr_") {
            let Ok(plain) = PlainToken::parse(TokenKind::Refresh, token) else {
                return Ok(inactive);
            };
            let mut tx = self.store.read().await?;
            let Redeemed::Fresh(record) = tx.find_refresh_token(&plain.hash()).await? else {
                return Ok(inactive);
            };
            let Some(grant) = tx.find_grant(&record.grant_id).await? else {
                return Ok(inactive);
            };
            if grant.client_id != caller.id || grant.revoked_at.is_some() || record.expires_at <= now {
                return Ok(inactive);
            }
            return Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": grant.client_id,
                "sub": grant.user_id.to_string(),
                "scope": grant.scope.to_string(),
                "iat": record.created_at.0,
                "exp": record.expires_at.0,
                "iss": self.issuer(),
            }));
        }
        let Ok(claims) = self.verify_jwt(token, true).await else {
            return Ok(inactive);
        };
        if claims.get("client_id").is_none() {
            return Ok(inactive); // an ID token or logout token is not an access token
        }
        if let Some(gid) = claims.get("gid").and_then(Value::as_str) {
            let live = self
                .store
                .read()
                .await?
                .find_grant(gid)
                .await?
                .is_some_and(|g| g.revoked_at.is_none() && g.expires_at > now);
            if !live {
                return Ok(inactive);
            }
        }
        let mut out = json!({ "active": true, "token_type": "Bearer" });
        for key in [
            "iss",
            "sub",
            "aud",
            "client_id",
            "scope",
            "exp",
            "iat",
            "jti",
            "auth_time",
            "acr",
            "amr",
            "sid",
        ] {
            if let Some(v) = claims.get(key).filter(|v| !v.is_null()) {
                out[key] = v.clone();
            }
        }
        Ok(out)
    }

    /// RFC 7009: revokes the grant behind a refresh token or user access token of the calling client
    /// (its whole family). Unknown tokens and other clients' tokens change nothing, and the answer is
    /// the same.
    pub async fn revoke(&self, token: &str, auth: &ClientAuth, client: &Client) -> Result<(), OidcError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let caller = self.authenticate_client(&mut tx, auth).await?;
        let grant_id = if let Ok(plain) = PlainToken::parse(TokenKind::Refresh, token) {
            match tx.find_refresh_token(&plain.hash()).await? {
                Redeemed::Fresh(r) | Redeemed::Reused(r) => Some(r.grant_id),
                Redeemed::Unknown => None,
            }
        } else {
            match self.verify_jwt(token, false).await {
                Ok(claims) if claims.get("client_id").and_then(Value::as_str) == Some(caller.id.as_str()) => {
                    claims.get("gid").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            }
        };
        let Some(grant) = (match grant_id {
            Some(id) => tx.find_grant(&id).await?,
            None => None,
        }) else {
            return Ok(());
        };
        if grant.client_id != caller.id {
            return Ok(());
        }
        if tx.revoke_grant(&grant.id, now, "revoked_by_client").await? {
            let detail = json!({ "client_id": caller.id, "grant": grant.id });
            tx.append_audit(&event(
                now,
                "oidc_token_revoked",
                None,
                Some(grant.user_id),
                None,
                client,
                detail,
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
