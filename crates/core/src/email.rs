//! The email address is the login name. It is compared case-insensitively, so the type stores it
//! normalised (trimmed, lower-case); two spellings of one address are one `Email`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the email address is empty")]
    Empty,
    #[error("the email address is longer than 254 characters")]
    TooLong,
    #[error("the email address is not of the form name@domain")]
    Malformed,
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c);
        if local.is_empty()
            || domain.is_empty()
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.contains('@')
            || trimmed.chars().any(bad_char)
        {
            return Err(EmailError::Malformed);
        }
        Ok(Email(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`, used when checking that a password does not contain the address.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(self.0.as_str(), |(local, _)| local)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        let a = Email::parse("  Alice.Smith@Example.COM ").unwrap();
        let b = Email::parse("alice.smith@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "alice.smith@example.com");
        assert_eq!(a.local_part(), "alice.smith");
    }

    #[test]
    fn accepts_plus_and_subdomains() {
        assert!(Email::parse("a+tag@mail.port.example.nl").is_ok());
        assert!(Email::parse("admin@localhost").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a b@example.com",
            "a@@b.com",
            "a@b..com",
            "a@.com",
            "<a>@b.com",
            "a@b.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
    }

    #[test]
    fn refuses_too_long() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
