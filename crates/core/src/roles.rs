//! Roles and account status. A user has at most one organization and, within it, exactly one
//! [`OrgRole`]; an individual has neither. Customer service is a platform role, outside organizations.
//! The store enforces "at most one main administrator per organization" with a unique index.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(input: &str) -> Result<Self, UnknownValue> {
                match input { $($text => Ok($name::$variant),)+ other => Err(UnknownValue(other.to_owned())) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

text_enum!(
    /// A member's role in their organization.
    OrgRole { MainAdmin => "main_admin", UserAdmin => "user_admin", Employee => "employee" }
);
text_enum!(
    /// A role on the platform itself, independent of organizations.
    PlatformRole { CustomerService => "customer_service" }
);
text_enum!(
    /// Where an account stands: invited (no password yet), active, or disabled by an administrator.
    UserStatus { Invited => "invited", Active => "active", Disabled => "disabled" }
);

impl OrgRole {
    /// Roles an invitation may grant: the main administrator is only ever created with the
    /// organization or handed over, never invited as a second one.
    pub fn is_invitable(self) -> bool {
        !matches!(self, OrgRole::MainAdmin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        for role in OrgRole::ALL {
            assert_eq!(OrgRole::parse(role.as_str()).unwrap(), *role);
        }
        for status in UserStatus::ALL {
            assert_eq!(UserStatus::parse(status.as_str()).unwrap(), *status);
        }
        assert_eq!(
            PlatformRole::parse("customer_service").unwrap(),
            PlatformRole::CustomerService
        );
        assert!(OrgRole::parse("admin").is_err());
    }

    #[test]
    fn main_admin_is_not_invitable() {
        assert!(!OrgRole::MainAdmin.is_invitable());
        assert!(OrgRole::UserAdmin.is_invitable());
        assert!(OrgRole::Employee.is_invitable());
    }
}
