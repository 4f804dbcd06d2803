//! Development and benchmarking aids: `portcullis dev seed` fills an empty database with many
//! organizations and users, to measure the console's search and the administrators' pages at scale.
//! Seeded users have no password (nobody can log in as them) and their emails end in `.example`
//! (RFC 2606), so no mail can reach a real person. The command refuses a database that has users.

use portcullis_core::{DisplayName, Email, OrgName, OrgRole, UserStatus};
use portcullis_store::records::{NewUser, OrgRecord};
use serde_json::json;

use super::{App, AppError, Client, event, random};

const FIRST: [&str; 16] = [
    "Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Grace", "Hugo", "Iris", "Jan", "Kees", "Lotte", "Milan", "Noor",
    "Olaf", "Pien",
];
const LAST: [&str; 16] = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
];

/// Rows written per transaction while seeding.
const BATCH: usize = 2_000;

impl App {
    /// Seeds `orgs` organizations (each with a main administrator) and `users` more users spread over
    /// them (every 20th a user administrator, every 50th an individual). Returns (organizations, users).
    pub async fn dev_seed(&self, users: u64, orgs: u64) -> Result<(u64, u64), AppError> {
        let now = self.now();
        if self.store.read().await?.count_users().await? > 0 {
            return Err(AppError::SeedNeedsEmpty);
        }
        let orgs = orgs.max(1);
        let mut org_ids = Vec::new();
        let mut pending = Vec::new();
        for i in 0..orgs {
            let org = OrgRecord {
                id: random::org_id()?,
                name: OrgName::parse(&format!("Seed Org {i:05}"))?,
                created_at: now,
            };
            let admin = seeded_user(
                &format!("admin@org{i}.example"),
                i,
                Some((org.id, OrgRole::MainAdmin)),
                now,
            )?;
            org_ids.push(org.id);
            pending.push((Some(org), admin));
        }
        for n in 0..users {
            let org = (n % 50 != 49).then(|| org_ids[(n % orgs) as usize]);
            let role = if n % 20 == 0 {
                OrgRole::UserAdmin
            } else {
                OrgRole::Employee
            };
            let email = match org {
                Some(_) => format!("user{n}@org{}.example", n % orgs),
                None => format!("person{n}@individuals.example"),
            };
            pending.push((None, seeded_user(&email, n, org.map(|o| (o, role)), now)?));
        }
        let total = pending.len() as u64;
        for chunk in pending.chunks(BATCH) {
            let mut tx = self.store.begin().await?;
            for (org, user) in chunk {
                if let Some(org) = org {
                    tx.insert_org(org).await?;
                }
                tx.insert_user(user).await?;
            }
            tx.commit().await?;
        }
        let mut tx = self.store.begin().await?;
        let detail = json!({ "organizations": orgs, "users": total });
        tx.append_audit(&event(now, "dev_seeded", None, None, None, &Client::default(), detail))
            .await?;
        tx.commit().await?;
        Ok((orgs, total))
    }
}

fn seeded_user(
    email: &str,
    n: u64,
    org: Option<(portcullis_core::OrgId, OrgRole)>,
    now: portcullis_core::UnixTime,
) -> Result<NewUser, AppError> {
    let name = format!("{} {}", FIRST[(n % 16) as usize], LAST[((n / 16) % 16) as usize]);
    Ok(NewUser {
        id: random::user_id()?,
        email: Email::parse(email)?,
        display_name: Some(DisplayName::parse(&name)?),
        org,
        platform_role: None,
        status: UserStatus::Active,
        created_at: now,
    })
}
