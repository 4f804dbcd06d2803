//! Organizations.

use portcullis_core::{OrgId, OrgName};

use crate::records::{OrgRecord, OrgSummary, org_from_row};
use crate::{Result, Tx};

impl Tx {
    /// Fails with `Conflict::OrgNameTaken` when the name (ignoring case) is in use.
    pub async fn insert_org(&mut self, org: &OrgRecord) -> Result<()> {
        sqlx::query("INSERT INTO organizations (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)")
            .bind(org.id.to_string())
            .bind(org.name.as_str())
            .bind(org.name.key())
            .bind(org.created_at.0)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn find_org_by_name(&mut self, name: &OrgName) -> Result<Option<OrgRecord>> {
        let row = sqlx::query("SELECT id, name, created_at FROM organizations WHERE name_key = $1")
            .bind(name.key())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn find_org(&mut self, id: OrgId) -> Result<Option<OrgRecord>> {
        let row = sqlx::query("SELECT id, name, created_at FROM organizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// All organizations by name, with member counts and the main administrator's email.
    pub async fn list_orgs(&mut self) -> Result<Vec<OrgSummary>> {
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.created_at, \
                    (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id) AS members, \
                    (SELECT u.email FROM users u WHERE u.org_id = o.id AND u.org_role = 'main_admin') AS main_admin \
             FROM organizations o ORDER BY o.name_key",
        )
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                let main_admin: Option<String> = row.try_get("main_admin")?;
                Ok(OrgSummary {
                    org: org_from_row(row)?,
                    members: row.try_get("members")?,
                    main_admin: main_admin
                        .map(|e| portcullis_core::Email::parse(&e).map_err(crate::error::corrupt))
                        .transpose()?,
                })
            })
            .collect()
    }
}
