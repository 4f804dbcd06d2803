//! Human-chosen names: a user's display name and an organization's name. Organization names are
//! unique regardless of case and surrounding or repeated spaces; [`OrgName::key`] is that comparison key.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the name contains control characters")]
    ControlCharacters,
}

fn clean(input: &str, max: usize) -> Result<String, NameError> {
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(NameError::Empty);
    }
    if collapsed.chars().count() > max {
        return Err(NameError::TooLong { max });
    }
    if collapsed.chars().any(char::is_control) {
        return Err(NameError::ControlCharacters);
    }
    Ok(collapsed)
}

/// How a user is addressed on pages and in emails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(input: &str) -> Result<Self, NameError> {
        clean(input, Self::MAX_LEN).map(DisplayName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization's name, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub const MAX_LEN: usize = 120;

    pub fn parse(input: &str) -> Result<Self, NameError> {
        clean(input, Self::MAX_LEN).map(OrgName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: "Port of  Rotterdam" and "port of rotterdam" are the same organization.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for OrgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why customer service reset someone's MFA or replaced a main administrator: recorded in the audit
/// log and shown to the user in the email. Required for customer service's actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_LEN: usize = 500;

    pub fn parse(input: &str) -> Result<Self, NameError> {
        clean(input, Self::MAX_LEN).map(Reason)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A helpdesk ticket reference (e.g. `CS-1234`), optional beside a [`Reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRef(String);

impl TicketRef {
    pub const MAX_LEN: usize = 64;

    /// `None` for an empty field.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, NameError> {
        if input.trim().is_empty() {
            return Ok(None);
        }
        clean(input, Self::MAX_LEN).map(|t| Some(TicketRef(t)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_tickets() {
        assert_eq!(Reason::parse("  lost   phone ").unwrap().as_str(), "lost phone");
        assert_eq!(Reason::parse(" "), Err(NameError::Empty));
        assert!(Reason::parse(&"x".repeat(501)).is_err());
        assert_eq!(TicketRef::parse_optional("  ").unwrap(), None);
        assert_eq!(TicketRef::parse_optional(" CS-1 ").unwrap().unwrap().as_str(), "CS-1");
        assert!(TicketRef::parse_optional("a\u{7}b").is_err());
    }

    #[test]
    fn collapses_spaces_and_compares_without_case() {
        let a = OrgName::parse("  Port of   Rotterdam ").unwrap();
        assert_eq!(a.as_str(), "Port of Rotterdam");
        assert_eq!(a.key(), OrgName::parse("PORT OF ROTTERDAM").unwrap().key());
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(DisplayName::parse("   "), Err(NameError::Empty));
        assert_eq!(
            DisplayName::parse(&"x".repeat(101)),
            Err(NameError::TooLong { max: 100 })
        );
        assert!(DisplayName::parse(&"x".repeat(100)).is_ok());
        assert_eq!(OrgName::parse("a\u{7}b"), Err(NameError::ControlCharacters));
    }
}
