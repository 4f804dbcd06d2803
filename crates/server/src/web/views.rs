//! The askama templates' types (`templates/*.html`). Templates are typed and auto-escaped; every
//! visible text comes from the message catalogues through `page.tr`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::context::Ctx;
use super::error::ErrorPage;
use super::i18n::Tr;

/// What the layout (`base.html`) needs on every page.
#[derive(Clone)]
pub struct Page {
    pub tr: Tr,
    pub csrf: String,
    pub service_name: String,
    pub user_name: Option<String>,
    pub lang: &'static str,
    /// The current path, for the language links to come back to.
    pub path: String,
    /// The menu: shown to fully logged-in users; the organization's pages to its administrators.
    pub menu: bool,
    pub admin_menu: bool,
    pub support_menu: bool,
}

/// Renders a template with a status; a template that fails to render is a bug, logged as such.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginView {
    pub page: Page,
    pub email: String,
    pub error: Option<String>,
    /// What just happened (e.g. "your MFA was reset, log in to set it up again").
    pub notice: Option<String>,
    /// Link to self-registration (when it is open).
    pub register: bool,
}

/// `/register`: the form, the "check your email" answer, or "registration is closed".
#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterView {
    pub page: Page,
    pub state: RegisterState,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterState {
    Form,
    Sent,
    Closed,
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationView {
    pub page: Page,
    pub token: String,
    pub title: String,
    pub intro: String,
    pub role: Option<String>,
    pub ask_email: bool,
    pub email: String,
    pub display_name: String,
    pub error: Option<String>,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "mfa_setup.html")]
pub struct MfaSetupView {
    pub page: Page,
    /// A logged-in user adding a method (not the first setup): "Finish" goes back to the profile.
    pub adding: bool,
    /// An authenticator app is verified (its green check).
    pub app_done: bool,
    /// The security keys registered so far (a key's green check).
    pub keys: Vec<KeyView>,
    pub error: Option<String>,
    /// A service waits for this login (it asked for a security key): the way back to it.
    pub service_waiting: bool,
}

/// A registered security key as pages show it.
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub model: Option<String>,
    pub added: String,
}

impl KeyView {
    pub fn of(key: &portcullis_store::security_keys::SecurityKeyRecord) -> KeyView {
        KeyView {
            id: key.id.to_string(),
            name: key.name.clone(),
            model: key.model.clone(),
            added: crate::web::routes::format_utc(key.created_at.0),
        }
    }
}

/// The security-key box (`key_box.html`): where its script gets options and posts the key's answer.
pub struct KeyBox {
    pub mode: &'static str,
    pub start_url: String,
    pub finish_url: String,
    pub button: String,
    /// The message key for a ceremony the browser ended without an answer (it mentions the PIN when
    /// keys must have one: a key without a PIN ends the same way).
    pub cancelled: &'static str,
}

impl KeyBox {
    pub fn cancelled_message(pin_required: bool) -> &'static str {
        if pin_required {
            "key-msg-cancelled-pin"
        } else {
            "key-msg-cancelled"
        }
    }
}

#[derive(Template)]
#[template(path = "mfa_key.html")]
pub struct KeySetupView {
    pub page: Page,
    pub keys: Vec<KeyView>,
    pub key_box: KeyBox,
    pub pin_required: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_app_phone.html")]
pub struct PhoneView {
    pub page: Page,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_app.html")]
pub struct AppSetupView {
    pub page: Page,
    pub id: String,
    pub get_app: String,
    pub qr: String,
    pub groups: Vec<String>,
    pub secret: String,
    pub issuer: String,
    pub account: String,
    pub uri: String,
    pub mobile: bool,
    pub error: Option<String>,
    pub clock_help: bool,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "mfa_challenge.html")]
pub struct ChallengeView {
    pub page: Page,
    pub error: Option<String>,
    pub clock_help: bool,
    /// "app" (the code form) or "key" (the security-key box).
    pub method: &'static str,
    pub has_app: bool,
    pub has_key: bool,
    /// A logged-in user confirming it is them before an MFA change (not a login).
    pub recheck: bool,
    /// Where to go back to after the check (a name for `next_path`), or empty.
    pub next: String,
    pub key_box: KeyBox,
}

/// The QR page of an app being set up.
pub fn app_setup_view(
    state: &AppState,
    ctx: &Ctx,
    enrollment: &crate::app::totp::AppEnrollment,
    error: Option<(String, bool)>,
) -> Result<AppSetupView, super::error::WebError> {
    use portcullis_core::totp::Phone;
    let page = ctx.page(state);
    let get_app = page.tr.t(match enrollment.phone {
        Phone::Android => "app-get-android",
        Phone::Iphone => "app-get-iphone",
        Phone::Other => "app-get-other",
    });
    let qr = super::qr::png_data_uri(&enrollment.uri).map_err(|e| super::error::WebError::Internal(e.to_string()))?;
    let mobile = ctx
        .client
        .user_agent
        .as_deref()
        .is_some_and(|ua| ["Mobi", "Android", "iPhone", "iPad"].iter().any(|m| ua.contains(m)));
    let expires = page.tr.t1(
        "app-expires",
        "when",
        &super::routes::format_utc(enrollment.expires_at.0),
    );
    let (error, clock_help) = match error {
        Some((message, clock)) => (Some(message), clock),
        None => (None, false),
    };
    Ok(AppSetupView {
        id: enrollment.id.to_string(),
        get_app,
        qr,
        groups: enrollment.secret.grouped(),
        secret: enrollment.secret.to_base32(),
        issuer: enrollment.issuer.clone(),
        account: enrollment.account.clone(),
        uri: enrollment.uri.clone(),
        mobile,
        error,
        clock_help,
        expires,
        page,
    })
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomeView {
    pub page: Page,
    pub signed_in: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub page: Page,
    pub message: String,
    pub reference: String,
}

pub fn error_page(state: &AppState, ctx: &Ctx, status: StatusCode, error: &ErrorPage) -> Response {
    let page = ctx.page(state);
    let message = match error.retry_at {
        Some(retry_at) => {
            let wait = page.tr.wait(state.app.now().secs_until(retry_at));
            page.tr.t1(error.message, "wait", &wait)
        }
        None => page.tr.t(error.message),
    };
    let reference = page.tr.t1("request-id", "id", &ctx.request_id);
    render(
        status,
        &ErrorView {
            page,
            message,
            reference,
        },
    )
}

/// One MFA method on the profile.
pub struct MethodRow {
    /// "app" or "key" (the remove form's `kind`).
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub model: Option<String>,
    pub added: String,
    pub last_used: String,
}

/// One of the user's sessions on the profile.
pub struct SessionRow {
    pub handle: String,
    pub current: bool,
    pub device: String,
    pub ip: String,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfileView {
    pub page: Page,
    pub name: String,
    pub email: String,
    pub org: Option<String>,
    pub role: String,
    pub methods: Vec<MethodRow>,
    /// More than one method: each can be removed (the last one only by a reset).
    pub can_remove: bool,
    /// Keys can be renamed (on the key page).
    pub has_keys: bool,
    /// Who resets a lost phone: the administrator, or customer service (main administrators, individuals).
    pub lost_hint: &'static str,
    pub sessions: Vec<SessionRow>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "profile_reset.html")]
pub struct ResetView {
    pub page: Page,
}

#[derive(Template)]
#[template(path = "profile_password.html")]
pub struct PasswordView {
    pub page: Page,
    pub error: Option<String>,
    pub done: bool,
}

/// One bar of the dashboard's chart (server-rendered SVG: no script, nothing inline but attributes).
pub struct Bar {
    pub label: String,
    pub count: i64,
    /// Bar length in the chart's units (0–200).
    pub width: i64,
    pub y: i64,
    pub text_y: i64,
    pub count_x: i64,
}

impl Bar {
    /// Bars for `(label, count)` pairs, scaled to the largest count.
    pub fn chart(values: &[(String, i64)]) -> Vec<Bar> {
        let max = values.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        values
            .iter()
            .enumerate()
            .map(|(i, (label, count))| {
                let width = count * 200 / max;
                let y = i as i64 * 28;
                Bar {
                    label: label.clone(),
                    count: *count,
                    width,
                    y: y + 4,
                    text_y: y + 19,
                    count_x: 110 + width + 6,
                }
            })
            .collect()
    }
}

/// An audit event as a table row.
pub struct AuditRow {
    pub at: String,
    pub kind: String,
    pub kind_label: String,
    pub actor: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "org_dashboard.html")]
pub struct DashboardView {
    pub page: Page,
    pub org: String,
    pub with_mfa: i64,
    pub active: i64,
    pub open_invitations: i64,
    pub bars: Vec<Bar>,
    pub chart_height: i64,
    pub recent: Vec<AuditRow>,
}

/// A member in the organization's user list.
pub struct MemberListRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub status: String,
    pub mfa: String,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "org_members.html")]
pub struct MembersView {
    pub page: Page,
    pub q: String,
    pub page_no: i64,
    pub more: bool,
    pub may_invite_admins: bool,
    pub members: Vec<MemberListRow>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "org_member.html")]
pub struct MemberView {
    pub page: Page,
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub status: String,
    pub mfa: String,
    pub keys: Vec<String>,
    /// After a reset: the deadline to set up MFA again.
    pub enroll_by: Option<String>,
    pub invited: bool,
    pub invitation_open: bool,
    pub disabled: bool,
    pub is_self: bool,
    pub is_main_admin: bool,
    /// The role the main administrator can switch this member to: (value, button text).
    pub role_choice: Option<(&'static str, String)>,
    pub may_hand_over: bool,
    pub events: Vec<AuditRow>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "org_audit.html")]
pub struct AuditView {
    pub page: Page,
    /// (kind, label) choices for the filter.
    pub kinds: Vec<(String, String)>,
    /// (user id, email) choices for the filter.
    pub users: Vec<(String, String)>,
    pub user: String,
    pub kind: String,
    pub from: String,
    pub until: String,
    pub rows: Vec<AuditRow>,
    pub export_query: String,
    pub next_page: Option<String>,
}

/// The rows `audit_table.html` shows, whichever page includes it.
trait AuditRows {
    fn rows_or_recent(&self) -> &[AuditRow];
}

impl AuditRows for DashboardView {
    fn rows_or_recent(&self) -> &[AuditRow] {
        &self.recent
    }
}

impl AuditRows for MemberView {
    fn rows_or_recent(&self) -> &[AuditRow] {
        &self.events
    }
}

impl AuditRows for AuditView {
    fn rows_or_recent(&self) -> &[AuditRow] {
        &self.rows
    }
}

#[derive(Template)]
#[template(path = "org_reset.html")]
pub struct ConfirmResetView {
    pub page: Page,
    pub id: String,
    pub email: String,
    /// The sentence about the enrollment window.
    pub window: String,
}

/// A user found by the customer-service search.
pub struct FoundRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub org: String,
    pub role: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "support_search.html")]
pub struct SupportSearchView {
    pub page: Page,
    pub q: String,
    pub page_no: i64,
    pub more: bool,
    pub rows: Vec<FoundRow>,
}

#[derive(Template)]
#[template(path = "support_user.html")]
pub struct SupportUserView {
    pub page: Page,
    pub id: String,
    pub email: String,
    pub name: String,
    pub org: Option<String>,
    pub role: String,
    pub status: String,
    pub last_login: String,
    pub enroll_by: Option<String>,
    pub methods: Vec<MethodRow>,
    pub password_throttle: String,
    pub second_factor_throttle: String,
    pub throttled: bool,
    pub invited: bool,
    pub disabled: bool,
    pub is_self: bool,
    /// (when, event, ip)
    pub events: Vec<(String, String, String)>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "support_reset.html")]
pub struct SupportResetView {
    pub page: Page,
    pub id: String,
    pub email: String,
    pub reason: String,
    pub ticket: String,
    pub error: Option<String>,
}

/// An organization in the console's list.
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub members: i64,
    pub main_admin: String,
}

#[derive(Template)]
#[template(path = "support_orgs.html")]
pub struct SupportOrgsView {
    pub page: Page,
    pub orgs: Vec<OrgRow>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// One API token on `/org/tokens`.
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub expires: String,
    pub last_used: String,
    pub state: String,
    pub live: bool,
}

/// A scope's checkbox: the form field, the code and what it allows.
pub struct ScopeChoice {
    pub field: &'static str,
    pub code: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "org_tokens.html")]
pub struct TokensView {
    pub page: Page,
    pub tokens: Vec<TokenRow>,
    pub scopes: Vec<ScopeChoice>,
    /// The plain token, on the answer to its creation only.
    pub new_token: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "oidc_consent.html")]
pub struct ConsentView {
    pub page: Page,
    pub intro: String,
    /// What each asked scope lets the service read, in words.
    pub scopes: Vec<String>,
}

#[derive(Template)]
#[template(path = "oidc_needs_key.html")]
pub struct NeedsKeyView {
    pub page: Page,
    pub text: String,
    pub continue_text: String,
}

/// The way back to a service after a form: a page that moves on by itself (a redirect straight
/// from a form post would be blocked by the pages' `form-action 'self'` policy).
#[derive(Template)]
#[template(path = "oidc_return.html")]
pub struct ReturnView {
    pub page: Page,
    pub url: String,
}

#[derive(Template)]
#[template(path = "oidc_logout.html")]
pub struct LogoutView {
    pub page: Page,
    /// The confirmation form's hidden fields; `None` once logged out.
    pub confirm: Option<LogoutFields>,
    pub question: String,
}

pub struct LogoutFields {
    pub id_token_hint: String,
    pub post_logout_redirect_uri: String,
    pub state: String,
    pub client_id: String,
}

/// `/support/clients`: the services, the register form (what was typed), and a service just registered.
#[derive(Template)]
#[template(path = "support_clients.html")]
pub struct SupportClientsView {
    pub page: Page,
    pub rows: Vec<ClientRow>,
    pub name: String,
    pub redirect_uris: String,
    pub public: bool,
    pub require_key: bool,
    pub created: Option<CreatedClient>,
    pub error: Option<String>,
}

/// One service in the console's list.
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub public: bool,
    pub require_key: bool,
    pub redirect_uris: Vec<String>,
    pub enabled: bool,
}

/// A service just registered: its id and, for a confidential one, its secret — on this page only.
pub struct CreatedClient {
    pub id: String,
    pub name: String,
    pub secret: Option<String>,
}

/// `/support/clients/{id}`: every setting of a service as text fields, and a new secret shown once.
#[derive(Template)]
#[template(path = "support_client.html")]
pub struct SupportClientView {
    pub page: Page,
    pub id: String,
    pub public: bool,
    pub fields: ClientFields,
    pub algs: [&'static str; 2],
    pub secret: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// A service's settings as the edit form shows them (URIs one per line, lifetimes like "30m").
#[derive(Debug, Clone, Default)]
pub struct ClientFields {
    pub name: String,
    pub redirect_uris: String,
    pub post_logout_uris: String,
    pub backchannel_logout_uri: String,
    pub scopes: String,
    pub require_key: bool,
    pub signing_alg: String,
    pub consent: bool,
    pub access_ttl: String,
    pub refresh_idle_ttl: String,
    pub refresh_max_ttl: String,
    pub enabled: bool,
}
