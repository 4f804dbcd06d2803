//! The authorization endpoint: a request checked, answered at once or kept while the user logs in,
//! steps up to a security key or consents; the code that ends it.

use portcullis_core::oidc::{
    self, Acr, AuthorizeError, AuthorizeParams, AuthorizeRequest, NextStep, RedirectRefusal, SessionFacts, lifetimes,
    next_step,
};
use portcullis_core::{LoginStage, PlainToken, TokenHash, TokenKind, UnixTime};
use portcullis_store::Tx;
use portcullis_store::oidc::{ClientRecord, CodeRecord, GrantRecord};
use serde_json::json;

use super::*;
use crate::app::login::CurrentSession;
use crate::app::{App, AppError, Client, random};

/// What the authorization endpoint does with a request.
#[derive(Debug)]
pub enum Authorize {
    /// The request cannot be trusted with a redirect: show an error page.
    Refused(RedirectRefusal),
    /// Send the browser to the service (with a code or an error).
    Redirect(String),
    /// Keep the request (its handle goes in a cookie) while the user does `Interaction`.
    Interact { handle: PlainToken, next: Interaction },
    /// The request is gone: expired, or answered in another tab.
    Gone,
}

/// What the user must do before the service gets its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    /// Log in (again); `hint` is the service's `login_hint`.
    Login {
        hint: Option<String>,
    },
    StepUp,
    NoKey {
        client_name: String,
    },
    Consent {
        client_name: String,
        scopes: Vec<String>,
    },
}

impl App {
    fn error_redirect(&self, request_uri: &str, state: Option<&str>, err: &AuthorizeError) -> Result<String, AppError> {
        let issuer = self.issuer();
        with_params(
            request_uri,
            &[
                ("error", Some(err.code)),
                ("error_description", Some(&err.description)),
                ("state", state),
                ("iss", Some(&issuer)),
            ],
        )
    }

    /// The authorization endpoint: checks the request and answers at once when it can (a session of
    /// the right strength, or `prompt=none`); otherwise keeps it for after the login.
    pub async fn authorize(
        &self,
        params: &AuthorizeParams,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some(client_id) = params.client_id.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(Authorize::Refused(RedirectRefusal::NoClient));
        };
        let now = self.now();
        let Some(service) = self
            .store
            .read()
            .await?
            .find_client(client_id)
            .await?
            .filter(|c| c.enabled)
        else {
            return Ok(Authorize::Refused(RedirectRefusal::UnknownClient));
        };
        let policy = policy(&service);
        let redirect_uri = match oidc::check_redirect(&policy, params.redirect_uri.as_deref()) {
            Ok(uri) => uri,
            Err(refusal) => return Ok(Authorize::Refused(refusal)),
        };
        let request = match oidc::check_request(&policy, client_id, redirect_uri, params, now) {
            Ok(request) => request,
            Err(err) => {
                self.audit_refusal(None, client_id, "authorize", err.code, client)
                    .await?;
                return Ok(Authorize::Redirect(self.error_redirect(
                    redirect_uri,
                    params.state.as_deref(),
                    &err,
                )?));
            }
        };
        self.answer(&service, request, None, session, client).await
    }

    /// After the login (or a step of it): the request kept under `handle` is looked at again.
    pub async fn resume_authorization(
        &self,
        handle: &str,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some((hash, request, service)) = self.waiting_request_and_client(handle).await? else {
            return Ok(Authorize::Gone);
        };
        self.answer(&service, request, Some((hash, handle)), session, client)
            .await
    }

    /// A waiting request and its (enabled) service, read together.
    async fn waiting_request_and_client(
        &self,
        handle: &str,
    ) -> Result<Option<(TokenHash, AuthorizeRequest, ClientRecord)>, AppError> {
        let mut tx = self.store.read().await?;
        let Some((hash, request)) = waiting_in(&mut tx, handle, self.now()).await? else {
            return Ok(None);
        };
        let service = tx.find_client(&request.client_id).await?.filter(|c| c.enabled);
        Ok(service.map(|service| (hash, request, service)))
    }

    async fn waiting_request(&self, handle: &str) -> Result<Option<(TokenHash, AuthorizeRequest)>, AppError> {
        waiting_in(&mut self.store.read().await?, handle, self.now()).await
    }

    /// Decides and acts: a code, an error for the service, or an interaction with the user.
    async fn answer(
        &self,
        service: &ClientRecord,
        request: AuthorizeRequest,
        kept: Option<(TokenHash, &str)>,
        session: Option<&CurrentSession>,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let now = self.now();
        let step = self.next_step_for(service, &request, session, now).await?;
        if step == NextStep::Issue
            && let Some(session) = session
        {
            let mut tx = self.store.begin().await?;
            if let Some((hash, _)) = &kept
                && !tx.delete_auth_request(hash).await?
            {
                return Ok(Authorize::Gone);
            }
            let url = self
                .issue_code(&mut tx, service, &request, session, client, now)
                .await?;
            tx.commit().await?;
            return Ok(Authorize::Redirect(url));
        }
        if request.prompt.none {
            let code = step.silent_error().unwrap_or("login_required");
            let err = AuthorizeError::new(code, "the user must interact with Portcullis first");
            if let Some((hash, _)) = &kept {
                let mut tx = self.store.begin().await?;
                tx.delete_auth_request(hash).await?;
                tx.commit().await?;
            }
            return Ok(Authorize::Redirect(self.error_redirect(
                &request.redirect_uri,
                request.state.as_deref(),
                &err,
            )?));
        }
        let next = match step {
            NextStep::Login | NextStep::Issue => Interaction::Login {
                hint: request.login_hint.clone(),
            },
            NextStep::StepUpWithKey => Interaction::StepUp,
            NextStep::NoKey => Interaction::NoKey {
                client_name: service.name.clone(),
            },
            NextStep::Consent => Interaction::Consent {
                client_name: service.name.clone(),
                scopes: request.scope.iter().map(str::to_owned).collect(),
            },
        };
        let handle = match kept {
            Some((_, handle)) => {
                PlainToken::parse(TokenKind::AuthRequest, handle).map_err(|_| AppError::Internal("handle".into()))?
            }
            None => {
                let handle = random::token(TokenKind::AuthRequest)?;
                let params = serde_json::to_string(&request).map_err(|e| AppError::Internal(e.to_string()))?;
                let mut tx = self.store.begin().await?;
                tx.insert_auth_request(
                    &handle.hash(),
                    &service.id,
                    &params,
                    now,
                    now.plus_secs(lifetimes::REQUEST),
                )
                .await?;
                tx.commit().await?;
                handle
            }
        };
        Ok(Authorize::Interact { handle, next })
    }

    async fn next_step_for(
        &self,
        service: &ClientRecord,
        request: &AuthorizeRequest,
        session: Option<&CurrentSession>,
        now: UnixTime,
    ) -> Result<NextStep, AppError> {
        let Some(session) = session.filter(|s| s.stage == LoginStage::Authenticated) else {
            return Ok(next_step(request, None, false, now));
        };
        let (mut has_key, mut consent_needed) = (false, false);
        // Most services need neither fact: then no database round trip.
        if request.acr == Acr::Phr || service.consent {
            let mut tx = self.store.read().await?;
            has_key = request.acr == Acr::Phr && tx.mfa_summary(session.user.id).await?.keys > 0;
            consent_needed = service.consent
                && !tx
                    .find_consent(session.user.id, &service.id)
                    .await?
                    .is_some_and(|given| request.scope.within(&given));
        }
        let facts = SessionFacts {
            authenticated: true,
            auth_time: session.created_at,
            amr: session.amr.clone(),
            has_key,
        };
        Ok(next_step(request, Some(&facts), consent_needed, now))
    }

    /// The user's answer on the consent page.
    pub async fn answer_consent(
        &self,
        handle: &str,
        session: &CurrentSession,
        allow: bool,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let Some((hash, request)) = self.waiting_request(handle).await? else {
            return Ok(Authorize::Gone);
        };
        if !allow {
            return self
                .deny(hash, &request, "access_denied", "the user declined", client)
                .await;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let given = tx
            .find_consent(session.user.id, &request.client_id)
            .await?
            .unwrap_or_default();
        tx.save_consent(session.user.id, &request.client_id, &given.union(&request.scope), now)
            .await?;
        let detail = json!({ "client_id": request.client_id, "scope": request.scope.to_string() });
        tx.append_audit(&crate::app::own_event(
            session,
            now,
            "oidc_consent_given",
            client,
            detail,
        ))
        .await?;
        tx.commit().await?;
        self.resume_authorization(handle, Some(session), client).await
    }

    /// The user gave up (declined consent, or has no security key): the service hears `access_denied`.
    pub async fn cancel_authorization(&self, handle: &str, client: &Client) -> Result<Authorize, AppError> {
        let Some((hash, request)) = self.waiting_request(handle).await? else {
            return Ok(Authorize::Gone);
        };
        self.deny(hash, &request, "access_denied", "the user cancelled", client)
            .await
    }

    async fn deny(
        &self,
        hash: TokenHash,
        request: &AuthorizeRequest,
        code: &'static str,
        why: &str,
        client: &Client,
    ) -> Result<Authorize, AppError> {
        let mut tx = self.store.begin().await?;
        if !tx.delete_auth_request(&hash).await? {
            return Ok(Authorize::Gone);
        }
        tx.commit().await?;
        self.audit_refusal(None, &request.client_id, "authorize", code, client)
            .await?;
        let err = AuthorizeError::new(code, why);
        Ok(Authorize::Redirect(self.error_redirect(
            &request.redirect_uri,
            request.state.as_deref(),
            &err,
        )?))
    }

    /// Creates the grant and its code in `tx`; returns the redirect to the service.
    async fn issue_code(
        &self,
        tx: &mut Tx,
        service: &ClientRecord,
        request: &AuthorizeRequest,
        session: &CurrentSession,
        client: &Client,
        now: UnixTime,
    ) -> Result<String, AppError> {
        let acr = Acr::of(&session.amr).ok_or(AppError::WrongStage)?;
        let grant = GrantRecord {
            id: new_id()?,
            client_id: service.id.clone(),
            user_id: session.user.id,
            sid: session.sid.clone(),
            scope: request.scope.clone(),
            amr: session.amr.clone(),
            acr,
            auth_time: session.created_at,
            created_at: now,
            expires_at: now.plus_secs(service.refresh_max_ttl),
            revoked_at: None,
        };
        tx.insert_grant(&grant).await?;
        let code = random::token(TokenKind::AuthCode)?;
        tx.insert_code(
            &code.hash(),
            &CodeRecord {
                grant_id: grant.id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                nonce: request.nonce.clone(),
                created_at: now,
                expires_at: now.plus_secs(lifetimes::CODE),
            },
        )
        .await?;
        let detail = json!({ "client_id": service.id, "client": service.name, "acr": acr.as_str() });
        tx.append_audit(&crate::app::own_event(session, now, "oidc_login", client, detail))
            .await?;
        let issuer = self.issuer();
        with_params(
            &request.redirect_uri,
            &[
                ("code", Some(code.expose())),
                ("state", request.state.as_deref()),
                ("iss", Some(&issuer)),
            ],
        )
    }
}

/// The request kept under a browser's handle, if it is well-formed, known and not expired.
async fn waiting_in(
    tx: &mut Tx,
    handle: &str,
    now: UnixTime,
) -> Result<Option<(TokenHash, AuthorizeRequest)>, AppError> {
    let Ok(token) = PlainToken::parse(TokenKind::AuthRequest, handle) else {
        return Ok(None);
    };
    let hash = token.hash();
    let Some(params) = tx.find_auth_request(&hash, now).await? else {
        return Ok(None);
    };
    let request: AuthorizeRequest =
        serde_json::from_str(&params).map_err(|e| AppError::Internal(format!("stored request: {e}")))?;
    Ok(Some((hash, request)))
}
