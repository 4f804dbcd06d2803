//! Security keys (FIDO2 / WebAuthn) as a second factor: registering a key during MFA setup, the login
//! challenge with a key, renaming a key. The user is emailed about every key added.
//!
//! Each ceremony has two requests. The first stores webauthn-rs's state in `webauthn_ceremonies`
//! (bound to the session, valid [`CEREMONY_TTL`] seconds) and returns the options for
//! `navigator.credentials.create/get`; the second takes that row with `DELETE … RETURNING` (so any
//! node can finish it, once) and verifies the browser's answer against it.
//!
//! We drive `webauthn_rs_core::WebauthnCore` rather than the `webauthn-rs` wrapper's security-key
//! calls: the wrapper asks for attestation "none" unless a CA list is enforced (browsers then blank the
//! AAGUID, and we could not name the key or apply an allow-list) and fixes user verification at
//! "preferred". The options we send are the ones the product asks for: cross-platform, hint
//! "security-key", attestation "direct", resident key discouraged, user verification per setting,
//! excludeCredentials. Algorithms are ES256 (mandatory for every FIDO2 key) and RS256; EdDSA is not
//! offered because webauthn-rs 0.6.2 cannot verify Ed25519 signatures (a key registered with it could
//! never log in).

use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use portcullis_core::login::Amr;
use portcullis_core::security_key::{self, Aaguid, KeyName, KeyPolicy, PolicyRefusal, UserVerification};
use portcullis_core::{CredentialId, LoginStage, PlainToken, UnixTime};
use portcullis_store::security_keys::{CeremonyPurpose, CeremonyRecord, MfaSummary, SecurityKeyRecord};
use serde_json::json;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationResult, AuthenticationState, AuthenticatorAttachment, COSEAlgorithm,
    CreationChallengeResponse, Credential, PublicKeyCredential, PublicKeyCredentialHints, RegisterPublicKeyCredential,
    Registration, RegistrationState, RequestChallengeResponse, UserVerificationPolicy,
};

use super::login::{
    CurrentSession, SecondFactorKeys, lock_for_mfa_change, method_added, require_challenge, require_mfa_change,
    rotate_session,
};
use super::{App, AppError, Client, event, own_event, random};
use crate::mail::{Mail, MfaMethod};

/// How long a ceremony's state stays usable.
pub const CEREMONY_TTL: i64 = 5 * 60;

/// How long the browser waits for the key (shorter than the ceremony, so a late touch still counts).
const AUTHENTICATOR_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a key or a key's answer was refused; each has its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// The browser's answer is not a WebAuthn response.
    Malformed,
    /// No such ceremony for this session (used already, forged, or another session's).
    CeremonyUnknown,
    CeremonyExpired,
    /// This key is registered already (to this user or another).
    AlreadyRegistered,
    /// The configured policy does not admit this key's model.
    Policy(PolicyRefusal),
    /// The key's attestation does not come from the maker its model names.
    AttestationUntrusted,
    /// The policy requires user verification (a PIN) and the key did not do it.
    PinRequired,
    /// The answer did not verify: wrong challenge, origin, relying party, signature or flags.
    Failed,
    /// The answer came from a key that is not one of the user's.
    UnknownKey,
    /// The key's signature counter did not grow: it may have been copied.
    SuspectedClone,
}

impl KeyRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRefusal::Malformed => "malformed",
            KeyRefusal::CeremonyUnknown => "ceremony_unknown",
            KeyRefusal::CeremonyExpired => "ceremony_expired",
            KeyRefusal::AlreadyRegistered => "already_registered",
            KeyRefusal::Policy(PolicyRefusal::UnknownModel) => "policy_known_models",
            KeyRefusal::Policy(PolicyRefusal::NotAllowed) => "policy_allow_list",
            KeyRefusal::AttestationUntrusted => "attestation_untrusted",
            KeyRefusal::PinRequired => "pin_required",
            KeyRefusal::Failed => "verification_failed",
            KeyRefusal::UnknownKey => "unknown_key",
            KeyRefusal::SuspectedClone => "suspected_clone",
        }
    }
}

/// What the browser needs to start a ceremony: our id for it and the WebAuthn options.
#[derive(Debug, Clone)]
pub struct KeyCeremony {
    pub id: String,
    /// `{"publicKey": …}` for `navigator.credentials.create()` or `.get()`, binary values base64url.
    pub options: serde_json::Value,
}

/// The WebAuthn relying party: who we are to the keys, and what we ask of them.
pub struct KeyService {
    core: WebauthnCore,
    policy: KeyPolicy,
    user_verification: UserVerification,
}

impl KeyService {
    /// The relying-party id is the public URL's host; the only accepted origin is the public URL's.
    pub fn new(
        public_url: &url::Url,
        service_name: &str,
        policy: KeyPolicy,
        user_verification: UserVerification,
    ) -> Result<KeyService, AppError> {
        let rp_id = public_url
            .host_str()
            .ok_or_else(|| AppError::Internal("public_url has no host".into()))?;
        let origin = url::Url::parse(&public_url.origin().ascii_serialization())
            .map_err(|e| AppError::Internal(format!("public_url origin: {e}")))?;
        let core = WebauthnCore::new_unsafe_experts_only(
            service_name,
            rp_id,
            vec![origin],
            AUTHENTICATOR_TIMEOUT,
            Some(false),
            Some(false),
        );
        Ok(KeyService {
            core,
            policy,
            user_verification,
        })
    }

    fn uv_policy(&self) -> UserVerificationPolicy {
        match self.user_verification {
            UserVerification::Preferred => UserVerificationPolicy::Preferred,
            UserVerification::Required => UserVerificationPolicy::Required,
        }
    }

    pub fn user_verification(&self) -> UserVerification {
        self.user_verification
    }

    pub fn policy(&self) -> &KeyPolicy {
        &self.policy
    }

    /// The options for `navigator.credentials.create()` and the state to keep until the answer.
    pub fn registration_options(
        &self,
        user_handle: &[u8],
        name: &str,
        display_name: &str,
        exclude: Vec<Vec<u8>>,
    ) -> Result<(CreationChallengeResponse, RegistrationState), AppError> {
        let builder = self
            .core
            .new_challenge_register_builder(user_handle, name, display_name)
            .map_err(|e| AppError::Internal(format!("WebAuthn options: {e}")))?
            .attestation(AttestationConveyancePreference::Direct)
            .user_verification_policy(self.uv_policy())
            .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::RS256])
            .require_resident_key(false)
            .authenticator_attachment(Some(AuthenticatorAttachment::CrossPlatform))
            .reject_synchronised_authenticators(false)
            .exclude_credentials(Some(exclude))
            .hints(Some(vec![PublicKeyCredentialHints::SecurityKey]));
        self.core
            .generate_challenge_register(builder)
            .map_err(|e| AppError::Internal(format!("WebAuthn challenge: {e}")))
    }

    /// Verifies a registration answer: challenge, origin, relying party, flags, attestation signature.
    pub fn register(
        &self,
        response: &RegisterPublicKeyCredential,
        state: &RegistrationState,
    ) -> Result<Credential, WebauthnError> {
        self.core.register_credential(response, state, None)
    }

    /// The options for `navigator.credentials.get()` for these keys, and the state to keep.
    pub fn assertion_options(
        &self,
        credentials: Vec<Credential>,
    ) -> Result<(RequestChallengeResponse, AuthenticationState), AppError> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(credentials, Some(self.uv_policy()))
            .map_err(|e| AppError::Internal(format!("WebAuthn options: {e}")))?
            .hints(Some(vec![PublicKeyCredentialHints::SecurityKey]));
        let (options, mut state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(|e| AppError::Internal(format!("WebAuthn challenge: {e}")))?;
        // The keys are read again when the answer comes (their counters may have moved meanwhile);
        // the state only needs the challenge and the policy.
        state.set_allowed_credentials(Vec::new());
        Ok((options, state))
    }

    /// Verifies a login answer against the stored key: challenge, origin, relying party, user
    /// presence (and verification per policy), signature, and a counter that grew.
    pub fn check_assertion(
        &self,
        response: &PublicKeyCredential,
        state: &AuthenticationState,
        credential: &Credential,
    ) -> Result<AuthenticationResult, WebauthnError> {
        self.core.authenticate_single_credential(response, state, credential)
    }
}

/// webauthn-rs state or a credential as the JSON text we store.
fn stored_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("WebAuthn state to JSON: {e}")))
}

fn options_json<T: serde::Serialize>(options: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(options).map_err(|e| AppError::Internal(format!("WebAuthn options: {e}")))
}

/// The AAGUID the key reported in its attested credential data (zero if it did not say).
fn aaguid_of(response: &RegisterPublicKeyCredential) -> Aaguid {
    #[derive(serde::Deserialize)]
    struct AttestationObject {
        #[serde(rename = "authData", with = "serde_bytes_compat")]
        auth_data: Vec<u8>,
    }
    let parsed: Option<AttestationObject> = serde_cbor_2::from_slice(&response.response.attestation_object).ok();
    parsed
        .and_then(|object| AuthenticatorData::<Registration>::try_from(object.auth_data.as_slice()).ok())
        .and_then(|data| data.acd)
        .map(|acd| Aaguid::from_bytes(acd.aaguid))
        .unwrap_or(Aaguid::UNKNOWN)
}

/// CBOR byte strings into a `Vec<u8>` (serde's default would expect a sequence of integers).
mod serde_bytes_compat {
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_bytes(Bytes)
    }
}

fn refused(refusal: KeyRefusal) -> AppError {
    AppError::Key(refusal)
}

/// The `amr` of a login with a key: hardware key, plus PIN when the key verified its user.
fn key_amr(user_verified: bool) -> Vec<Amr> {
    let mut amr = vec![Amr::Pwd, Amr::Hwk];
    if user_verified {
        amr.push(Amr::Pin);
    }
    amr
}

impl App {
    /// How many apps and keys the session's user has, and when each was last used.
    pub async fn mfa_summary(&self, session: &CurrentSession) -> Result<MfaSummary, AppError> {
        Ok(self.store.read().await?.mfa_summary(session.user.id).await?)
    }

    /// The user's security keys (oldest first).
    pub async fn security_keys(&self, session: &CurrentSession) -> Result<Vec<SecurityKeyRecord>, AppError> {
        Ok(self.store.read().await?.security_keys_of(session.user.id).await?)
    }

    /// The model a key's AAGUID names: the built-in list first, then a loaded FIDO metadata blob.
    async fn key_model(
        &self,
        tx: &mut portcullis_store::Tx,
        aaguid: Aaguid,
    ) -> Result<Option<(String, Vec<String>)>, AppError> {
        if aaguid.is_unknown() {
            return Ok(None);
        }
        let loaded = tx.key_model(aaguid).await?;
        if let Some(name) = security_key::built_in_models().get(&aaguid) {
            let roots = loaded.map(|m| m.attestation_roots).unwrap_or_default();
            return Ok(Some((name.clone(), roots)));
        }
        Ok(loaded.map(|m| (m.name, m.attestation_roots)))
    }

    /// Starts registering a security key: the options for `navigator.credentials.create()`.
    pub async fn start_key_setup(&self, session: &CurrentSession, client: &Client) -> Result<KeyCeremony, AppError> {
        require_mfa_change(session, self.now())?;
        let user = &session.user;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let existing = tx.security_keys_of(user.id).await?;
        let exclude = existing
            .iter()
            .filter_map(|k| BASE64URL_NOPAD.decode(k.credential_id.as_bytes()).ok())
            .collect::<Vec<_>>();
        let email = user.email.to_string();
        let display = user
            .display_name
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_else(|| email.clone());
        let (options, state) =
            self.keys
                .registration_options(user.id.to_string().as_bytes(), &email, &display, exclude)?;
        let ceremony = self
            .store_ceremony(&mut tx, session, CeremonyPurpose::Register, stored_json(&state)?, now)
            .await?;
        tx.append_audit(&own_event(
            session,
            now,
            "security_key_setup_started",
            client,
            json!({}),
        ))
        .await?;
        tx.commit().await?;
        Ok(KeyCeremony {
            id: ceremony,
            options: options_json(&options)?,
        })
    }

    async fn store_ceremony(
        &self,
        tx: &mut portcullis_store::Tx,
        session: &CurrentSession,
        purpose: CeremonyPurpose,
        state: String,
        now: UnixTime,
    ) -> Result<String, AppError> {
        tx.delete_ceremonies_of_session(&session.token_hash, purpose).await?;
        let id = BASE64URL_NOPAD.encode(&random::bytes::<16>()?);
        tx.insert_ceremony(&CeremonyRecord {
            id: id.clone(),
            session_hash: session.token_hash,
            user_id: session.user.id,
            purpose,
            state,
            created_at: now,
            expires_at: now.plus_secs(CEREMONY_TTL),
        })
        .await?;
        Ok(id)
    }

    /// Takes the session's ceremony (once); an expired one is removed and refused.
    async fn take_ceremony(
        &self,
        tx: &mut portcullis_store::Tx,
        session: &CurrentSession,
        id: &str,
        purpose: CeremonyPurpose,
        now: UnixTime,
    ) -> Result<Result<String, KeyRefusal>, AppError> {
        let Some(ceremony) = tx.take_ceremony(id, &session.token_hash, purpose).await? else {
            return Ok(Err(KeyRefusal::CeremonyUnknown));
        };
        if ceremony.expires_at <= now {
            return Ok(Err(KeyRefusal::CeremonyExpired));
        }
        Ok(Ok(ceremony.state))
    }

    /// Verifies the browser's answer to [`App::start_key_setup`] and stores the key, named after its
    /// model (or `fallback_name`). A refused key leaves nothing behind but the audit record.
    pub async fn finish_key_setup(
        &self,
        session: &CurrentSession,
        ceremony: &str,
        response: &str,
        fallback_name: &str,
        client: &Client,
    ) -> Result<SecurityKeyRecord, AppError> {
        require_mfa_change(session, self.now())?;
        let response: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|_| refused(KeyRefusal::Malformed))?;
        let now = self.now();
        let user = session.user.id;
        let mut tx = self.store.begin().await?;
        lock_for_mfa_change(&mut tx, session).await?;
        let outcome = self
            .register_key(&mut tx, session, ceremony, &response, fallback_name, now)
            .await?;
        match outcome {
            Ok((key, attestation_verified)) => {
                match tx.insert_security_key(&key).await {
                    Ok(()) => {}
                    // The same key registered at the same moment in another ceremony (the check in
                    // `register_key` saw neither): the unique credential id settles it.
                    Err(portcullis_store::StoreError::Conflict(_)) => {
                        return Err(refused(KeyRefusal::AlreadyRegistered));
                    }
                    Err(err) => return Err(err.into()),
                }
                method_added(&mut tx, session).await?;
                let detail = json!({
                    "credential": key.id.to_string(),
                    "aaguid": key.aaguid.to_string(),
                    "model": key.model,
                    "user_verified": key.user_verified,
                    "attestation_verified": attestation_verified,
                });
                tx.append_audit(&own_event(session, now, "mfa_security_key_added", client, detail))
                    .await?;
                let mail = Mail::MfaMethodAdded {
                    method: MfaMethod::Key,
                    name: Some(key.name.clone()),
                };
                self.queue_mail(&mut tx, &session.user, mail, now).await?;
                tx.commit().await?;
                Ok(key)
            }
            Err((refusal, aaguid)) => {
                // The ceremony (if there was one) is used up; the refusal is recorded.
                let kind = match refusal {
                    KeyRefusal::Policy(_) | KeyRefusal::AttestationUntrusted | KeyRefusal::PinRequired => {
                        "security_key_refused_by_policy"
                    }
                    _ => "security_key_setup_refused",
                };
                let mut detail = json!({ "reason": refusal.as_str(), "policy": self.keys.policy.as_str() });
                if let Some(aaguid) = aaguid {
                    detail["aaguid"] = json!(aaguid.to_string());
                }
                tx.append_audit(&event(
                    now,
                    kind,
                    Some(user),
                    Some(user),
                    session.user.org.map(|(id, _)| id),
                    client,
                    detail,
                ))
                .await?;
                tx.commit().await?;
                Err(refused(refusal))
            }
        }
    }

    #[allow(clippy::type_complexity)]
    async fn register_key(
        &self,
        tx: &mut portcullis_store::Tx,
        session: &CurrentSession,
        ceremony: &str,
        response: &RegisterPublicKeyCredential,
        fallback_name: &str,
        now: UnixTime,
    ) -> Result<Result<(SecurityKeyRecord, bool), (KeyRefusal, Option<Aaguid>)>, AppError> {
        let state = match self
            .take_ceremony(tx, session, ceremony, CeremonyPurpose::Register, now)
            .await?
        {
            Ok(state) => state,
            Err(refusal) => return Ok(Err((refusal, None))),
        };
        let state: RegistrationState =
            serde_json::from_str(&state).map_err(|e| AppError::Internal(format!("stored ceremony state: {e}")))?;
        let credential_id = BASE64URL_NOPAD.encode(&response.raw_id);
        if tx.security_key_by_credential_id(&credential_id).await?.is_some() {
            return Ok(Err((KeyRefusal::AlreadyRegistered, None)));
        }
        let credential: Credential = match self.keys.register(response, &state) {
            Ok(credential) => credential,
            Err(WebauthnError::UserNotVerified) => return Ok(Err((KeyRefusal::PinRequired, None))),
            Err(err) => {
                tracing::info!(error = %err, "security key registration did not verify");
                return Ok(Err((KeyRefusal::Failed, None)));
            }
        };
        let aaguid = aaguid_of(response);
        let model = self.key_model(tx, aaguid).await?;
        if let Err(policy) = self.keys.policy.admits(aaguid, model.is_some()) {
            return Ok(Err((KeyRefusal::Policy(policy), Some(aaguid))));
        }
        // With the maker's root certificates (from a loaded FIDO metadata blob) the attestation proves
        // the model; a policy that names models insists on that proof when it is available.
        let roots = model.as_ref().map(|(_, roots)| roots.as_slice()).unwrap_or_default();
        let attestation_verified = !roots.is_empty() && attestation_chains_to(&credential, aaguid, roots);
        if !roots.is_empty() && !attestation_verified && self.keys.policy != KeyPolicy::Any {
            return Ok(Err((KeyRefusal::AttestationUntrusted, Some(aaguid))));
        }
        let existing: Vec<String> = tx
            .security_keys_of(session.user.id)
            .await?
            .into_iter()
            .map(|k| k.name)
            .collect();
        let model_name = model.map(|(name, _)| name);
        let name = KeyName::for_new_key(model_name.as_deref(), fallback_name, &existing);
        let key = SecurityKeyRecord {
            id: CredentialId::from_random_bytes(random::bytes()?),
            user_id: session.user.id,
            credential_id,
            name: name.as_str().to_owned(),
            aaguid,
            model: model_name,
            sign_count: i64::from(credential.counter),
            user_verified: credential.user_verified,
            backup_eligible: credential.backup_eligible,
            backup_state: credential.backup_state,
            credential: stored_json(&credential)?,
            suspected_clone: false,
            created_at: now,
            // Registering is a use (the key was touched), as verifying an app's first code is.
            last_used_at: Some(now),
        };
        Ok(Ok((key, attestation_verified)))
    }

    /// Renames one of the session user's keys.
    pub async fn rename_key(
        &self,
        session: &CurrentSession,
        id: &str,
        name: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        if session.stage == LoginStage::MfaChallenge {
            return Err(AppError::WrongStage);
        }
        let name = KeyName::parse(name)?;
        let id = CredentialId::parse(id).map_err(|_| AppError::KeyUnknown)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !tx.rename_security_key(session.user.id, id, name.as_str()).await? {
            return Err(AppError::KeyUnknown);
        }
        let detail = json!({ "credential": id.to_string(), "name": name.as_str() });
        tx.append_audit(&own_event(session, now, "security_key_renamed", client, detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts the login challenge with a key: the options for `navigator.credentials.get()`.
    pub async fn start_key_login(&self, session: &CurrentSession) -> Result<KeyCeremony, AppError> {
        require_challenge(session)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let credentials = tx
            .security_keys_of(session.user.id)
            .await?
            .iter()
            .map(|k| serde_json::from_str::<Credential>(&k.credential))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::Internal(format!("stored security key: {e}")))?;
        if credentials.is_empty() {
            return Err(refused(KeyRefusal::UnknownKey));
        }
        let (options, state) = self.keys.assertion_options(credentials)?;
        let id = self
            .store_ceremony(&mut tx, session, CeremonyPurpose::Login, stored_json(&state)?, now)
            .await?;
        tx.commit().await?;
        Ok(KeyCeremony {
            id,
            options: options_json(&options)?,
        })
    }

    /// Verifies the key's answer to [`App::start_key_login`]; success gives a new, fully authenticated
    /// session. A counter that did not grow marks the key as possibly cloned and refuses the login.
    pub async fn verify_key_login(
        &self,
        session: &CurrentSession,
        ceremony: &str,
        response: &str,
        client: &Client,
    ) -> Result<PlainToken, AppError> {
        let recheck = require_challenge(session)?;
        let response: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| refused(KeyRefusal::Malformed))?;
        let now = self.now();
        let user = session.user.id;
        let org = session.user.org.map(|(id, _)| id);
        // A key's answer counts against the same second-factor throttle as an app's code (given back
        // on success), so nobody can flood the check or the audit log with forged answers.
        let throttle_keys = SecondFactorKeys::new(user, client);
        let keys = throttle_keys.keys();
        let (mut tx, failures) = self
            .reserve_second_factor(session, keys, "security_key", client, now)
            .await?;
        let refusal = match self
            .take_ceremony(&mut tx, session, ceremony, CeremonyPurpose::Login, now)
            .await?
        {
            Err(refusal) => refusal,
            Ok(state) => {
                let state: AuthenticationState = serde_json::from_str(&state)
                    .map_err(|e| AppError::Internal(format!("stored ceremony state: {e}")))?;
                let credential_id = BASE64URL_NOPAD.encode(&response.raw_id);
                match tx.security_key_by_credential_id(&credential_id).await? {
                    Some(key) if key.user_id == user && key.suspected_clone => KeyRefusal::SuspectedClone,
                    Some(key) if key.user_id == user => {
                        let mut credential: Credential = serde_json::from_str(&key.credential)
                            .map_err(|e| AppError::Internal(format!("stored security key: {e}")))?;
                        match self.keys.check_assertion(&response, &state, &credential) {
                            Ok(result) => {
                                credential.counter = result.counter();
                                credential.backup_state = result.backup_state();
                                credential.backup_eligible = result.backup_eligible();
                                let moved = tx
                                    .use_security_key(
                                        key.id,
                                        key.sign_count,
                                        i64::from(result.counter()),
                                        &stored_json(&credential)?,
                                        result.backup_eligible(),
                                        result.backup_state(),
                                        now,
                                    )
                                    .await?;
                                if moved {
                                    tx.settle_attempt_success(keys).await?;
                                    let amr = key_amr(result.user_verified());
                                    let token =
                                        rotate_session(&mut tx, session, LoginStage::Authenticated, &amr, now).await?;
                                    let kind = if recheck {
                                        "mfa_recheck_ok"
                                    } else {
                                        tx.record_login(user, now).await?;
                                        "login_mfa_ok"
                                    };
                                    let detail = json!({
                                        "method": "security_key",
                                        "credential": key.id.to_string(),
                                        "user_verified": result.user_verified(),
                                    });
                                    tx.append_audit(&event(now, kind, None, Some(user), org, client, detail))
                                        .await?;
                                    tx.commit().await?;
                                    return Ok(token);
                                }
                                // Another login with this key moved the counter first.
                                KeyRefusal::Failed
                            }
                            Err(WebauthnError::CredentialPossibleCompromise) => {
                                tx.mark_security_key_suspected_clone(key.id).await?;
                                let detail = json!({
                                    "credential": key.id.to_string(),
                                    "stored_counter": key.sign_count,
                                    "alert": true,
                                });
                                tx.append_audit(&event(
                                    now,
                                    "security_key_clone_suspected",
                                    None,
                                    Some(user),
                                    org,
                                    client,
                                    detail,
                                ))
                                .await?;
                                tracing::warn!(user = %user, credential = %key.id, "security key counter did not grow: possible clone");
                                KeyRefusal::SuspectedClone
                            }
                            Err(WebauthnError::UserNotVerified) => KeyRefusal::PinRequired,
                            Err(err) => {
                                tracing::info!(error = %err, "security key answer did not verify");
                                KeyRefusal::Failed
                            }
                        }
                    }
                    _ => KeyRefusal::UnknownKey,
                }
            }
        };
        let detail = json!({ "step": "security_key", "reason": refusal.as_str() });
        tx.append_audit(&event(now, "login_failed", None, Some(user), org, client, detail))
            .await?;
        let policy = &portcullis_core::throttle::ThrottlePolicy::ACCOUNT_SECOND_FACTOR;
        self.mail_if_throttle_starts(&mut tx, &session.user, policy, failures, true, now)
            .await?;
        tx.commit().await?;
        Err(refused(refusal))
    }
}

/// Why a metadata blob was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum MdsError {
    #[error(
        "this is not a FIDO metadata (MDS3) blob signed by the FIDO Alliance ({0}); download it again from https://mds3.fidoalliance.org/"
    )]
    NotTrusted(String),
    #[error("the metadata blob names no FIDO2 key models")]
    Empty,
}

/// The FIDO2 key models of an MDS3 blob, after fido-mds has checked the blob's signature chain up
/// to the FIDO Alliance's root (GlobalSign) certificates it ships.
pub fn models_from_mds_blob(
    blob: &str,
    now: UnixTime,
) -> Result<Vec<portcullis_store::security_keys::KeyModelRecord>, MdsError> {
    use std::str::FromStr;
    let mds = fido_mds::FidoMds::from_str(blob.trim()).map_err(|e| MdsError::NotTrusted(format!("{e:?}")))?;
    let models: Vec<_> = mds
        .fido2
        .iter()
        .map(|device| portcullis_store::security_keys::KeyModelRecord {
            aaguid: Aaguid::from_bytes(*device.aaguid.as_bytes()),
            name: device.description.clone(),
            attestation_roots: device
                .attestation_root_certificates
                .iter()
                .map(|der| data_encoding::BASE64.encode(der))
                .collect(),
            loaded_at: now,
        })
        .collect();
    if models.is_empty() {
        return Err(MdsError::Empty);
    }
    Ok(models)
}

impl App {
    /// Replaces the loaded key models (from `portcullis mds load`); returns (models, with roots).
    pub async fn load_key_models(
        &self,
        mut models: Vec<portcullis_store::security_keys::KeyModelRecord>,
        client: &Client,
    ) -> Result<(usize, usize), AppError> {
        // One row per AAGUID (a blob may list a model twice); the first entry wins.
        let mut seen = std::collections::HashSet::new();
        models.retain(|m| seen.insert(m.aaguid));
        let with_roots = models.iter().filter(|m| !m.attestation_roots.is_empty()).count();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.replace_key_models(&models).await?;
        let detail = json!({ "models": models.len(), "with_attestation_roots": with_roots });
        tx.append_audit(&event(now, "key_metadata_loaded", None, None, None, client, detail))
            .await?;
        tx.commit().await?;
        Ok((models.len(), with_roots))
    }
}

/// Whether the key's attestation certificate chains to one of its model's roots.
fn attestation_chains_to(credential: &Credential, aaguid: Aaguid, roots: &[String]) -> bool {
    let mut builder = webauthn_attestation_ca::AttestationCaListBuilder::new();
    for root in roots {
        let Ok(der) = data_encoding::BASE64.decode(root.as_bytes()) else {
            continue;
        };
        let uuid = uuid::Uuid::parse_str(&aaguid.to_string()).unwrap_or_default();
        if builder
            .insert_device_der(&der, uuid, String::new(), Default::default())
            .is_err()
        {
            continue;
        }
    }
    matches!(credential.verify_attestation(&builder.build()), Ok(Some(_)))
}

/// The `amr` once MFA setup is finished: what was proven while setting it up.
pub(crate) fn setup_amr(summary: &MfaSummary, any_key_verified_user: bool) -> Vec<Amr> {
    let mut amr = vec![Amr::Pwd];
    if summary.apps > 0 {
        amr.push(Amr::Otp);
    }
    if summary.keys > 0 {
        amr.push(Amr::Hwk);
        if any_key_verified_user {
            amr.push(Amr::Pin);
        }
    }
    amr
}
