//! Customer service manages the services (OpenID Connect clients) in the console. The client use cases
//! in [`super::clients`] do not check who acts (the command line calls them too); these do: each reads
//! the acting user first and passes only an active customer-service member, fully logged in with MFA
//! ([`App::support_in`]), who is then recorded as the actor in the audit log. Anyone else gets
//! [`AppError::NotSupport`].

use portcullis_core::PlainToken;
use portcullis_store::oidc::ClientRecord;

use super::clients::{ClientSettings, NewClient};
use super::login::CurrentSession;
use super::support::Support;
use super::{App, AppError, Client};

impl App {
    /// The acting user as customer service, re-read from the database (not trusted from the session).
    async fn support_of(&self, session: &CurrentSession) -> Result<Support, AppError> {
        let mut tx = self.store.read().await?;
        self.support_in(&mut tx, session).await
    }

    /// Every registered service, for the console's list.
    pub async fn support_clients(&self, session: &CurrentSession) -> Result<Vec<ClientRecord>, AppError> {
        self.support_of(session).await?;
        self.clients().await
    }

    /// One service, for its edit page.
    pub async fn support_client(&self, session: &CurrentSession, id: &str) -> Result<ClientRecord, AppError> {
        self.support_of(session).await?;
        self.client(id).await
    }

    /// Registers a service; a confidential one's secret comes back once.
    pub async fn support_add_client(
        &self,
        session: &CurrentSession,
        settings: ClientSettings,
        public: bool,
        client: &Client,
    ) -> Result<NewClient, AppError> {
        let support = self.support_of(session).await?;
        self.add_client(Some(support.actor), settings, public, client).await
    }

    /// Replaces a service's settings.
    pub async fn support_update_client(
        &self,
        session: &CurrentSession,
        id: &str,
        settings: ClientSettings,
        client: &Client,
    ) -> Result<ClientRecord, AppError> {
        let support = self.support_of(session).await?;
        self.update_client(Some(support.actor), id, settings, client).await
    }

    /// Gives a confidential service a new secret (the old one stops at once); shown once.
    pub async fn support_replace_client_secret(
        &self,
        session: &CurrentSession,
        id: &str,
        client: &Client,
    ) -> Result<PlainToken, AppError> {
        let support = self.support_of(session).await?;
        self.replace_client_secret(Some(support.actor), id, client).await
    }
}
