//! The provider as this relying party sees it: discovery, the configured `openidconnect` client, and the
//! claims Portcullis adds to its ID tokens.
//!
//! Everything here is the independent `openidconnect` crate; nothing is shared with the Portcullis code.
//! Discovery happens once at start-up, which also fetches the provider's JWKS: a provider that rotates its
//! signing key needs a restart of the demo (a real service would re-fetch on an unknown `kid`).

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, Client, ClientId, ClientSecret, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebKeySetUrl,
    ProviderMetadataWithLogout, RedirectUrl, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

/// The claims Portcullis adds to the standard ones. `amr`, `acr` and `auth_time` are standard and read
/// through `IdTokenClaims`; `sid` is not modelled by `openidconnect`, so it is read here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortcullisClaims {
    /// The user's organization; absent for individuals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Organization>,
    /// The user's roles in their organization, e.g. `["employee"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The provider's session id (OIDC Front/Back-Channel Logout), used to match back-channel logouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}
impl AdditionalClaims for PortcullisClaims {}

/// The `org` claim: `{"id": "...", "name": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
}

pub type DemoIdTokenClaims = IdTokenClaims<PortcullisClaims, CoreGenderClaim>;
pub type DemoIdToken =
    IdToken<PortcullisClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
pub type DemoTokenResponse = StandardTokenResponse<
    IdTokenFields<
        PortcullisClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

/// `CoreClient` with our claims, and with the endpoints discovery gives us marked as set.
pub type DemoClient = Client<
    PortcullisClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    DemoTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointMaybeSet,
>;

/// The ID-token signature algorithms we accept. `openidconnect` would otherwise take the provider's
/// advertised list (or RS256 only without one), which for a confidential client could include HS256 keyed
/// with the client secret; we pin the two asymmetric ones Portcullis may use.
pub const ACCEPTED_ID_TOKEN_ALGS: [CoreJwsSigningAlgorithm; 2] = [
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
];

/// What the demo knows about the provider after discovery.
pub struct Provider {
    pub client: DemoClient,
    pub issuer: IssuerUrl,
    pub jwks_uri: JsonWebKeySetUrl,
    /// RP-Initiated Logout; `None` when the provider does not advertise it (then "Log out" is local only).
    pub end_session_endpoint: Option<EndSessionUrl>,
    /// The HTTP client for the provider: no redirects followed (as `openidconnect` recommends, against SSRF).
    pub http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the issuer URL is not valid: {0}")]
    Issuer(#[source] url::ParseError),
    #[error("the redirect URI is not valid: {0}")]
    RedirectUri(#[source] url::ParseError),
    #[error("could not build the HTTP client")]
    Http(#[source] reqwest::Error),
    #[error("discovery at {issuer}/.well-known/openid-configuration failed")]
    Discovery {
        issuer: String,
        #[source]
        source: openidconnect::DiscoveryError<openidconnect::HttpClientError<reqwest::Error>>,
    },
    #[error("the provider's metadata has no token_endpoint")]
    NoTokenEndpoint,
}

impl Provider {
    /// Fetches `{issuer}/.well-known/openid-configuration` and the JWKS, and builds a client that
    /// authenticates with `client_secret_basic` (openidconnect's default auth type).
    pub async fn discover(
        issuer: &str,
        client_id: String,
        client_secret: String,
        redirect_uri: String,
    ) -> Result<Self, DiscoveryError> {
        let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(DiscoveryError::Issuer)?;
        let redirect_url = RedirectUrl::new(redirect_uri).map_err(DiscoveryError::RedirectUri)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(DiscoveryError::Http)?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer_url, &http)
            .await
            .map_err(|source| DiscoveryError::Discovery {
                issuer: issuer.to_owned(),
                source,
            })?;
        let token_url = metadata
            .token_endpoint()
            .cloned()
            .ok_or(DiscoveryError::NoTokenEndpoint)?;
        let end_session_endpoint = metadata.additional_metadata().end_session_endpoint.clone();
        let jwks_uri = metadata.jwks_uri().clone();
        let issuer = metadata.issuer().clone();
        let client = Client::from_provider_metadata(
            metadata,
            ClientId::new(client_id),
            Some(ClientSecret::new(client_secret)),
        )
        .set_token_uri(token_url)
        .set_redirect_uri(redirect_url);
        Ok(Provider {
            client,
            issuer,
            jwks_uri,
            end_session_endpoint,
            http,
        })
    }

    /// The ID-token verifier: signature against the discovered JWKS, `iss`, `aud` (only our client id),
    /// `exp`, and only the algorithms in [`ACCEPTED_ID_TOKEN_ALGS`]. The nonce is checked by the caller's
    /// `NonceVerifier`.
    pub fn id_token_verifier(&self) -> IdTokenVerifier<'_, CoreJsonWebKey> {
        self.client.id_token_verifier().set_allowed_algs(ACCEPTED_ID_TOKEN_ALGS)
    }

    pub fn client_id(&self) -> &ClientId {
        self.client.client_id()
    }
}
