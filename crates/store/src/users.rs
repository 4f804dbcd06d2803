//! Users.

use portcullis_core::{DisplayName, Email, OrgId, UnixTime, UserId, UserStatus};

use crate::records::{NewUser, UserRecord, user_from_row};
use crate::{Result, Tx};

/// `SELECT <every user column> FROM users <tail>`, as one static string (sqlx wants static SQL).
macro_rules! select_users {
    ($tail:literal) => {
        concat!(
            "SELECT id, email, display_name, org_id, org_role, platform_role, status, password_hash, ",
            "locale, created_at, last_login_at, mfa_enroll_by FROM users ",
            $tail
        )
    };
}

impl Tx {
    /// Fails with `Conflict::EmailTaken` for a known email and `Conflict::MainAdminExists` for a
    /// second main administrator.
    pub async fn insert_user(&mut self, user: &NewUser) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, org_id, org_role, platform_role, status, created_at, updated_at, \
             name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
        )
        .bind(user.id.to_string())
        .bind(user.email.as_str())
        .bind(user.display_name.as_ref().map(|n| n.as_str().to_owned()))
        .bind(user.org.map(|(org, _)| org.to_string()))
        .bind(user.org.map(|(_, role)| role.as_str()))
        .bind(user.platform_role.map(|r| r.as_str()))
        .bind(user.status.as_str())
        .bind(user.created_at.0)
        .bind(user.display_name.as_ref().map(|n| n.as_str().to_lowercase()))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn find_user(&mut self, id: UserId) -> Result<Option<UserRecord>> {
        let row = sqlx::query(select_users!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn find_user_by_email(&mut self, email: &Email) -> Result<Option<UserRecord>> {
        let row = sqlx::query(select_users!("WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Users of one organization, or all users, by email.
    pub async fn list_users(&mut self, org: Option<OrgId>) -> Result<Vec<UserRecord>> {
        let rows = match org {
            Some(org) => {
                sqlx::query(select_users!("WHERE org_id = $1 ORDER BY email"))
                    .bind(org.to_string())
                    .fetch_all(self.conn())
                    .await?
            }
            None => {
                sqlx::query(select_users!("ORDER BY email"))
                    .fetch_all(self.conn())
                    .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    pub async fn count_users(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.conn())
            .await?)
    }

    /// An invited user becomes active with their chosen name and password. Returns false (and
    /// changes nothing) unless the user is still invited.
    pub async fn activate_user(
        &mut self,
        id: UserId,
        display_name: &DisplayName,
        password_hash: &str,
        now: UnixTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET status = $1, display_name = $2, name_key = $7, password_hash = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(UserStatus::Active.as_str())
        .bind(display_name.as_str())
        .bind(password_hash)
        .bind(now.0)
        .bind(id.to_string())
        .bind(UserStatus::Invited.as_str())
        .bind(display_name.as_str().to_lowercase())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_password_hash(&mut self, id: UserId, password_hash: &str, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now.0)
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn record_login(&mut self, id: UserId, now: UnixTime) -> Result<()> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(now.0)
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_user_locale(&mut self, id: UserId, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
