//! What the home page shows about a login: the verified ID token's claims copied into plain strings, and the
//! words for `amr` (RFC 8176 method references) and `acr` (Portcullis's two levels).
//!
//! Pure code: no I/O, tested below.

use crate::oidc::{DemoIdTokenClaims, Organization};

/// The claims of a verified ID token, as shown on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub sub: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub org: Option<Organization>,
    pub roles: Vec<String>,
    pub amr: Vec<String>,
    pub acr: Option<String>,
    /// RFC 3339, UTC.
    pub auth_time: Option<String>,
    pub sid: Option<String>,
}

impl Profile {
    pub fn from_claims(claims: &DemoIdTokenClaims) -> Self {
        let extra = claims.additional_claims();
        Profile {
            sub: claims.subject().as_str().to_owned(),
            // The default (untagged) language of a localized claim.
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified(),
            org: extra.org.clone(),
            roles: extra.roles.clone(),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|m| m.as_str().to_owned()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
            auth_time: claims.auth_time().map(|t| t.to_rfc3339()),
            sid: extra.sid.clone(),
        }
    }
}

/// The factors of an `amr` list in words, e.g. `["pwd","otp","mfa"]` → "password + authenticator app".
/// `mfa` (and `pin` on its own) says how the factors combine rather than naming one, so it adds no words;
/// unknown values are shown as they are.
pub fn describe_amr(amr: &[String]) -> String {
    let has = |m: &str| amr.iter().any(|a| a == m);
    let mut factors: Vec<String> = Vec::new();
    for method in amr {
        let words = match method.as_str() {
            "pwd" => "password",
            "otp" => "authenticator app",
            "hwk" if has("pin") => "security key (with its PIN)",
            "hwk" => "security key",
            "swk" => "software key",
            "sms" => "text message",
            "fpt" => "fingerprint",
            "face" => "face recognition",
            "mfa" | "pin" => continue,
            other => other,
        };
        factors.push(words.to_owned());
    }
    if factors.is_empty() {
        "no method reported".to_owned()
    } else {
        factors.join(" + ")
    }
}

/// Portcullis's authentication context classes in words.
pub fn describe_acr(acr: &str) -> &'static str {
    match acr {
        "mfa" => "multi-factor (password + a second factor)",
        "phr" => "phishing-resistant (password + security key)",
        _ => "a level this demo does not know",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amr(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn authenticator_app_login() {
        assert_eq!(
            describe_amr(&amr(&["pwd", "otp", "mfa"])),
            "password + authenticator app"
        );
    }

    #[test]
    fn security_key_login() {
        assert_eq!(describe_amr(&amr(&["pwd", "hwk", "mfa"])), "password + security key");
        assert_eq!(
            describe_amr(&amr(&["pwd", "hwk", "pin", "mfa"])),
            "password + security key (with its PIN)"
        );
    }

    #[test]
    fn unknown_and_empty_methods() {
        assert_eq!(describe_amr(&amr(&["pwd", "retina"])), "password + retina");
        assert_eq!(describe_amr(&[]), "no method reported");
        assert_eq!(describe_amr(&amr(&["mfa"])), "no method reported");
    }

    #[test]
    fn acr_levels() {
        assert!(describe_acr("phr").starts_with("phishing-resistant"));
        assert!(describe_acr("mfa").starts_with("multi-factor"));
        assert_eq!(describe_acr("urn:x"), "a level this demo does not know");
    }

    #[test]
    fn profile_reads_standard_and_portcullis_claims() {
        let json = serde_json::json!({
            "iss": "http://127.0.0.1:8080", "sub": "u-1", "aud": "demo", "exp": 2_000_000_000, "iat": 1_700_000_000,
            "auth_time": 1_700_000_000, "nonce": "n", "amr": ["pwd", "otp", "mfa"], "acr": "mfa", "sid": "s-1",
            "email": "anna@example.com", "email_verified": true, "name": "Anna", "locale": "nl",
            "org": {"id": "o-1", "name": "Port of Rotterdam"}, "roles": ["main_admin"]
        });
        let claims: DemoIdTokenClaims = serde_json::from_value(json).unwrap();
        let p = Profile::from_claims(&claims);
        assert_eq!(p.sub, "u-1");
        assert_eq!(p.name.as_deref(), Some("Anna"));
        assert_eq!(p.email.as_deref(), Some("anna@example.com"));
        assert_eq!(
            p.org,
            Some(Organization {
                id: "o-1".into(),
                name: "Port of Rotterdam".into()
            })
        );
        assert_eq!(p.roles, ["main_admin"]);
        assert_eq!(p.amr, ["pwd", "otp", "mfa"]);
        assert_eq!(p.acr.as_deref(), Some("mfa"));
        assert_eq!(p.sid.as_deref(), Some("s-1"));
        assert_eq!(p.auth_time.as_deref(), Some("2023-11-14T22:13:20+00:00"));
    }

    #[test]
    fn individuals_have_no_org() {
        let json = serde_json::json!({
            "iss": "http://127.0.0.1:8080", "sub": "u-2", "aud": "demo", "exp": 2_000_000_000, "iat": 1_700_000_000
        });
        let claims: DemoIdTokenClaims = serde_json::from_value(json).unwrap();
        let p = Profile::from_claims(&claims);
        assert_eq!(p.org, None);
        assert!(p.roles.is_empty());
        assert_eq!(p.sid, None);
    }
}
