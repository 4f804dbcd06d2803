//! Security keys (FIDO2 / WebAuthn) as the product sees them: which key a user holds (its AAGUID and the
//! model it names), which keys the platform admits, the name a user gives a key, and which
//! second factor the login challenge offers first. The WebAuthn ceremony itself (challenges,
//! signatures, counters) is webauthn-rs's work, in the server crate.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use uuid::Uuid;

use crate::time::UnixTime;

/// The Authenticator Attestation GUID: one per key model (often per firmware series), reported by
/// the key at registration. All zeros means the key (or the browser) did not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aaguid(Uuid);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an AAGUID (expected 32 hex digits, e.g. 2fc0579f-8113-47ea-b116-bb5a8db9202a)")]
pub struct AaguidError;

impl Aaguid {
    pub const UNKNOWN: Aaguid = Aaguid(Uuid::nil());

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Aaguid(Uuid::from_bytes(bytes))
    }

    pub fn parse(input: &str) -> Result<Self, AaguidError> {
        Uuid::parse_str(input.trim()).map(Aaguid).map_err(|_| AaguidError)
    }

    pub fn is_unknown(self) -> bool {
        self.0.is_nil()
    }
}

impl fmt::Display for Aaguid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The key models Portcullis knows out of the box (the keys the help page names), from
/// `data/security-keys.json`. A loaded FIDO Metadata Service blob adds every certified key.
pub fn built_in_models() -> &'static BTreeMap<Aaguid, String> {
    static MODELS: OnceLock<BTreeMap<Aaguid, String>> = OnceLock::new();
    MODELS.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            keys: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            name: String,
            aaguid: String,
        }
        // The file is part of the source tree and checked by a test; a broken edit fails that test.
        let file: File =
            serde_json::from_str(include_str!("../data/security-keys.json")).unwrap_or(File { keys: Vec::new() });
        file.keys
            .into_iter()
            .filter_map(|entry| Aaguid::parse(&entry.aaguid).ok().map(|aaguid| (aaguid, entry.name)))
            .collect()
    })
}

/// Which security keys may be registered (setting `security_key_policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Any FIDO2 key (the default).
    Any,
    /// Only models named by the built-in list or a loaded FIDO metadata blob.
    KnownModels,
    /// Only these AAGUIDs (setting `security_key_allow_list`).
    AllowList(Vec<Aaguid>),
}

/// Why the policy refused a key; the message names the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRefusal {
    /// The key's model is not in the metadata (policy "known").
    UnknownModel,
    /// The key's model is not on the allow-list (policy "allow_list").
    NotAllowed,
}

impl KeyPolicy {
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyPolicy::Any => "any",
            KeyPolicy::KnownModels => "known",
            KeyPolicy::AllowList(_) => "allow_list",
        }
    }

    /// `known_model`: whether the metadata (built-in or loaded) names this AAGUID.
    pub fn admits(&self, aaguid: Aaguid, known_model: bool) -> Result<(), PolicyRefusal> {
        match self {
            KeyPolicy::Any => Ok(()),
            KeyPolicy::KnownModels if known_model && !aaguid.is_unknown() => Ok(()),
            KeyPolicy::KnownModels => Err(PolicyRefusal::UnknownModel),
            KeyPolicy::AllowList(list) if !aaguid.is_unknown() && list.contains(&aaguid) => Ok(()),
            KeyPolicy::AllowList(_) => Err(PolicyRefusal::NotAllowed),
        }
    }
}

/// Whether keys must verify their user (a PIN or fingerprint) besides the touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserVerification {
    /// Ask for the PIN if the key has one (the default).
    #[default]
    Preferred,
    /// Refuse keys that cannot verify their user.
    Required,
}

/// The name a user gives a key ("Blue YubiKey"): trimmed, 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyNameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than 64 characters")]
    TooLong,
    #[error("the name contains control characters")]
    Control,
}

impl KeyName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, KeyNameError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(KeyNameError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(KeyNameError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(KeyNameError::Control);
        }
        Ok(KeyName(name.to_owned()))
    }

    /// A first name for a new key: its model (or "Security key"), numbered if the user already has
    /// a key of that name ("YubiKey 5 Series (5 NFC) fw 5.7 (2)").
    pub fn for_new_key(model: Option<&str>, fallback: &str, existing: &[String]) -> Self {
        let base: String = model.unwrap_or(fallback).chars().take(Self::MAX_CHARS - 5).collect();
        let mut name = base.clone();
        let mut n = 1;
        while existing.iter().any(|e| e == &name) {
            n += 1;
            name = format!("{base} ({n})");
        }
        KeyName(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The two kinds of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaKind {
    App,
    Key,
}

impl MfaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaKind::App => "app",
            MfaKind::Key => "key",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "app" => Some(MfaKind::App),
            "key" => Some(MfaKind::Key),
            _ => None,
        }
    }
}

/// Which method the login challenge shows first: the one the user has, or, with both, the one used
/// last (the key when neither was used yet: it is the stronger one).
/// `None` for a method means the user does not have it; `Some(None)` that it was never used.
pub fn first_method(app: Option<Option<UnixTime>>, key: Option<Option<UnixTime>>) -> Option<MfaKind> {
    match (app, key) {
        (None, None) => None,
        (Some(_), None) => Some(MfaKind::App),
        (None, Some(_)) => Some(MfaKind::Key),
        (Some(app), Some(key)) => Some(if app > key { MfaKind::App } else { MfaKind::Key }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_names_the_keys_of_the_help_page() {
        let models = built_in_models();
        let raw: serde_json::Value = serde_json::from_str(include_str!("../data/security-keys.json")).unwrap();
        // Every entry of the file parsed (a typo in an AAGUID would silently drop a key otherwise).
        let entries = raw["keys"].as_array().unwrap();
        assert_eq!(models.len(), entries.len());
        let name = |aaguid: &str| models.get(&Aaguid::parse(aaguid).unwrap()).cloned();
        assert_eq!(
            name("2fc0579f-8113-47ea-b116-bb5a8db9202a").as_deref(),
            Some("YubiKey 5 Series (5 NFC) fw 5.2/5.4")
        );
        assert_eq!(
            name("149a2021-8ef6-4133-96b8-81f8d5b7f1f5").as_deref(),
            Some("Security Key NFC by Yubico fw 5.2/5.4")
        );
        assert!(
            name("833b721a-ff5f-4d00-bb2e-bdda3ec01e29")
                .unwrap()
                .starts_with("Feitian ePass FIDO2")
        );
        assert_eq!(name("01020304-0506-0708-0102-030405060708"), None);
    }

    #[test]
    fn aaguids_parse_and_print_hyphenated() {
        let a = Aaguid::parse("2FC0579F811347EAB116BB5A8DB9202A").unwrap();
        assert_eq!(a.to_string(), "2fc0579f-8113-47ea-b116-bb5a8db9202a");
        assert!(Aaguid::parse("yubikey").is_err());
        assert!(Aaguid::from_bytes([0; 16]).is_unknown());
    }

    #[test]
    fn policies_admit_what_they_say() {
        let yubikey = Aaguid::parse("2fc0579f-8113-47ea-b116-bb5a8db9202a").unwrap();
        let other = Aaguid::parse("01020304-0506-0708-0102-030405060708").unwrap();
        assert_eq!(KeyPolicy::Any.admits(other, false), Ok(()));
        assert_eq!(KeyPolicy::Any.admits(Aaguid::UNKNOWN, false), Ok(()));
        assert_eq!(KeyPolicy::KnownModels.admits(yubikey, true), Ok(()));
        assert_eq!(
            KeyPolicy::KnownModels.admits(other, false),
            Err(PolicyRefusal::UnknownModel)
        );
        assert_eq!(
            KeyPolicy::KnownModels.admits(Aaguid::UNKNOWN, true),
            Err(PolicyRefusal::UnknownModel)
        );
        let list = KeyPolicy::AllowList(vec![yubikey]);
        assert_eq!(list.admits(yubikey, true), Ok(()));
        assert_eq!(list.admits(other, true), Err(PolicyRefusal::NotAllowed));
        let with_nil = KeyPolicy::AllowList(vec![Aaguid::UNKNOWN]);
        assert_eq!(with_nil.admits(Aaguid::UNKNOWN, false), Err(PolicyRefusal::NotAllowed));
    }

    #[test]
    fn key_names_are_trimmed_bounded_and_printable() {
        assert_eq!(KeyName::parse("  Blue key ").unwrap().as_str(), "Blue key");
        assert_eq!(KeyName::parse("   "), Err(KeyNameError::Empty));
        assert_eq!(KeyName::parse(&"x".repeat(65)), Err(KeyNameError::TooLong));
        assert!(KeyName::parse(&"é".repeat(64)).is_ok());
        assert_eq!(KeyName::parse("a\u{0}b"), Err(KeyNameError::Control));
    }

    #[test]
    fn new_keys_are_named_after_their_model_and_numbered() {
        let existing = vec!["YubiKey 5".to_owned(), "YubiKey 5 (2)".to_owned()];
        assert_eq!(
            KeyName::for_new_key(Some("YubiKey 5"), "Security key", &[]).as_str(),
            "YubiKey 5"
        );
        assert_eq!(
            KeyName::for_new_key(Some("YubiKey 5"), "Security key", &existing).as_str(),
            "YubiKey 5 (3)"
        );
        assert_eq!(KeyName::for_new_key(None, "Security key", &[]).as_str(), "Security key");
        let long = "m".repeat(200);
        assert!(KeyName::parse(KeyName::for_new_key(Some(&long), "", std::slice::from_ref(&long)).as_str()).is_ok());
    }

    #[test]
    fn the_method_used_last_comes_first() {
        let t = |s| Some(Some(UnixTime(s)));
        assert_eq!(first_method(None, None), None);
        assert_eq!(first_method(t(5), None), Some(MfaKind::App));
        assert_eq!(first_method(None, Some(None)), Some(MfaKind::Key));
        assert_eq!(first_method(t(9), t(5)), Some(MfaKind::App));
        assert_eq!(first_method(t(5), t(9)), Some(MfaKind::Key));
        assert_eq!(first_method(Some(None), Some(None)), Some(MfaKind::Key));
        assert_eq!(first_method(t(1), Some(None)), Some(MfaKind::App));
    }
}
