//! Secret tokens: session ids, invitation and setup links. A token is 256 random bits (supplied by the
//! caller), written as `prefix_` + 64 hex digits so that a leaked token says what it is. Only its
//! SHA-256 ([`TokenHash`]) is stored; the plain value exists in the response that hands it out and
//! in the user's browser or email, never in a log (`Debug` hides it).

use std::fmt;

use sha2::{Digest, Sha256};

/// What a token is for; the prefix makes a pasted token recognisable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    /// A one-time link: an invitation or the first customer-service setup.
    OneTimeLink,
    /// The double-submit value that guards form posts against cross-site requests.
    Csrf,
    /// An organization's API token for the admin JSON API.
    Api,
    /// An OpenID Connect authorization code (single use, 60 seconds).
    AuthCode,
    /// An OpenID Connect refresh token (rotated at each use).
    Refresh,
    /// A service's client secret.
    ClientSecret,
    /// The browser's handle on an authorization request waiting for a login.
    AuthRequest,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "pcs_",
            TokenKind::OneTimeLink => "pcl_",
            TokenKind::Csrf => "pcc_",
            TokenKind::Api => "pca_",
            TokenKind::AuthCode => "pco_",
            TokenKind::Refresh => "pcr_",
            TokenKind::ClientSecret => "pcx_",
            TokenKind::AuthRequest => "pcq_",
        }
    }
}

pub const TOKEN_BYTES: usize = 32;

/// The plain token, as handed to its holder.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainToken(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid token")]
pub struct TokenError;

impl PlainToken {
    pub fn from_random(kind: TokenKind, random: [u8; TOKEN_BYTES]) -> PlainToken {
        PlainToken(format!("{}{}", kind.prefix(), hex::encode(random)))
    }

    /// Accepts only a well-formed token of `kind`, so that junk never reaches the database.
    pub fn parse(kind: TokenKind, input: &str) -> Result<PlainToken, TokenError> {
        let body = input.strip_prefix(kind.prefix()).ok_or(TokenError)?;
        if body.len() == TOKEN_BYTES * 2 && body.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(PlainToken(input.to_owned()))
        } else {
            Err(TokenError)
        }
    }

    /// The plain value: for a cookie, a link, or a form field. Never for a log line.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }

    /// Compares in constant time (for the double-submit CSRF check).
    pub fn ct_eq(&self, other: &PlainToken) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.0.len() && bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken(<redacted>)")
    }
}

/// SHA-256 of a plain token: what the database keeps and looks up by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits (a session's handle on the profile page; stored hashes).
    pub fn from_hex(text: &str) -> Result<TokenHash, TokenError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| TokenError)?;
        Ok(TokenHash(bytes))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hashes are not secret, but a prefix is enough to correlate.
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

/// SHA-256 of any text as hex, for keys that must not hold the text itself (e.g. throttle keys by email).
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_hex_and_parse_round_trip() {
        let token = PlainToken::from_random(TokenKind::Session, [0xab; 32]);
        assert!(token.expose().starts_with("pcs_"));
        assert_eq!(token.expose().len(), 4 + 64);
        assert_eq!(PlainToken::parse(TokenKind::Session, token.expose()), Ok(token.clone()));
        assert!(PlainToken::parse(TokenKind::OneTimeLink, token.expose()).is_err());
    }

    #[test]
    fn parse_refuses_junk() {
        for bad in [
            "",
            "pcs_",
            "pcs_xyz",
            &format!("pcs_{}", "A".repeat(64)),
            &format!("pcs_{}", "a".repeat(63)),
        ] {
            assert!(PlainToken::parse(TokenKind::Session, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hash_is_sha256_of_the_plain_text() {
        let token = PlainToken::parse(TokenKind::Csrf, &format!("pcc_{}", "0".repeat(64))).unwrap();
        assert_eq!(token.hash().to_hex(), sha256_hex(token.expose()));
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = PlainToken::from_random(TokenKind::OneTimeLink, [0x11; 32]);
        assert!(!format!("{token:?}").contains("1111"));
    }

    #[test]
    fn constant_time_equality() {
        let a = PlainToken::from_random(TokenKind::Csrf, [1; 32]);
        let b = PlainToken::from_random(TokenKind::Csrf, [2; 32]);
        assert!(a.ct_eq(&a.clone()));
        assert!(!a.ct_eq(&b));
    }
}
