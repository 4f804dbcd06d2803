//! Who acts on a use case: a person through a logged-in session (the pages, or the API with the
//! session cookie), or an organization's API token. The organization-administration use cases
//! (`app::org`) take an [`Actor`]; a `&CurrentSession` converts into one, so the pages call them as
//! before.
//!
//! A token acts **as its creator**: the actor's user is the creator, re-read inside every use case's
//! transaction, so the creator's current role decides (and a token of a creator who was demoted,
//! disabled or left stops at authentication, see `App::api_actor`). On top of that a token is limited
//! to its scopes and to its own organization. A session has every scope.

use portcullis_core::api_token::Scope;
use portcullis_core::{ApiTokenId, LoginStage, OrgId, UserId};

use super::Client;
use super::login::CurrentSession;

/// How the actor came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A logged-in session (all scopes; at its login stage).
    Session { stage: LoginStage },
    /// An API token of `org`, limited to `scopes`; `client` is the caller, for refusals' audit.
    ApiToken {
        id: ApiTokenId,
        org: OrgId,
        scopes: Vec<Scope>,
        client: Client,
    },
}

/// The acting user and how they came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub via: Via,
}

impl Actor {
    /// Whether this actor may use `scope` (sessions always may).
    pub fn has_scope(&self, scope: Scope) -> bool {
        match &self.via {
            Via::Session { .. } => true,
            Via::ApiToken { scopes, .. } => scopes.contains(&scope),
        }
    }

    /// Whether the actor has passed the whole login (a token is authenticated by itself).
    pub fn authenticated(&self) -> bool {
        match &self.via {
            Via::Session { stage } => *stage == LoginStage::Authenticated,
            Via::ApiToken { .. } => true,
        }
    }

    /// The token this actor uses, if any.
    pub fn api_token(&self) -> Option<ApiTokenId> {
        match &self.via {
            Via::ApiToken { id, .. } => Some(*id),
            Via::Session { .. } => None,
        }
    }
}

impl From<&CurrentSession> for Actor {
    fn from(session: &CurrentSession) -> Actor {
        Actor {
            user: session.user.id,
            via: Via::Session { stage: session.stage },
        }
    }
}

impl From<&Actor> for Actor {
    fn from(actor: &Actor) -> Actor {
        actor.clone()
    }
}
