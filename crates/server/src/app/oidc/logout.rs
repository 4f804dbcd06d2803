//! Logout: revoking grants when sessions end, back-channel logout tokens (OpenID Connect Back-Channel
//! Logout 1.0) and RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

use std::collections::HashSet;

use portcullis_core::oidc::lifetimes;
use portcullis_core::{UnixTime, UserId};
use portcullis_store::Tx;
use portcullis_store::oidc::{GrantRecord, LogoutDelivery};
use serde_json::{Value, json};

use super::*;
use crate::app::login::CurrentSession;
use crate::app::{App, AppError, Client, event};

/// The `events` claim of a logout token.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

impl App {
    // ---- logout ----

    /// Revokes every grant of a user and tells the services that registered for back-channel logout
    /// (MFA reset, disable, password change, "log out everywhere"). Runs in the caller's transaction.
    pub(crate) async fn end_sso_of_user(
        &self,
        tx: &mut Tx,
        user: UserId,
        now: UnixTime,
        why: &str,
    ) -> Result<(), AppError> {
        let grants = tx.revoke_grants_of_user(user, now, why).await?;
        self.notify_logout(tx, &grants, now).await
    }

    /// Revokes the grants of one login session (its `sid`) and tells the services (logout).
    pub(crate) async fn end_sso_of_session(
        &self,
        tx: &mut Tx,
        sid: Option<&str>,
        now: UnixTime,
        why: &str,
    ) -> Result<(), AppError> {
        let Some(sid) = sid else { return Ok(()) };
        let grants = tx.revoke_grants_of_sid(sid, now, why).await?;
        self.notify_logout(tx, &grants, now).await
    }

    /// Queues one logout token per service and session among `grants`, for services with a
    /// back-channel logout URI.
    pub(super) async fn notify_logout(
        &self,
        tx: &mut Tx,
        grants: &[GrantRecord],
        now: UnixTime,
    ) -> Result<(), AppError> {
        let mut seen = HashSet::new();
        for grant in grants {
            if !seen.insert((grant.client_id.clone(), grant.sid.clone(), grant.user_id)) {
                continue;
            }
            let wants = tx
                .find_client(&grant.client_id)
                .await?
                .is_some_and(|c| c.backchannel_logout_uri.is_some());
            if wants {
                tx.enqueue_logout_delivery(&LogoutDelivery {
                    id: new_id()?,
                    client_id: grant.client_id.clone(),
                    user_id: grant.user_id,
                    sid: grant.sid.clone(),
                    created_at: now,
                    attempts: 0,
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Checks an RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0): the
    /// `id_token_hint` must be ours (it may have expired), the `post_logout_redirect_uri` registered
    /// for the client it names.
    pub async fn check_logout(&self, params: &LogoutParams) -> Result<LogoutPlan, LogoutRefusal> {
        let mut hint_sub = None;
        let mut hint_sid = None;
        let mut client_id = params.client_id.clone().filter(|c| !c.is_empty());
        if let Some(hint) = params.id_token_hint.as_deref().filter(|h| !h.is_empty()) {
            let claims = self.verify_jwt(hint, false).await.map_err(|_| LogoutRefusal::BadHint)?;
            // An ID token: not an access token (`client_id`) nor a logout token (`events`).
            if claims.get("client_id").is_some() || claims.get("events").is_some() {
                return Err(LogoutRefusal::BadHint);
            }
            let aud = match claims.get("aud") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Array(list)) => list.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
                _ => return Err(LogoutRefusal::BadHint),
            };
            if client_id.as_ref().is_some_and(|c| c != &aud) {
                return Err(LogoutRefusal::ClientMismatch);
            }
            client_id = Some(aud);
            hint_sub = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
            hint_sid = claims.get("sid").and_then(Value::as_str).map(str::to_owned);
        }
        let service = match &client_id {
            Some(id) => Some(
                self.store
                    .read()
                    .await
                    .map_err(|e| LogoutRefusal::Internal(e.into()))?
                    .find_client(id)
                    .await
                    .map_err(|e| LogoutRefusal::Internal(e.into()))?
                    .ok_or(LogoutRefusal::UnknownClient)?,
            ),
            None => None,
        };
        let redirect = match params.post_logout_redirect_uri.as_deref().filter(|u| !u.is_empty()) {
            None => None,
            Some(uri) => {
                let service = service.as_ref().ok_or(LogoutRefusal::RedirectWithoutClient)?;
                if !service.post_logout_uris.iter().any(|u| u == uri) {
                    return Err(LogoutRefusal::UnregisteredRedirect);
                }
                Some(with_params(uri, &[("state", params.state.as_deref())]).map_err(LogoutRefusal::Internal)?)
            }
        };
        Ok(LogoutPlan {
            client_name: service.map(|s| s.name),
            redirect,
            hint_sub,
            hint_sid,
        })
    }

    /// Delivers due back-channel logout tokens (a batch); returns how many were claimed.
    pub async fn deliver_logout_batch(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let due = tx.claim_due_logout_deliveries(now, now.plus_secs(60), 20).await?;
        tx.commit().await?;
        let claimed = due.len();
        for delivery in due {
            let outcome = self.post_logout_token(&delivery).await;
            let now = self.now();
            let mut tx = self.store.begin().await?;
            match outcome {
                Ok(()) => {
                    tx.mark_logout_delivered(&delivery.id, now).await?;
                }
                Err(error) => {
                    // 30 s doubling to an hour; given up a day after the logout.
                    let wait = 30i64 << delivery.attempts.clamp(0, 7);
                    let retry = (now.0 - delivery.created_at.0 < 24 * 3600).then(|| now.plus_secs(wait.min(3600)));
                    tx.mark_logout_failed(&delivery.id, now, retry, &error).await?;
                    if retry.is_none() {
                        let detail = json!({ "client_id": delivery.client_id, "error": error });
                        tx.append_audit(&event(
                            now,
                            "backchannel_logout_abandoned",
                            None,
                            Some(delivery.user_id),
                            None,
                            &Client::default(),
                            detail,
                        ))
                        .await?;
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(claimed)
    }

    async fn post_logout_token(&self, delivery: &LogoutDelivery) -> Result<(), String> {
        let service = self
            .client(&delivery.client_id)
            .await
            .map_err(|e| format!("client: {e}"))?;
        let Some(uri) = service.backchannel_logout_uri.clone() else {
            return Err("the client no longer has a back-channel logout URI".into());
        };
        let now = self.now();
        let mut claims = json!({
            "iss": self.issuer(),
            "aud": service.id,
            "iat": now.0,
            "exp": now.0 + lifetimes::LOGOUT_TOKEN,
            "jti": new_id().map_err(|e| e.to_string())?,
            "sub": delivery.user_id.to_string(),
            "events": { BACKCHANNEL_EVENT: {} },
        });
        if let Some(sid) = &delivery.sid {
            claims["sid"] = json!(sid);
        }
        let token = self
            .sign_jwt(service.signing_alg, "logout+jwt", &claims)
            .await
            .map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(uri)
            .form(&[("logout_token", token)])
            .send()
            .await
            .map_err(|e| format!("sending: {}", e.without_url()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the service answered {}", response.status().as_u16()))
        }
    }
}

/// The parameters of the end-session endpoint.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
    pub ui_locales: Option<String>,
}

/// A checked logout request.
#[derive(Debug, Clone)]
pub struct LogoutPlan {
    pub client_name: Option<String>,
    /// Where to send the browser afterwards (with `state`), if the service asked and may.
    pub redirect: Option<String>,
    hint_sub: Option<String>,
    hint_sid: Option<String>,
}

impl LogoutPlan {
    /// Whether the request names this very session (then no confirmation is needed: the service
    /// that holds its ID token asks).
    pub fn names(&self, session: &CurrentSession) -> bool {
        match (&self.hint_sid, &session.sid) {
            (Some(hint), Some(sid)) => hint == sid,
            _ => self.hint_sub.as_deref() == Some(session.user.id.to_string().as_str()),
        }
    }
}

/// Why a logout request is shown an error page instead of redirecting.
#[derive(Debug, thiserror::Error)]
pub enum LogoutRefusal {
    #[error("the id_token_hint is not an ID token from this server")]
    BadHint,
    #[error("client_id does not match the id_token_hint")]
    ClientMismatch,
    #[error("the service is not registered here")]
    UnknownClient,
    #[error("post_logout_redirect_uri needs id_token_hint or client_id")]
    RedirectWithoutClient,
    #[error("the post_logout_redirect_uri is not registered for this service")]
    UnregisteredRedirect,
    #[error(transparent)]
    Internal(AppError),
}
