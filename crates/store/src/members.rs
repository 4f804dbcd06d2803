//! Changes to one account that must not interleave with another change to it: status, role, the MFA
//! methods as a whole. Each use case first takes [`Tx::lock_user`] (a row lock on PostgreSQL; SQLite
//! writers are serialized anyway), then reads, decides and writes — so two administrators resetting
//! the same user, or two removals racing for the last method, are settled one after the other.
//!
//! Also the organization's member list with each member's MFA state, for administrators.

use portcullis_core::{CredentialId, OrgId, OrgRole, UnixTime, UserId, UserStatus};
use sqlx::Row;

use crate::records::{UserRecord, user_from_row};
use crate::{Backend, Result, Tx};

/// A member as the organization's user list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user: UserRecord,
    pub apps: i64,
    pub keys: i64,
    /// An invitation link that can still be used (only for invited users).
    pub invitation_open: bool,
}

/// What an MFA reset removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Removed {
    pub apps: u64,
    pub keys: u64,
    pub sessions: u64,
}

/// How many members of an organization have which second factors, and open invitations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrgMfaCounts {
    pub none: i64,
    pub app_only: i64,
    pub key_only: i64,
    pub both: i64,
    pub invited: i64,
    pub disabled: i64,
}

/// `LIKE` pattern for "contains `text`", with `\` escaping the wildcards.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Tx {
    /// Locks a user's row until the end of the transaction and reads it.
    pub async fn lock_user(&mut self, id: UserId) -> Result<Option<UserRecord>> {
        let sql = match self.backend {
            Backend::Postgres => concat!(
                "SELECT id, email, display_name, org_id, org_role, platform_role, status, password_hash, ",
                "locale, created_at, last_login_at, mfa_enroll_by FROM users WHERE id = $1 FOR UPDATE"
            ),
            Backend::Sqlite => concat!(
                "SELECT id, email, display_name, org_id, org_role, platform_role, status, password_hash, ",
                "locale, created_at, last_login_at, mfa_enroll_by FROM users WHERE id = $1"
            ),
        };
        let row = sqlx::query(sql)
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Members of an organization whose email or name contains `search` (any case), by email, with
    /// their MFA state; at most `limit`, skipping `offset`.
    pub async fn org_members(
        &mut self,
        org: OrgId,
        search: &str,
        now: UnixTime,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MemberRow>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.display_name, u.org_id, u.org_role, u.platform_role, u.status, \
                    u.password_hash, u.locale, u.created_at, u.last_login_at, u.mfa_enroll_by, \
                    (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id) AS apps, \
                    (SELECT COUNT(*) FROM security_keys k WHERE k.user_id = u.id) AS keys, \
                    (SELECT COUNT(*) FROM one_time_links l WHERE l.user_id = u.id AND l.purpose = 'invitation' \
                       AND l.used_at IS NULL AND l.expires_at > $3) AS open_links \
             FROM users u WHERE u.org_id = $1 \
               AND (LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(u.display_name, '')) LIKE $2 ESCAPE '\\') \
             ORDER BY u.email LIMIT $4 OFFSET $5",
        )
        .bind(org.to_string())
        .bind(contains_pattern(search.trim()))
        .bind(now.0)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MemberRow {
                    user: user_from_row(row)?,
                    apps: row.try_get("apps")?,
                    keys: row.try_get("keys")?,
                    invitation_open: row.try_get::<i64, _>("open_links")? > 0,
                })
            })
            .collect()
    }

    /// The dashboard's counts for an organization.
    pub async fn org_mfa_counts(&mut self, org: OrgId) -> Result<OrgMfaCounts> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT u.status, \
                    (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id) AS apps, \
                    (SELECT COUNT(*) FROM security_keys k WHERE k.user_id = u.id) AS keys \
             FROM users u WHERE u.org_id = $1",
        )
        .bind(org.to_string())
        .fetch_all(self.conn())
        .await?;
        let mut counts = OrgMfaCounts::default();
        for (status, apps, keys) in rows {
            match status.as_str() {
                "invited" => counts.invited += 1,
                "disabled" => counts.disabled += 1,
                _ => match (apps > 0, keys > 0) {
                    (false, false) => counts.none += 1,
                    (true, false) => counts.app_only += 1,
                    (false, true) => counts.key_only += 1,
                    (true, true) => counts.both += 1,
                },
            }
        }
        Ok(counts)
    }

    /// Whether the user has an invitation link that can still be used.
    pub async fn has_open_invitation(&mut self, user: UserId, now: UnixTime) -> Result<bool> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM one_time_links WHERE user_id = $1 AND purpose = 'invitation' \
             AND used_at IS NULL AND expires_at > $2",
        )
        .bind(user.to_string())
        .bind(now.0)
        .fetch_one(self.conn())
        .await?;
        Ok(count > 0)
    }

    /// Invitations to an organization that can still be accepted.
    pub async fn count_open_invitations(&mut self, org: OrgId, now: UnixTime) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM one_time_links l JOIN users u ON u.id = l.user_id \
             WHERE u.org_id = $1 AND u.status = 'invited' AND l.purpose = 'invitation' \
             AND l.used_at IS NULL AND l.expires_at > $2",
        )
        .bind(org.to_string())
        .bind(now.0)
        .fetch_one(self.conn())
        .await?)
    }

    /// Sets an account's status if it is currently `from`; true if it changed.
    pub async fn set_user_status(
        &mut self,
        id: UserId,
        from: UserStatus,
        to: UserStatus,
        now: UnixTime,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(now.0)
            .bind(id.to_string())
            .bind(from.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Changes a member's role in `org` if it is currently `from`; true if it changed. Making a second
    /// main administrator fails with `Conflict::MainAdminExists` (the unique index).
    pub async fn set_org_role(
        &mut self,
        id: UserId,
        org: OrgId,
        from: OrgRole,
        to: OrgRole,
        now: UnixTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET org_role = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND org_role = $5",
        )
        .bind(to.as_str())
        .bind(now.0)
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(from.as_str())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets (or clears) the moment by which the user must set up MFA again.
    pub async fn set_mfa_enroll_by(&mut self, id: UserId, by: Option<UnixTime>) -> Result<()> {
        sqlx::query("UPDATE users SET mfa_enroll_by = $1 WHERE id = $2")
            .bind(by.map(|t| t.0))
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Removes every second factor of a user (apps, apps being set up, keys, key ceremonies) and
    /// every session: the MFA reset.
    pub async fn remove_all_mfa(&mut self, user: UserId) -> Result<Removed> {
        let id = user.to_string();
        let apps = sqlx::query("DELETE FROM totp_credentials WHERE user_id = $1")
            .bind(&id)
            .execute(self.conn())
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM totp_enrollments WHERE user_id = $1")
            .bind(&id)
            .execute(self.conn())
            .await?;
        let keys = sqlx::query("DELETE FROM security_keys WHERE user_id = $1")
            .bind(&id)
            .execute(self.conn())
            .await?
            .rows_affected();
        // Ceremonies go with their sessions (ON DELETE CASCADE).
        let sessions = self.delete_sessions_of(user).await?;
        Ok(Removed { apps, keys, sessions })
    }

    /// Removes one authenticator app of a user; false if the user has no such app.
    pub async fn delete_totp_credential(&mut self, user: UserId, id: CredentialId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM totp_credentials WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes one security key of a user; false if the user has no such key.
    pub async fn delete_security_key(&mut self, user: UserId, id: CredentialId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM security_keys WHERE id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes an invited user who never accepted (revoking the invitation frees the email); false
    /// unless the user is still invited.
    pub async fn delete_invited_user(&mut self, id: UserId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1 AND status = 'invited'")
            .bind(id.to_string())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_cannot_smuggle_wildcards() {
        assert_eq!(contains_pattern("Anna"), "%anna%");
        assert_eq!(contains_pattern("100%_x\\"), "%100\\%\\_x\\\\%");
    }
}
