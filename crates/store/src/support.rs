//! The customer-service console's search over every user: by the start of an email address, of a
//! name, or of an organization's name, ignoring case, a page at a time in email order.
//!
//! Each of the three is a prefix match on an indexed lower-case column, so a search touches only the
//! rows it can return, however many users there are. The one dialect difference: SQLite answers a
//! prefix `GLOB 'abc*'` from an ordinary index (its `LIKE` would not use one, being case-insensitive),
//! PostgreSQL a prefix `LIKE 'abc%'` from a `text_pattern_ops` index (migration 0007).

use portcullis_core::OrgName;
use sqlx::Row;

use crate::records::{UserRecord, user_from_row};
use crate::{Backend, Result, Tx};

/// A user found by the console, with their organization's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundUser {
    pub user: UserRecord,
    pub org_name: Option<OrgName>,
}

/// The prefix pattern of `text` (lower-cased) for the backend, with its wildcards escaped.
fn prefix_pattern(backend: Backend, text: &str) -> String {
    let mut pattern = String::new();
    for c in text.trim().to_lowercase().chars() {
        match backend {
            // GLOB has no escape character: a wildcard is matched literally inside brackets.
            Backend::Sqlite if matches!(c, '*' | '?' | '[') => {
                pattern.push('[');
                pattern.push(c);
                pattern.push(']');
            }
            Backend::Postgres if matches!(c, '%' | '_' | '\\') => {
                pattern.push('\\');
                pattern.push(c);
            }
            _ => pattern.push(c),
        }
    }
    pattern.push(match backend {
        Backend::Sqlite => '*',
        Backend::Postgres => '%',
    });
    pattern
}

macro_rules! search_sql {
    ($op:literal) => {
        concat!(
            "SELECT u.id, u.email, u.display_name, u.org_id, u.org_role, u.platform_role, u.status, u.password_hash, ",
            "u.locale, u.created_at, u.last_login_at, u.mfa_enroll_by, o.name AS org_name ",
            "FROM users u LEFT JOIN organizations o ON o.id = u.org_id WHERE u.id IN (",
            "SELECT id FROM users WHERE email ",
            $op,
            " UNION SELECT id FROM users WHERE name_key ",
            $op,
            " UNION SELECT u2.id FROM users u2 JOIN organizations o2 ON o2.id = u2.org_id WHERE o2.name_key ",
            $op,
            ") ORDER BY u.email LIMIT $2 OFFSET $3"
        )
    };
}

impl Tx {
    /// Users whose email, name or organization starts with `text`; all users when it is empty.
    pub async fn search_users(&mut self, text: &str, limit: i64, offset: i64) -> Result<Vec<FoundUser>> {
        let rows = if text.trim().is_empty() {
            sqlx::query(
                "SELECT u.id, u.email, u.display_name, u.org_id, u.org_role, u.platform_role, u.status, \
                 u.password_hash, u.locale, u.created_at, u.last_login_at, u.mfa_enroll_by, o.name AS org_name \
                 FROM users u LEFT JOIN organizations o ON o.id = u.org_id ORDER BY u.email LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(self.conn())
            .await?
        } else {
            let sql = match self.backend {
                Backend::Sqlite => search_sql!("GLOB $1"),
                Backend::Postgres => search_sql!("LIKE $1"),
            };
            sqlx::query(sql)
                .bind(prefix_pattern(self.backend, text))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.conn())
                .await?
        };
        rows.iter()
            .map(|row| {
                let org_name: Option<String> = row.try_get("org_name")?;
                Ok(FoundUser {
                    user: user_from_row(row)?,
                    org_name: org_name
                        .map(|n| OrgName::parse(&n).map_err(|_| crate::error::corrupt(format!("org name {n:?}"))))
                        .transpose()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_the_search_text_are_literal() {
        assert_eq!(prefix_pattern(Backend::Sqlite, " Anna "), "anna*");
        assert_eq!(prefix_pattern(Backend::Sqlite, "a*b?[c"), "a[*]b[?][[]c*");
        assert_eq!(prefix_pattern(Backend::Postgres, "100%_x\\"), "100\\%\\_x\\\\%");
    }
}
