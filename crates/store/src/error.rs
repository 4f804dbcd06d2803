//! Storage errors. A unique-constraint violation becomes a named [`Conflict`] so that the layers above
//! can answer "this email already has an account" instead of a generic failure.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    EmailTaken,
    OrgNameTaken,
    MainAdminExists,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("the database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("a stored value is not valid: {0}")]
    Corrupt(String),
    #[error("migrating the database failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.kind() == sqlx::error::ErrorKind::UniqueViolation
        {
            // PostgreSQL names the constraint; SQLite names the columns in its message.
            let what = db
                .constraint()
                .map(str::to_owned)
                .unwrap_or_else(|| db.message().to_owned());
            let conflict = if what.contains("users_email_unique") || what.contains("users.email") {
                Conflict::EmailTaken
            } else if what.contains("organizations_name_key_unique") || what.contains("organizations.name_key") {
                Conflict::OrgNameTaken
            } else if what.contains("users_one_main_admin_per_org") || what.contains("users.org_id") {
                Conflict::MainAdminExists
            } else {
                Conflict::Other
            };
            return StoreError::Conflict(conflict);
        }
        StoreError::Database(err)
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
