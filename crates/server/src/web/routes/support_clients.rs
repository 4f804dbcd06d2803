//! `/support/clients…`: customer service lists, registers and edits the services (OpenID Connect
//! clients) and replaces a confidential service's secret. The use cases ([`crate::app::support_clients`])
//! check that the actor is customer service; these handlers only turn forms into settings and back.
//! A secret is rendered once, in the answer to the POST that made it: never in a URL, a redirect or a log.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use portcullis_core::oidc::{Scopes, SigningAlg};
use portcullis_store::oidc::ClientRecord;
use serde::Deserialize;

use super::profile::logged_in;
use super::{Empty, form_message, see_other};
use crate::app::AppError;
use crate::app::clients::ClientSettings;
use crate::app::login::CurrentSession;
use crate::i18n::Tr;
use crate::web::AppState;
use crate::web::context::Ctx;
use crate::web::error::WebError;
use crate::web::forms::Form;
use crate::web::views::{ClientFields, ClientRow, CreatedClient, SupportClientView, SupportClientsView, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/support/clients", get(view_clients).post(view_clients_post))
        .route("/support/clients/{id}", get(view_client).post(view_client_post))
        .route("/support/clients/{id}/secret", post(view_secret_post))
}

/// The register form; checkboxes are absent when not ticked.
#[derive(Deserialize, Default)]
struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    public: Option<String>,
    require_key: Option<String>,
}

async fn clients_view(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    form: &RegisterForm,
    created: Option<CreatedClient>,
    error: Option<String>,
) -> Result<SupportClientsView, WebError> {
    let clients = state.app.support_clients(session).await?;
    Ok(SupportClientsView {
        page: ctx.page(state),
        rows: clients
            .iter()
            .map(|c| ClientRow {
                id: c.id.clone(),
                name: c.name.clone(),
                public: c.is_public(),
                require_key: c.require_key,
                redirect_uris: c.redirect_uris.clone(),
                enabled: c.enabled,
            })
            .collect(),
        name: form.name.clone(),
        redirect_uris: form.redirect_uris.clone(),
        public: form.public.is_some(),
        require_key: form.require_key.is_some(),
        created,
        error,
    })
}

async fn view_clients(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let view = clients_view(&state, &ctx, session, &RegisterForm::default(), None, None).await?;
    Ok(render(StatusCode::OK, &view))
}

async fn view_clients_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let mut settings = ClientSettings::new(&form.name, lines(&form.redirect_uris));
    settings.require_key = form.require_key.is_some();
    let public = form.public.is_some();
    match state
        .app
        .support_add_client(session, settings, public, &ctx.client)
        .await
    {
        Ok(new) => {
            let created = CreatedClient {
                id: new.client.id.clone(),
                name: new.client.name.clone(),
                secret: new.secret.as_ref().map(|s| s.expose().to_owned()),
            };
            let empty = RegisterForm::default();
            let view = clients_view(&state, &ctx, session, &empty, Some(created), None).await?;
            Ok(render(StatusCode::OK, &view))
        }
        Err(err @ AppError::ClientSettings(_)) => {
            let error = Some(settings_message(&ctx.tr, &err, &state));
            let view = clients_view(&state, &ctx, session, &form, None, error).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(err) => Err(err.into()),
    }
}

/// The edit form: every setting as typed (checkboxes absent when not ticked).
#[derive(Deserialize, Default)]
struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_uris: String,
    #[serde(default)]
    backchannel_logout_uri: String,
    #[serde(default)]
    scopes: String,
    require_key: Option<String>,
    #[serde(default)]
    signing_alg: String,
    consent: Option<String>,
    #[serde(default)]
    access_ttl: String,
    #[serde(default)]
    refresh_idle_ttl: String,
    #[serde(default)]
    refresh_max_ttl: String,
    enabled: Option<String>,
}

impl EditForm {
    fn fields(&self) -> ClientFields {
        ClientFields {
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_uris: self.post_logout_uris.clone(),
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            scopes: self.scopes.clone(),
            require_key: self.require_key.is_some(),
            signing_alg: self.signing_alg.clone(),
            consent: self.consent.is_some(),
            access_ttl: self.access_ttl.clone(),
            refresh_idle_ttl: self.refresh_idle_ttl.clone(),
            refresh_max_ttl: self.refresh_max_ttl.clone(),
            enabled: self.enabled.is_some(),
        }
    }

    /// The settings typed, or the translated message of the first field that cannot be read.
    fn settings(&self, tr: &Tr) -> Result<ClientSettings, String> {
        let signing_alg = SigningAlg::parse(self.signing_alg.trim()).map_err(|_| tr.t("clients-error-alg"))?;
        let scopes = Scopes::parse(self.scopes.trim()).map_err(|e| tr.t1("clients-error-scopes", "scope", &e.0))?;
        let ttl = |text: &str, label: &str| {
            humantime::parse_duration(text.trim())
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok())
                .ok_or_else(|| tr.t1("clients-error-duration", "field", &tr.t(label)))
        };
        let backchannel = self.backchannel_logout_uri.trim();
        Ok(ClientSettings {
            name: self.name.clone(),
            redirect_uris: lines(&self.redirect_uris),
            post_logout_uris: lines(&self.post_logout_uris),
            backchannel_logout_uri: (!backchannel.is_empty()).then(|| backchannel.to_owned()),
            scopes,
            require_key: self.require_key.is_some(),
            signing_alg,
            consent: self.consent.is_some(),
            access_ttl: ttl(&self.access_ttl, "clients-access-ttl")?,
            refresh_idle_ttl: ttl(&self.refresh_idle_ttl, "clients-refresh-idle-ttl")?,
            refresh_max_ttl: ttl(&self.refresh_max_ttl, "clients-refresh-max-ttl")?,
            enabled: self.enabled.is_some(),
        })
    }
}

/// The non-empty lines of a text area, trimmed: one URI per line.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A lifetime in seconds as the form shows it ("5m", "12h", "1day").
fn duration(secs: i64) -> String {
    humantime::format_duration(Duration::from_secs(secs.max(0).unsigned_abs())).to_string()
}

fn fields_of(c: &ClientRecord) -> ClientFields {
    ClientFields {
        name: c.name.clone(),
        redirect_uris: c.redirect_uris.join("\n"),
        post_logout_uris: c.post_logout_uris.join("\n"),
        backchannel_logout_uri: c.backchannel_logout_uri.clone().unwrap_or_default(),
        scopes: c.scopes.to_string(),
        require_key: c.require_key,
        signing_alg: c.signing_alg.as_str().to_owned(),
        consent: c.consent,
        access_ttl: duration(c.access_ttl),
        refresh_idle_ttl: duration(c.refresh_idle_ttl),
        refresh_max_ttl: duration(c.refresh_max_ttl),
        enabled: c.enabled,
    }
}

/// What is wrong with the settings: the rule the use case names (in English; it comes from the app
/// layer) after a translated lead.
fn settings_message(tr: &Tr, err: &AppError, state: &AppState) -> String {
    match err {
        AppError::ClientSettings(problem) => tr.t1("clients-invalid", "problem", problem),
        other => form_message(tr, other, state.app.now()),
    }
}

/// The edit page of a service; `fields` are what was typed, or the stored settings when `None`.
async fn client_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: &str,
    fields: Option<ClientFields>,
    outcome: Outcome,
) -> Result<SupportClientView, WebError> {
    let client = state.app.support_client(session, id).await?;
    let (secret, notice, error) = match outcome {
        Outcome::None => (None, None, None),
        Outcome::Notice(notice) => (None, Some(notice), None),
        Outcome::Error(error) => (None, None, Some(error)),
        Outcome::Secret(secret) => (Some(secret), None, None),
    };
    Ok(SupportClientView {
        page: ctx.page(state),
        id: client.id.clone(),
        public: client.is_public(),
        fields: fields.unwrap_or_else(|| fields_of(&client)),
        algs: SigningAlg::ALL.map(SigningAlg::as_str),
        secret,
        notice,
        error,
    })
}

enum Outcome {
    None,
    Notice(String),
    Error(String),
    Secret(String),
}

async fn view_client(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let view = client_page(&state, &ctx, session, &id, None, Outcome::None).await?;
    Ok(render(StatusCode::OK, &view))
}

async fn view_client_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let refused = match form.settings(&ctx.tr) {
        Err(message) => message,
        Ok(settings) => match state
            .app
            .support_update_client(session, &id, settings, &ctx.client)
            .await
        {
            Ok(_) => {
                let notice = Outcome::Notice(ctx.tr.t("clients-saved"));
                let view = client_page(&state, &ctx, session, &id, None, notice).await?;
                return Ok(render(StatusCode::OK, &view));
            }
            Err(err @ AppError::ClientSettings(_)) => settings_message(&ctx.tr, &err, &state),
            Err(err) => return Err(err.into()),
        },
    };
    // Refused: the form again with what was typed, and why.
    let view = client_page(&state, &ctx, session, &id, Some(form.fields()), Outcome::Error(refused)).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

async fn view_secret_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(Empty {}): Form<Empty>,
) -> Result<Response, WebError> {
    let session = match logged_in(&ctx) {
        Ok(session) => session,
        Err(path) => return Ok(see_other(path)),
    };
    let secret = state
        .app
        .support_replace_client_secret(session, &id, &ctx.client)
        .await?;
    let outcome = Outcome::Secret(secret.expose().to_owned());
    let view = client_page(&state, &ctx, session, &id, None, outcome).await?;
    Ok(render(StatusCode::OK, &view))
}
