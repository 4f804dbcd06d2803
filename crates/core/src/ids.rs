//! Identifiers. Random UUIDs, stored as text so that both databases treat them alike; opaque to users
//! (an id never reveals an email or a count).

use std::fmt;

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct IdError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// Builds an id from 16 random bytes supplied by the caller (the core has no RNG).
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                $name(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            pub fn parse(input: &str) -> Result<Self, IdError> {
                Uuid::parse_str(input).map($name).map_err(|_| IdError)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// An organization.
    OrgId
);
id_type!(
    /// An MFA credential (an authenticator app, later a security key).
    CredentialId
);
id_type!(
    /// An authenticator app being set up (not a credential until a code verifies it).
    EnrollmentId
);
id_type!(
    /// A message in the email outbox.
    MailId
);
id_type!(
    /// An organization's API token (not the secret: the handle it is listed and revoked by).
    ApiTokenId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = UserId::from_random_bytes([7; 16]);
        assert_eq!(UserId::parse(&id.to_string()).unwrap(), id);
        assert!(UserId::parse("not-an-id").is_err());
        assert!(OrgId::parse("").is_err());
    }
}
