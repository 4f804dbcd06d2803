//! The services that trust Portcullis (OpenID Connect clients): registered from the command line or
//! by customer service, edited in the console. Secrets are 256-bit random, shown once, stored as
//! SHA-256. Every change is audited (`oidc_client_added`, `oidc_client_changed`,
//! `oidc_client_secret_replaced`).

use portcullis_core::oidc::{self, Scopes, SigningAlg, check_lifetimes, check_registered_uri, lifetimes};
use portcullis_core::{PlainToken, TokenKind, UserId};
use portcullis_store::oidc::ClientRecord;
use serde_json::json;

use super::{App, AppError, Client, event, random};

/// What an administrator sets for a client (everything but its id and secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub name: String,
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
}

impl ClientSettings {
    /// A first-party service with the defaults: ES256, 5-minute access tokens, refresh tokens idle
    /// 30 minutes and at most 12 hours, no consent screen.
    pub fn new(name: &str, redirect_uris: Vec<String>) -> ClientSettings {
        ClientSettings {
            name: name.to_owned(),
            redirect_uris,
            post_logout_uris: Vec::new(),
            backchannel_logout_uri: None,
            scopes: Scopes::parse(oidc::DEFAULT_SCOPES).unwrap_or_default(),
            require_key: false,
            signing_alg: SigningAlg::Es256,
            consent: false,
            access_ttl: lifetimes::ACCESS_DEFAULT,
            refresh_idle_ttl: lifetimes::REFRESH_IDLE_DEFAULT,
            refresh_max_ttl: lifetimes::REFRESH_MAX_DEFAULT,
            enabled: true,
        }
    }

    /// Every rule a client's settings must meet; the message says which one failed.
    pub fn check(&self) -> Result<(), AppError> {
        let bad = |m: String| Err(AppError::ClientSettings(m));
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return bad("the name must be 1 to 100 characters".into());
        }
        if self.redirect_uris.is_empty() {
            return bad("at least one redirect URI is needed".into());
        }
        if self.redirect_uris.len() > 20 || self.post_logout_uris.len() > 20 {
            return bad("at most 20 URIs of each kind".into());
        }
        for uri in self
            .redirect_uris
            .iter()
            .chain(&self.post_logout_uris)
            .chain(&self.backchannel_logout_uri)
        {
            if let Err(e) = check_registered_uri(uri) {
                return bad(format!("{uri}: {e}"));
            }
        }
        if !self.scopes.contains(oidc::SCOPE_OPENID) {
            return bad("the scopes must include openid".into());
        }
        check_lifetimes(self.access_ttl, self.refresh_idle_ttl, self.refresh_max_ttl)
            .map_err(|m| AppError::ClientSettings(m.into()))
    }
}

/// A client just registered: its record and, for a confidential client, the secret (shown once).
#[derive(Debug)]
pub struct NewClient {
    pub client: ClientRecord,
    pub secret: Option<PlainToken>,
}

impl App {
    /// Registers a service. `actor` is the customer-service member, or `None` from the command line.
    pub async fn add_client(
        &self,
        actor: Option<UserId>,
        settings: ClientSettings,
        public: bool,
        client: &Client,
    ) -> Result<NewClient, AppError> {
        settings.check()?;
        let secret = if public {
            None
        } else {
            Some(random::token(TokenKind::ClientSecret)?)
        };
        let now = self.now();
        let record = ClientRecord {
            id: hex::encode(random::bytes::<12>()?),
            name: settings.name.trim().to_owned(),
            secret_hash: secret.as_ref().map(|s| s.hash().to_hex()),
            redirect_uris: settings.redirect_uris,
            post_logout_uris: settings.post_logout_uris,
            backchannel_logout_uri: settings.backchannel_logout_uri,
            scopes: settings.scopes,
            require_key: settings.require_key,
            signing_alg: settings.signing_alg,
            consent: settings.consent,
            access_ttl: settings.access_ttl,
            refresh_idle_ttl: settings.refresh_idle_ttl,
            refresh_max_ttl: settings.refresh_max_ttl,
            enabled: settings.enabled,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_client(&record).await?;
        let detail = json!({ "client_id": record.id, "name": record.name, "public": public });
        tx.append_audit(&event(now, "oidc_client_added", actor, None, None, client, detail))
            .await?;
        tx.commit().await?;
        Ok(NewClient { client: record, secret })
    }

    pub async fn clients(&self) -> Result<Vec<ClientRecord>, AppError> {
        Ok(self.store.read().await?.list_clients().await?)
    }

    pub async fn client(&self, id: &str) -> Result<ClientRecord, AppError> {
        self.store
            .read()
            .await?
            .find_client(id)
            .await?
            .ok_or(AppError::ClientUnknown)
    }

    /// Replaces a client's settings; the audit record names the fields that changed.
    pub async fn update_client(
        &self,
        actor: Option<UserId>,
        id: &str,
        settings: ClientSettings,
        client: &Client,
    ) -> Result<ClientRecord, AppError> {
        settings.check()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let old = tx.find_client(id).await?.ok_or(AppError::ClientUnknown)?;
        let new = ClientRecord {
            name: settings.name.trim().to_owned(),
            redirect_uris: settings.redirect_uris,
            post_logout_uris: settings.post_logout_uris,
            backchannel_logout_uri: settings.backchannel_logout_uri,
            scopes: settings.scopes,
            require_key: settings.require_key,
            signing_alg: settings.signing_alg,
            consent: settings.consent,
            access_ttl: settings.access_ttl,
            refresh_idle_ttl: settings.refresh_idle_ttl,
            refresh_max_ttl: settings.refresh_max_ttl,
            enabled: settings.enabled,
            updated_at: now,
            ..old.clone()
        };
        let changed = changed_fields(&old, &new);
        if changed.is_empty() {
            return Ok(old);
        }
        tx.update_client(&new).await?;
        let detail = json!({ "client_id": id, "name": new.name, "changed": changed });
        tx.append_audit(&event(now, "oidc_client_changed", actor, None, None, client, detail))
            .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Gives a confidential client a new secret (the old one stops at once); returns it, shown once.
    pub async fn replace_client_secret(
        &self,
        actor: Option<UserId>,
        id: &str,
        client: &Client,
    ) -> Result<PlainToken, AppError> {
        let secret = random::token(TokenKind::ClientSecret)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let old = tx.find_client(id).await?.ok_or(AppError::ClientUnknown)?;
        if old.is_public() {
            return Err(AppError::ClientSettings("a public client has no secret".into()));
        }
        tx.set_client_secret(id, Some(&secret.hash().to_hex()), now).await?;
        let detail = json!({ "client_id": id, "name": old.name });
        tx.append_audit(&event(
            now,
            "oidc_client_secret_replaced",
            actor,
            None,
            None,
            client,
            detail,
        ))
        .await?;
        tx.commit().await?;
        Ok(secret)
    }
}

/// The names of the settings that differ (for the audit record; never values that could be secret —
/// and no client setting is).
fn changed_fields(old: &ClientRecord, new: &ClientRecord) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("name", old.name != new.name);
    check("redirect_uris", old.redirect_uris != new.redirect_uris);
    check("post_logout_uris", old.post_logout_uris != new.post_logout_uris);
    check(
        "backchannel_logout_uri",
        old.backchannel_logout_uri != new.backchannel_logout_uri,
    );
    check("scopes", old.scopes != new.scopes);
    check("require_key", old.require_key != new.require_key);
    check("signing_alg", old.signing_alg != new.signing_alg);
    check("consent", old.consent != new.consent);
    check("access_ttl", old.access_ttl != new.access_ttl);
    check("refresh_idle_ttl", old.refresh_idle_ttl != new.refresh_idle_ttl);
    check("refresh_max_ttl", old.refresh_max_ttl != new.refresh_max_ttl);
    check("enabled", old.enabled != new.enabled);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let ok = ClientSettings::new("Demo", vec!["https://demo.example/cb".into()]);
        assert!(ok.check().is_ok());
        let mut bad = ok.clone();
        bad.redirect_uris = vec!["https://*.example/cb".into()];
        assert!(bad.check().is_err());
        let mut bad = ok.clone();
        bad.redirect_uris.clear();
        assert!(bad.check().is_err());
        let mut bad = ok.clone();
        bad.access_ttl = 7200;
        assert!(bad.check().is_err());
        let mut bad = ok;
        bad.scopes = Scopes::parse("email").unwrap();
        assert!(bad.check().is_err());
    }
}
