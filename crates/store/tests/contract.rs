//! The storage contract: every test runs against SQLite and against PostgreSQL (when
//! `PORTCULLIS_TEST_DATABASE_URL` is set), each on a fresh database, through the one `Store` interface.

use portcullis_core::oidc::SigningAlg;
use portcullis_core::security_key::Aaguid;
use portcullis_core::throttle::ThrottleState;
use portcullis_core::{
    Amr, CredentialId, DisplayName, Email, LoginStage, MailId, OrgId, OrgName, OrgRole, PlainToken, PlatformRole,
    TokenKind, UnixTime, UserId, UserStatus,
};
use portcullis_store::outbox::{NewMail, OutboxMail};
use portcullis_store::records::{AuditEvent, LinkPurpose, LinkRecord, NewUser, OrgRecord, SessionRecord};
use portcullis_store::security_keys::{CeremonyPurpose, CeremonyRecord, KeyModelRecord, SecurityKeyRecord};
use portcullis_store::signing_keys::SigningKeyRecord;
use portcullis_store::{AttemptKeys, Conflict, Store, StoreError};
use portcullis_testkit::{Kind, TestDatabase};

/// Declares one contract test, run once per backend.
macro_rules! contract {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Kind::Sqlite, stringify!($name), $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Kind::Postgres, stringify!($name), $body).await;
            }
        }
    };
}

async fn run<F, Fut>(kind: Kind, name: &str, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = TestDatabase::of_kind(kind, &format!("contract::{name}::postgres")).await else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    body(store.clone()).await;
    store.close().await;
}

fn rnd16() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b
}

fn token() -> PlainToken {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    PlainToken::from_random(TokenKind::OneTimeLink, b)
}

fn new_user(email: &str, org: Option<(OrgId, OrgRole)>) -> NewUser {
    NewUser {
        id: UserId::from_random_bytes(rnd16()),
        email: Email::parse(email).unwrap(),
        display_name: None,
        org,
        platform_role: None,
        status: UserStatus::Invited,
        created_at: UnixTime(100),
    }
}

fn new_org(name: &str) -> OrgRecord {
    OrgRecord {
        id: OrgId::from_random_bytes(rnd16()),
        name: OrgName::parse(name).unwrap(),
        created_at: UnixTime(1),
    }
}

async fn add_org(store: &Store, name: &str) -> OrgRecord {
    let org = new_org(name);
    let mut tx = store.begin().await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.commit().await.unwrap();
    org
}

async fn add_user(store: &Store, user: &NewUser) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.insert_user(user).await?;
    tx.commit().await
}

contract!(users_are_found_by_email_whatever_its_case, |store: Store| async move {
    let mut user = new_user("Anna@Example.com", None);
    user.platform_role = Some(PlatformRole::CustomerService);
    add_user(&store, &user).await.unwrap();
    let mut tx = store.read().await.unwrap();
    let found = tx
        .find_user_by_email(&Email::parse("ANNA@example.COM").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(found.status, UserStatus::Invited);
    assert_eq!(found.platform_role, Some(PlatformRole::CustomerService));
    assert_eq!(found.password_hash, None);
    assert_eq!(tx.find_user(user.id).await.unwrap().unwrap().email, user.email);
    assert!(
        tx.find_user_by_email(&Email::parse("bob@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );
});

contract!(a_second_account_for_an_email_is_a_conflict, |store: Store| async move {
    add_user(&store, &new_user("anna@example.com", None)).await.unwrap();
    let err = add_user(&store, &new_user("ANNA@example.com", None)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::EmailTaken)), "{err:?}");
});

contract!(organization_names_are_unique_without_case, |store: Store| async move {
    add_org(&store, "Port of Rotterdam").await;
    let mut tx = store.begin().await.unwrap();
    let err = tx.insert_org(&new_org("PORT OF ROTTERDAM")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::OrgNameTaken)), "{err:?}");
    drop(tx);
    let mut tx = store.read().await.unwrap();
    assert!(
        tx.find_org_by_name(&OrgName::parse("port of rotterdam").unwrap())
            .await
            .unwrap()
            .is_some()
    );
});

contract!(
    the_database_refuses_a_second_main_administrator,
    |store: Store| async move {
        let org = add_org(&store, "Acme").await;
        let other = add_org(&store, "Other").await;
        add_user(&store, &new_user("main@acme.test", Some((org.id, OrgRole::MainAdmin))))
            .await
            .unwrap();
        add_user(&store, &new_user("admin@acme.test", Some((org.id, OrgRole::UserAdmin))))
            .await
            .unwrap();
        add_user(
            &store,
            &new_user("main@other.test", Some((other.id, OrgRole::MainAdmin))),
        )
        .await
        .unwrap();
        let err = add_user(
            &store,
            &new_user("second@acme.test", Some((org.id, OrgRole::MainAdmin))),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(Conflict::MainAdminExists)),
            "{err:?}"
        );
        let mut tx = store.read().await.unwrap();
        let orgs = tx.list_orgs().await.unwrap();
        assert_eq!(orgs.len(), 2);
        assert_eq!(orgs[0].org.name.as_str(), "Acme");
        assert_eq!(orgs[0].members, 2);
        assert_eq!(orgs[0].main_admin.as_ref().unwrap().as_str(), "main@acme.test");
        assert_eq!(tx.list_users(Some(org.id)).await.unwrap().len(), 2);
        assert_eq!(tx.list_users(None).await.unwrap().len(), 3);
    }
);

contract!(
    a_transaction_dropped_without_commit_leaves_nothing,
    |store: Store| async move {
        let org = new_org("Half Done");
        let mut tx = store.begin().await.unwrap();
        tx.insert_org(&org).await.unwrap();
        tx.insert_user(&new_user("main@half.test", Some((org.id, OrgRole::MainAdmin))))
            .await
            .unwrap();
        drop(tx);
        let mut tx = store.read().await.unwrap();
        assert!(tx.find_org(org.id).await.unwrap().is_none());
        assert_eq!(tx.count_users().await.unwrap(), 0);
    }
);

contract!(activating_needs_an_invited_user, |store: Store| async move {
    let user = new_user("anna@example.com", None);
    add_user(&store, &user).await.unwrap();
    let name = DisplayName::parse("Anna").unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.activate_user(user.id, &name, "$argon2id$fake", UnixTime(5))
            .await
            .unwrap()
    );
    assert!(
        !tx.activate_user(user.id, &name, "$argon2id$other", UnixTime(6))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let found = store.read().await.unwrap().find_user(user.id).await.unwrap().unwrap();
    assert_eq!(found.status, UserStatus::Active);
    assert_eq!(found.display_name, Some(name));
    assert_eq!(found.password_hash.as_deref(), Some("$argon2id$fake"));
});

contract!(
    a_link_is_used_once_and_never_after_it_expires,
    |store: Store| async move {
        let user = new_user("anna@example.com", None);
        add_user(&store, &user).await.unwrap();
        let (fresh, old) = (token(), token());
        let link = |expires| LinkRecord {
            purpose: LinkPurpose::Invitation,
            user_id: Some(user.id),
            created_by: None,
            created_at: UnixTime(0),
            expires_at: UnixTime(expires),
            used_at: None,
            email: None,
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_link(&fresh.hash(), &link(1000)).await.unwrap();
        tx.insert_link(&old.hash(), &link(10)).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert!(!tx.use_link(&old.hash(), UnixTime(10)).await.unwrap(), "expired at 10");
        assert!(tx.use_link(&fresh.hash(), UnixTime(20)).await.unwrap());
        assert!(!tx.use_link(&fresh.hash(), UnixTime(21)).await.unwrap(), "second use");
        assert!(!tx.use_link(&token().hash(), UnixTime(21)).await.unwrap(), "unknown");
        tx.commit().await.unwrap();
        let found = store
            .read()
            .await
            .unwrap()
            .find_link(&fresh.hash())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.used_at, Some(UnixTime(20)));
        assert_eq!(found.user_id, Some(user.id));
    }
);

contract!(
    a_registration_link_carries_its_address_and_no_user,
    |store: Store| async move {
        let link = token();
        let record = LinkRecord {
            purpose: LinkPurpose::Registration,
            user_id: None,
            created_by: None,
            created_at: UnixTime(0),
            expires_at: UnixTime(1000),
            used_at: None,
            email: Some(Email::parse("Ria@Example.com").unwrap()),
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_link(&link.hash(), &record).await.unwrap();
        tx.commit().await.unwrap();
        let found = store
            .read()
            .await
            .unwrap()
            .find_link(&link.hash())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, record);
        assert_eq!(found.email.unwrap().as_str(), "ria@example.com");
    }
);

contract!(racing_uses_of_one_link_let_exactly_one_win, |store: Store| async move {
    let link = token();
    let mut tx = store.begin().await.unwrap();
    tx.insert_link(
        &link.hash(),
        &LinkRecord {
            purpose: LinkPurpose::Bootstrap,
            user_id: None,
            created_by: None,
            created_at: UnixTime(0),
            expires_at: UnixTime(1000),
            used_at: None,
            email: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (store, hash) = (store.clone(), link.hash());
            tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                let won = tx.use_link(&hash, UnixTime(5)).await.unwrap();
                tx.commit().await.unwrap();
                won
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    assert_eq!(wins, 1);
});

contract!(sessions_are_stored_by_hash, |store: Store| async move {
    let user = new_user("anna@example.com", None);
    add_user(&store, &user).await.unwrap();
    let id = PlainToken::from_random(TokenKind::Session, [3; 32]);
    let session = SessionRecord {
        user_id: user.id,
        stage: LoginStage::MfaSetupRequired,
        amr: vec![Amr::Pwd],
        created_at: UnixTime(10),
        last_seen_at: UnixTime(10),
        ip: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
        mfa_at: Some(UnixTime(10)),
        sid: Some("sid-1".into()),
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_session(&id.hash(), &session).await.unwrap();
    tx.touch_session(&id.hash(), UnixTime(70)).await.unwrap();
    tx.commit().await.unwrap();
    let found = store
        .read()
        .await
        .unwrap()
        .find_session(&id.hash())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found,
        SessionRecord {
            last_seen_at: UnixTime(70),
            ..session
        }
    );
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.delete_dead_sessions(UnixTime(70), UnixTime(0)).await.unwrap(), 0);
    assert!(tx.delete_session(&id.hash()).await.unwrap());
    assert!(!tx.delete_session(&id.hash()).await.unwrap());
    assert!(tx.find_session(&id.hash()).await.unwrap().is_none());
});

contract!(throttle_updates_are_compare_and_set, |store: Store| async move {
    let zero = ThrottleState::default();
    let one = ThrottleState {
        failures: 1,
        last_failure_at: UnixTime(5),
    };
    let two = ThrottleState {
        failures: 2,
        last_failure_at: UnixTime(6),
    };
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.throttle("acct:x").await.unwrap(), zero);
    assert!(tx.swap_throttle("acct:x", zero, one).await.unwrap());
    assert!(!tx.swap_throttle("acct:x", zero, two).await.unwrap(), "stale old value");
    assert!(tx.swap_throttle("acct:x", one, two).await.unwrap());
    assert_eq!(tx.throttle("acct:x").await.unwrap(), two);
    tx.clear_throttle("acct:x").await.unwrap();
    assert_eq!(tx.throttle("acct:x").await.unwrap(), zero);
    tx.commit().await.unwrap();
});

contract!(
    an_attempt_counts_on_the_account_and_the_address_at_once,
    |store: Store| async move {
        let keys = AttemptKeys {
            account: "acct:a",
            shared: Some("ip:1"),
        };
        let zero = ThrottleState::default();
        let at = |failures, t| ThrottleState {
            failures,
            last_failure_at: UnixTime(t),
        };
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.attempt_throttles(keys).await.unwrap(), (zero, Some(zero)));
        assert!(
            tx.swap_attempt_throttles(keys, (zero, Some(zero)), (at(1, 5), Some(at(1, 5))))
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        // A stale view of either key fails the swap; the caller then rolls back (one key may be written).
        for stale in [(zero, Some(zero)), (at(1, 5), Some(zero)), (zero, Some(at(1, 5)))] {
            let mut tx = store.begin().await.unwrap();
            assert!(
                !tx.swap_attempt_throttles(keys, stale, (at(9, 9), Some(at(9, 9))))
                    .await
                    .unwrap(),
                "{stale:?}"
            );
        }
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.attempt_throttles(keys).await.unwrap(),
            (at(1, 5), Some(at(1, 5))),
            "rolled back whole"
        );
        assert!(
            tx.swap_attempt_throttles(keys, (at(1, 5), Some(at(1, 5))), (at(2, 6), Some(at(2, 6))))
                .await
                .unwrap()
        );

        // Only the account key when the address is unknown.
        let alone = AttemptKeys {
            account: "acct:b",
            shared: None,
        };
        assert!(
            tx.swap_attempt_throttles(alone, (zero, None), (at(1, 7), None))
                .await
                .unwrap()
        );
        assert_eq!(tx.attempt_throttles(alone).await.unwrap(), (at(1, 7), None));

        // A success clears the account and takes back one attempt of the address.
        tx.settle_attempt_success(keys).await.unwrap();
        assert_eq!(tx.attempt_throttles(keys).await.unwrap(), (at(0, 6), Some(at(1, 6))));
        tx.commit().await.unwrap();
    }
);

contract!(
    racing_throttle_updates_count_every_attempt_once,
    |store: Store| async move {
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    loop {
                        let mut tx = store.begin().await.unwrap();
                        let old = tx.throttle("ip:1").await.unwrap();
                        let new = ThrottleState {
                            failures: old.failures + 1,
                            last_failure_at: UnixTime(9),
                        };
                        if tx.swap_throttle("ip:1", old, new).await.unwrap() {
                            tx.commit().await.unwrap();
                            return;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(store.read().await.unwrap().throttle("ip:1").await.unwrap().failures, 12);
    }
);

contract!(
    audit_events_are_appended_and_read_newest_first,
    |store: Store| async move {
        let user = new_user("anna@example.com", None);
        add_user(&store, &user).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        for (at, kind) in [(1, "login_failed"), (2, "login_password_ok")] {
            tx.append_audit(&AuditEvent {
                at: UnixTime(at),
                kind: kind.into(),
                actor: None,
                target: Some(user.id),
                org: None,
                ip: Some("192.0.2.1".into()),
                detail: serde_json::json!({"reason": "test"}),
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let events = store.read().await.unwrap().audit_of_user(user.id, 10).await.unwrap();
        assert_eq!(
            events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["login_password_ok", "login_failed"]
        );
        assert_eq!(events[0].detail["reason"], "test");
    }
);

/// Both backends' migrations produce the same tables and columns.
#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Some(pg) = TestDatabase::postgres("contract::sqlite_and_postgres_schemas_match").await else {
        return;
    };
    let sqlite = TestDatabase::sqlite();
    let mut schemas = Vec::new();
    for db in [&sqlite, &pg] {
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        schemas.push(store.schema_columns().await.unwrap());
    }
    assert!(schemas[0].len() > 20);
    assert_eq!(schemas[0], schemas[1]);
}

/// Migrating twice (a restart, or a second node) is harmless.
#[tokio::test]
async fn migrations_are_idempotent() {
    let db = TestDatabase::sqlite();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
}

fn security_key(user: UserId, credential_id: &str) -> SecurityKeyRecord {
    SecurityKeyRecord {
        id: CredentialId::from_random_bytes(rnd16()),
        user_id: user,
        credential_id: credential_id.into(),
        name: "Blue key".into(),
        aaguid: Aaguid::parse("2fc0579f-8113-47ea-b116-bb5a8db9202a").unwrap(),
        model: Some("YubiKey 5 Series".into()),
        credential: r#"{"counter":3}"#.into(),
        sign_count: 3,
        user_verified: true,
        backup_eligible: false,
        backup_state: false,
        suspected_clone: false,
        created_at: UnixTime(50),
        last_used_at: None,
    }
}

contract!(
    security_keys_are_unique_and_their_counter_moves_by_compare_and_set,
    |store: Store| async move {
        let anna = new_user("anna@example.com", None);
        let bob = new_user("bob@example.com", None);
        add_user(&store, &anna).await.unwrap();
        add_user(&store, &bob).await.unwrap();
        let key = security_key(anna.id, "Y3JlZC0x");
        let mut tx = store.begin().await.unwrap();
        tx.insert_security_key(&key).await.unwrap();
        tx.commit().await.unwrap();
        // The same authenticator credential cannot be registered a second time, for anyone.
        let mut tx = store.begin().await.unwrap();
        assert!(tx.insert_security_key(&security_key(bob.id, "Y3JlZC0x")).await.is_err());
        drop(tx);

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.security_keys_of(anna.id).await.unwrap(), vec![key.clone()]);
        assert_eq!(
            tx.security_key_by_credential_id("Y3JlZC0x")
                .await
                .unwrap()
                .map(|k| k.id),
            Some(key.id)
        );
        assert!(tx.security_keys_of(bob.id).await.unwrap().is_empty());
        // Two logins racing from counter 3: only the first moves it.
        assert!(
            tx.use_security_key(key.id, 3, 4, "{}", true, true, UnixTime(60))
                .await
                .unwrap()
        );
        assert!(
            !tx.use_security_key(key.id, 3, 5, "{}", false, false, UnixTime(61))
                .await
                .unwrap()
        );
        assert!(!tx.rename_security_key(bob.id, key.id, "Mine now").await.unwrap());
        assert!(tx.rename_security_key(anna.id, key.id, "Red key").await.unwrap());
        let found = tx.security_keys_of(anna.id).await.unwrap().remove(0);
        assert_eq!(
            (
                found.sign_count,
                found.backup_state,
                found.last_used_at,
                found.name.as_str()
            ),
            (4, true, Some(UnixTime(60)), "Red key")
        );
        // A key suspected of being cloned cannot log in any more.
        tx.mark_security_key_suspected_clone(key.id).await.unwrap();
        assert!(
            !tx.use_security_key(key.id, 4, 5, "{}", false, false, UnixTime(62))
                .await
                .unwrap()
        );
        assert!(tx.security_keys_of(anna.id).await.unwrap()[0].suspected_clone);
        let summary = tx.mfa_summary(anna.id).await.unwrap();
        assert_eq!(
            (summary.apps, summary.keys, summary.key_last_used),
            (0, 1, Some(UnixTime(60)))
        );
        assert_eq!(tx.count_mfa_methods(anna.id).await.unwrap(), 1);
        tx.commit().await.unwrap();
    }
);

contract!(
    ceremonies_are_single_use_and_bound_to_their_session,
    |store: Store| async move {
        let anna = new_user("anna@example.com", None);
        add_user(&store, &anna).await.unwrap();
        let mut hashes = Vec::new();
        let mut tx = store.begin().await.unwrap();
        for n in [1u8, 2] {
            let id = PlainToken::from_random(TokenKind::Session, [n; 32]);
            let session = SessionRecord {
                user_id: anna.id,
                stage: LoginStage::MfaSetupRequired,
                amr: vec![Amr::Pwd],
                created_at: UnixTime(10),
                last_seen_at: UnixTime(10),
                ip: None,
                user_agent: None,
                mfa_at: None,
                sid: None,
            };
            tx.insert_session(&id.hash(), &session).await.unwrap();
            hashes.push(id.hash());
        }
        let ceremony = CeremonyRecord {
            id: "c1".into(),
            session_hash: hashes[0],
            user_id: anna.id,
            purpose: CeremonyPurpose::Register,
            state: "{}".into(),
            created_at: UnixTime(10),
            expires_at: UnixTime(310),
        };
        tx.insert_ceremony(&ceremony).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        // Another session, or the wrong purpose, neither gets nor consumes it.
        assert_eq!(
            tx.take_ceremony("c1", &hashes[1], CeremonyPurpose::Register)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            tx.take_ceremony("c1", &hashes[0], CeremonyPurpose::Login)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            tx.take_ceremony("c1", &hashes[0], CeremonyPurpose::Register)
                .await
                .unwrap(),
            Some(ceremony.clone())
        );
        assert_eq!(
            tx.take_ceremony("c1", &hashes[0], CeremonyPurpose::Register)
                .await
                .unwrap(),
            None
        );
        tx.insert_ceremony(&CeremonyRecord {
            id: "c2".into(),
            ..ceremony.clone()
        })
        .await
        .unwrap();
        assert_eq!(tx.delete_expired_ceremonies(UnixTime(309)).await.unwrap(), 0);
        assert_eq!(tx.delete_expired_ceremonies(UnixTime(310)).await.unwrap(), 1);
        tx.insert_ceremony(&CeremonyRecord {
            id: "c3".into(),
            ..ceremony.clone()
        })
        .await
        .unwrap();
        // Ending the session ends its ceremonies.
        assert!(tx.delete_session(&hashes[0]).await.unwrap());
        assert_eq!(
            tx.take_ceremony("c3", &hashes[0], CeremonyPurpose::Register)
                .await
                .unwrap(),
            None
        );
        tx.commit().await.unwrap();
    }
);

contract!(key_models_are_replaced_as_a_whole, |store: Store| async move {
    let a = Aaguid::parse("2fc0579f-8113-47ea-b116-bb5a8db9202a").unwrap();
    let b = Aaguid::parse("149a2021-8ef6-4133-96b8-81f8d5b7f1f5").unwrap();
    let model = |aaguid, name: &str| KeyModelRecord {
        aaguid,
        name: name.into(),
        attestation_roots: vec!["MIIB".into()],
        loaded_at: UnixTime(5),
    };
    let mut tx = store.begin().await.unwrap();
    tx.replace_key_models(&[model(a, "YubiKey 5"), model(b, "Security Key NFC")])
        .await
        .unwrap();
    assert_eq!(tx.count_key_models().await.unwrap(), 2);
    tx.replace_key_models(&[model(b, "Security Key NFC by Yubico")])
        .await
        .unwrap();
    assert_eq!(tx.key_model(a).await.unwrap(), None);
    assert_eq!(
        tx.key_model(b).await.unwrap(),
        Some(model(b, "Security Key NFC by Yubico"))
    );
    tx.commit().await.unwrap();
});

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: UnixTime(n),
        kind: format!("event_{n}"),
        actor: None,
        target: None,
        org: None,
        ip: Some("192.0.2.7".into()),
        detail: serde_json::json!({ "n": n }),
    }
}

contract!(
    audit_records_form_one_chain_even_when_written_in_parallel,
    |store: Store| async move {
        use portcullis_store::audit::ChainReport;
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            ChainReport::Intact {
                chained: 0,
                unchained: 0
            }
        );
        let mut tx = store.begin().await.unwrap();
        tx.append_audit(&event(1)).await.unwrap();
        tx.append_audit(&event(2)).await.unwrap();
        tx.commit().await.unwrap();
        // A transaction that is dropped writes nothing, and breaks nothing.
        let mut tx = store.begin().await.unwrap();
        tx.append_audit(&event(99)).await.unwrap();
        drop(tx);
        let writers: Vec<_> = (10..18)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin().await.unwrap();
                    tx.append_audit(&event(n)).await.unwrap();
                    tx.append_audit(&event(n + 100)).await.unwrap();
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            ChainReport::Intact {
                chained: 18,
                unchained: 0
            }
        );
        let kinds: Vec<String> = store
            .read()
            .await
            .unwrap()
            .recent_audit(100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(!kinds.contains(&"event_99".to_owned()));
    }
);

/// Tampering with the log behind the application's back (plain SQL) is found, at the first record
/// where the chain no longer holds.
async fn tampering(kind: Kind) {
    use portcullis_store::audit::{ChainBreak, ChainReport};
    use sqlx::any::AnyPoolOptions;
    let Some(db) = TestDatabase::of_kind(kind, "contract::tampering_with_the_audit_log_is_found::postgres").await
    else {
        return;
    };
    sqlx::any::install_default_drivers();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for n in 1..=5 {
        tx.append_audit(&event(n)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let raw = AnyPoolOptions::new().max_connections(1).connect(&db.url).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id")
        .fetch_all(&raw)
        .await
        .unwrap();
    // An edited record.
    let set_detail = |detail: &'static str| {
        sqlx::query("UPDATE audit_events SET detail = $1 WHERE id = $2")
            .bind(detail)
            .bind(ids[2])
            .execute(&raw)
    };
    set_detail(r#"{"n":33}"#).await.unwrap();
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        ChainReport::Broken {
            record: ids[2],
            reason: ChainBreak::Edited
        }
    );
    set_detail(r#"{"n":3}"#).await.unwrap();
    assert!(matches!(
        store.verify_audit_chain().await.unwrap(),
        ChainReport::Intact { chained: 5, .. }
    ));

    // A deleted record: the one after it no longer links.
    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(ids[2])
        .execute(&raw)
        .await
        .unwrap();
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        ChainReport::Broken {
            record: ids[3],
            reason: ChainBreak::Unlinked
        }
    );

    // The newest record deleted (on a fresh log of the same database: start over).
    sqlx::query("DELETE FROM audit_events").execute(&raw).await.unwrap();
    sqlx::query("UPDATE audit_chain_head SET last_hash = ''")
        .execute(&raw)
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    for n in 1..=3 {
        tx.append_audit(&event(n)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_events")
        .fetch_one(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(newest)
        .execute(&raw)
        .await
        .unwrap();
    assert!(matches!(
        store.verify_audit_chain().await.unwrap(),
        ChainReport::Broken {
            reason: ChainBreak::TailMissing,
            ..
        }
    ));
    raw.close().await;
    store.close().await;
}

mod tampering_with_the_audit_log_is_found {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::tampering(super::Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::tampering(super::Kind::Postgres).await;
    }
}

contract!(
    members_are_listed_with_their_mfa_state_and_searched_safely,
    |store: Store| async move {
        let acme = add_org(&store, "Acme").await;
        let other = add_org(&store, "Other").await;
        let mut anna = new_user("anna@acme.example", Some((acme.id, OrgRole::MainAdmin)));
        anna.display_name = Some(DisplayName::parse("Anna 100%").unwrap());
        let bob = new_user("bob_b@acme.example", Some((acme.id, OrgRole::Employee)));
        let carl = new_user("carl@other.example", Some((other.id, OrgRole::Employee)));
        for user in [&anna, &bob, &carl] {
            add_user(&store, user).await.unwrap();
        }
        let mut tx = store.begin().await.unwrap();
        tx.insert_security_key(&security_key(bob.id, "cred-bob")).await.unwrap();
        tx.insert_link(
            &token().hash(),
            &LinkRecord {
                purpose: LinkPurpose::Invitation,
                user_id: Some(bob.id),
                created_by: None,
                created_at: UnixTime(100),
                expires_at: UnixTime(200),
                used_at: None,
                email: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let all = tx.org_members(acme.id, "", UnixTime(150), 10, 0).await.unwrap();
        assert_eq!(
            all.iter().map(|m| m.user.email.as_str()).collect::<Vec<_>>(),
            ["anna@acme.example", "bob_b@acme.example"]
        );
        assert_eq!((all[1].apps, all[1].keys, all[1].invitation_open), (0, 1, true));
        // Wildcards in the search text are text: "_" and "%" match only themselves.
        let found = tx.org_members(acme.id, "b_b", UnixTime(150), 10, 0).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            tx.org_members(acme.id, "a_n", UnixTime(150), 10, 0)
                .await
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            tx.org_members(acme.id, "100%", UnixTime(150), 10, 0)
                .await
                .unwrap()
                .len(),
            1,
            "by name"
        );
        assert_eq!(
            tx.org_members(acme.id, "ANNA", UnixTime(150), 10, 0)
                .await
                .unwrap()
                .len(),
            1,
            "any case"
        );
        assert_eq!(
            tx.org_members(acme.id, "", UnixTime(150), 1, 1).await.unwrap()[0]
                .user
                .id,
            bob.id,
            "paged"
        );
        assert!(tx.has_open_invitation(bob.id, UnixTime(150)).await.unwrap());
        assert!(!tx.has_open_invitation(bob.id, UnixTime(200)).await.unwrap(), "expired");
        assert_eq!(tx.count_open_invitations(acme.id, UnixTime(150)).await.unwrap(), 1);
        assert_eq!(tx.count_open_invitations(other.id, UnixTime(150)).await.unwrap(), 0);
        let counts = tx.org_mfa_counts(acme.id).await.unwrap();
        assert_eq!(
            (counts.invited, counts.none, counts.key_only),
            (2, 0, 0),
            "invited users count as invited"
        );
    }
);

contract!(
    roles_status_and_resets_change_one_account_at_a_time,
    |store: Store| async move {
        let acme = add_org(&store, "Acme").await;
        let anna = new_user("anna@acme.example", Some((acme.id, OrgRole::MainAdmin)));
        let bob = new_user("bob@acme.example", Some((acme.id, OrgRole::Employee)));
        add_user(&store, &anna).await.unwrap();
        add_user(&store, &bob).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        // A second main administrator is refused by the database itself.
        let second = tx
            .set_org_role(bob.id, acme.id, OrgRole::Employee, OrgRole::MainAdmin, UnixTime(1))
            .await;
        assert!(
            matches!(second, Err(StoreError::Conflict(Conflict::MainAdminExists))),
            "{second:?}"
        );
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        // Hand-over order: demote, then promote.
        assert!(
            tx.set_org_role(anna.id, acme.id, OrgRole::MainAdmin, OrgRole::UserAdmin, UnixTime(1))
                .await
                .unwrap()
        );
        assert!(
            tx.set_org_role(bob.id, acme.id, OrgRole::Employee, OrgRole::MainAdmin, UnixTime(1))
                .await
                .unwrap()
        );
        assert!(
            !tx.set_org_role(bob.id, acme.id, OrgRole::Employee, OrgRole::UserAdmin, UnixTime(1))
                .await
                .unwrap(),
            "compare-and-set"
        );
        assert!(
            tx.set_user_status(bob.id, UserStatus::Invited, UserStatus::Active, UnixTime(2))
                .await
                .unwrap()
        );
        assert!(
            !tx.set_user_status(bob.id, UserStatus::Invited, UserStatus::Active, UnixTime(2))
                .await
                .unwrap()
        );
        tx.set_mfa_enroll_by(bob.id, Some(UnixTime(99))).await.unwrap();
        tx.insert_security_key(&security_key(bob.id, "cred-1")).await.unwrap();
        let hash = PlainToken::from_random(TokenKind::Session, [9; 32]).hash();
        tx.insert_session(
            &hash,
            &SessionRecord {
                user_id: bob.id,
                stage: LoginStage::Authenticated,
                amr: vec![Amr::Pwd, Amr::Hwk],
                created_at: UnixTime(1),
                last_seen_at: UnixTime(1),
                ip: None,
                user_agent: None,
                mfa_at: Some(UnixTime(1)),
                sid: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let locked = tx.lock_user(bob.id).await.unwrap().unwrap();
        assert_eq!(
            (locked.org, locked.mfa_enroll_by),
            (Some((acme.id, OrgRole::MainAdmin)), Some(UnixTime(99)))
        );
        assert_eq!(tx.sessions_of(bob.id).await.unwrap().len(), 1);
        let removed = tx.remove_all_mfa(bob.id).await.unwrap();
        assert_eq!((removed.apps, removed.keys, removed.sessions), (0, 1, 1));
        assert_eq!(tx.count_mfa_methods(bob.id).await.unwrap(), 0);
        assert!(tx.find_session(&hash).await.unwrap().is_none());
        assert!(
            !tx.delete_invited_user(bob.id).await.unwrap(),
            "only invited users are deleted"
        );
        tx.commit().await.unwrap();
    }
);

contract!(
    audit_events_are_filtered_by_org_user_kind_and_time,
    |store: Store| async move {
        let org = OrgId::from_random_bytes(rnd16());
        let anna = UserId::from_random_bytes(rnd16());
        let mut tx = store.begin().await.unwrap();
        for n in 1..=6 {
            let mut e = event(n * 100);
            e.kind = if n % 2 == 0 { "even".into() } else { "odd".into() };
            e.org = (n <= 4).then_some(org);
            e.target = (n == 2 || n == 3).then_some(anna);
            tx.append_audit(&e).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        let ats = |events: Vec<(i64, AuditEvent)>| events.into_iter().map(|(_, e)| e.at.0).collect::<Vec<_>>();
        let base = portcullis_store::audit::AuditFilter {
            org: Some(org),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            ats(tx.audit_events(&base).await.unwrap()),
            [400, 300, 200, 100],
            "newest first, own org only"
        );
        let f = portcullis_store::audit::AuditFilter {
            user: Some(anna),
            ..base.clone()
        };
        assert_eq!(ats(tx.audit_events(&f).await.unwrap()), [300, 200]);
        let f = portcullis_store::audit::AuditFilter {
            kind: Some("odd".into()),
            ..base.clone()
        };
        assert_eq!(ats(tx.audit_events(&f).await.unwrap()), [300, 100]);
        let f = portcullis_store::audit::AuditFilter {
            from: Some(UnixTime(200)),
            until: Some(UnixTime(400)),
            ..base.clone()
        };
        assert_eq!(ats(tx.audit_events(&f).await.unwrap()), [300, 200]);
        let page = tx
            .audit_events(&portcullis_store::audit::AuditFilter {
                limit: 2,
                ..base.clone()
            })
            .await
            .unwrap();
        let f = portcullis_store::audit::AuditFilter {
            before_id: Some(page[1].0),
            ..base.clone()
        };
        assert_eq!(ats(tx.audit_events(&f).await.unwrap()), [200, 100], "the next page");
        assert_eq!(tx.audit_kinds(org).await.unwrap(), ["even", "odd"]);
    }
);

fn new_mail(to: &str, at: i64) -> NewMail {
    NewMail {
        id: MailId::from_random_bytes(rnd16()),
        recipient: Email::parse(to).unwrap(),
        lang: "nl".into(),
        kind: "invitation".into(),
        payload: "sealed content".into(),
        created_at: UnixTime(at),
    }
}

async fn queue(store: &Store, mail: &NewMail) {
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(mail).await.unwrap();
    tx.commit().await.unwrap();
}

async fn claim(store: &Store, now: i64, lease_until: i64, limit: i64) -> Vec<OutboxMail> {
    let mut tx = store.begin().await.unwrap();
    let claimed = tx
        .claim_due_mail(UnixTime(now), UnixTime(lease_until), limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    claimed
}

/// Whether the outbox signal holds a permit (polled once, never waited for).
async fn signalled(store: &Store) -> bool {
    let signal = store.outbox_signal();
    tokio::select! {
        biased;
        _ = signal.notified() => true,
        _ = std::future::ready(()) => false,
    }
}

contract!(mail_exists_only_if_its_transaction_commits, |store: Store| async move {
    let mail = new_mail("anna@example.com", 100);
    let mut tx = store.begin().await.unwrap();
    tx.enqueue_mail(&mail).await.unwrap();
    drop(tx);
    assert!(!signalled(&store).await, "a rolled-back transaction wakes nobody");
    assert_eq!(store.read().await.unwrap().find_mail(mail.id).await.unwrap(), None);

    queue(&store, &mail).await;
    assert!(signalled(&store).await, "the commit wakes the worker");
    let stored = store.read().await.unwrap().find_mail(mail.id).await.unwrap().unwrap();
    assert_eq!(stored.recipient, mail.recipient);
    assert_eq!((stored.lang.as_str(), stored.kind.as_str()), ("nl", "invitation"));
    assert_eq!(stored.payload.as_deref(), Some("sealed content"));
    assert_eq!((stored.attempts, stored.next_attempt_at), (0, UnixTime(100)));
    assert_eq!(
        (stored.claimed_until, stored.sent_at, stored.abandoned_at),
        (None, None, None)
    );
    let to = store.read().await.unwrap().mail_to(&mail.recipient).await.unwrap();
    assert_eq!(to, vec![stored]);
});

contract!(two_claimers_never_get_the_same_row, |store: Store| async move {
    let mut queued = Vec::new();
    for n in 0..24 {
        let mail = new_mail(&format!("user{n}@example.com"), 100 + n % 3);
        queue(&store, &mail).await;
        queued.push(mail.id);
    }
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = claim(&store, 200, 500, 3).await;
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|m| m.id));
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    claimed.sort();
    queued.sort();
    assert_eq!(claimed, queued, "every message claimed, none twice");
});

contract!(
    claims_take_the_oldest_due_and_count_attempts,
    |store: Store| async move {
        let (late, early, future) = (
            new_mail("a@example.com", 150),
            new_mail("b@example.com", 120),
            new_mail("c@example.com", 900),
        );
        for mail in [&late, &early, &future] {
            queue(&store, mail).await;
        }
        let claimed = claim(&store, 200, 500, 1).await;
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, early.id);
        assert_eq!(
            (claimed[0].attempts, claimed[0].claimed_until),
            (1, Some(UnixTime(500)))
        );
        let claimed = claim(&store, 200, 500, 10).await;
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            [late.id],
            "not due yet: the future one"
        );
    }
);

contract!(
    a_claimed_row_whose_lease_ran_out_is_claimable_again,
    |store: Store| async move {
        let mail = new_mail("anna@example.com", 100);
        queue(&store, &mail).await;
        assert_eq!(claim(&store, 100, 400, 10).await.len(), 1);
        assert!(claim(&store, 399, 700, 10).await.is_empty(), "the lease still holds");
        let again = claim(&store, 400, 700, 10).await;
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].id, again[0].attempts), (mail.id, 2));
    }
);

contract!(a_sent_row_is_never_claimed_again, |store: Store| async move {
    let mail = new_mail("anna@example.com", 100);
    queue(&store, &mail).await;
    assert_eq!(claim(&store, 100, 400, 10).await.len(), 1);
    let mut tx = store.begin().await.unwrap();
    assert!(tx.mark_mail_sent(mail.id, UnixTime(110)).await.unwrap());
    assert!(!tx.mark_mail_sent(mail.id, UnixTime(111)).await.unwrap(), "sent once");
    assert!(
        !tx.mark_mail_failed(mail.id, UnixTime(200), "late failure")
            .await
            .unwrap(),
        "a late failure report of a stale worker changes nothing"
    );
    tx.commit().await.unwrap();
    let stored = store.read().await.unwrap().find_mail(mail.id).await.unwrap().unwrap();
    assert_eq!(stored.sent_at, Some(UnixTime(110)));
    assert_eq!(
        stored.payload, None,
        "the content (perhaps a one-time link) is gone once sent"
    );
    assert_eq!((stored.claimed_until, stored.last_error), (None, None));
    assert!(claim(&store, 100_000, 100_300, 10).await.is_empty());
});

contract!(
    a_failed_row_is_due_again_at_its_next_attempt,
    |store: Store| async move {
        let mail = new_mail("anna@example.com", 100);
        queue(&store, &mail).await;
        claim(&store, 100, 400, 10).await;
        let mut tx = store.begin().await.unwrap();
        let error = format!("451 try later{}", "x".repeat(1000));
        assert!(tx.mark_mail_failed(mail.id, UnixTime(130), &error).await.unwrap());
        tx.commit().await.unwrap();
        let stored = store.read().await.unwrap().find_mail(mail.id).await.unwrap().unwrap();
        assert_eq!(
            (stored.attempts, stored.next_attempt_at, stored.claimed_until),
            (1, UnixTime(130), None)
        );
        let error = stored.last_error.unwrap();
        assert!(
            error.starts_with("451 try later") && error.chars().count() == 300,
            "{error}"
        );
        assert_eq!(stored.payload.as_deref(), Some("sealed content"));
        assert!(claim(&store, 129, 400, 10).await.is_empty());
        assert_eq!(claim(&store, 130, 400, 10).await[0].attempts, 2);
    }
);

contract!(
    an_abandoned_row_is_never_claimed_and_finished_rows_are_swept,
    |store: Store| async move {
        let (given_up, sent, waiting) = (
            new_mail("a@example.com", 100),
            new_mail("b@example.com", 100),
            new_mail("c@example.com", 100),
        );
        for mail in [&given_up, &sent, &waiting] {
            queue(&store, mail).await;
        }
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.abandon_mail(given_up.id, UnixTime(150), "refused for 2 days")
                .await
                .unwrap()
        );
        assert!(!tx.abandon_mail(given_up.id, UnixTime(151), "again").await.unwrap());
        assert!(tx.mark_mail_sent(sent.id, UnixTime(160)).await.unwrap());
        assert!(!tx.mark_mail_sent(given_up.id, UnixTime(160)).await.unwrap());
        tx.commit().await.unwrap();
        let stored = store
            .read()
            .await
            .unwrap()
            .find_mail(given_up.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((stored.abandoned_at, stored.payload), (Some(UnixTime(150)), None));
        let claimed = claim(&store, 1000, 1300, 10).await;
        assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [waiting.id]);

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.delete_finished_mail_before(UnixTime(155)).await.unwrap(), 1);
        assert_eq!(tx.delete_finished_mail_before(UnixTime(1000)).await.unwrap(), 1);
        assert!(
            tx.find_mail(waiting.id).await.unwrap().is_some(),
            "unfinished mail stays"
        );
        tx.commit().await.unwrap();
    }
);

contract!(
    api_tokens_are_stored_by_hash_listed_per_org_and_revoked_once,
    |store: Store| async move {
        use portcullis_core::ApiTokenId;
        use portcullis_core::api_token::Scope;
        use portcullis_store::api_tokens::ApiTokenRecord;
        let acme = add_org(&store, "Acme").await;
        let other = add_org(&store, "Other").await;
        let admin = new_user("admin@acme.example", Some((acme.id, OrgRole::MainAdmin)));
        add_user(&store, &admin).await.unwrap();
        let plain = PlainToken::from_random(TokenKind::Api, [9; 32]);
        let record = ApiTokenRecord {
            id: ApiTokenId::from_random_bytes(rnd16()),
            org: acme.id,
            name: "HR sync".into(),
            scopes: vec![Scope::UsersRead, Scope::AuditRead],
            created_by: admin.id,
            created_at: UnixTime(10),
            expires_at: UnixTime(1_000),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_api_token(&plain.hash(), &record).await.unwrap();
        tx.commit().await.unwrap();

        // The same hash twice is refused by the database.
        let mut tx = store.begin().await.unwrap();
        let twin = ApiTokenRecord {
            id: ApiTokenId::from_random_bytes(rnd16()),
            ..record.clone()
        };
        assert!(tx.insert_api_token(&plain.hash(), &twin).await.is_err());
        drop(tx);

        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.find_api_token_by_hash(&plain.hash()).await.unwrap(),
            Some(record.clone())
        );
        let stranger = PlainToken::from_random(TokenKind::Api, [8; 32]);
        assert_eq!(tx.find_api_token_by_hash(&stranger.hash()).await.unwrap(), None);
        assert_eq!(tx.api_tokens_of(acme.id).await.unwrap(), vec![record.clone()]);
        assert!(tx.api_tokens_of(other.id).await.unwrap().is_empty());
        assert_eq!(tx.find_api_token(other.id, record.id).await.unwrap(), None);

        tx.touch_api_token(record.id, UnixTime(20)).await.unwrap();
        // Another organization cannot revoke it; its own, once.
        assert!(!tx.revoke_api_token(other.id, record.id, UnixTime(30)).await.unwrap());
        assert!(tx.revoke_api_token(acme.id, record.id, UnixTime(30)).await.unwrap());
        assert!(!tx.revoke_api_token(acme.id, record.id, UnixTime(40)).await.unwrap());
        tx.commit().await.unwrap();

        let found = store
            .read()
            .await
            .unwrap()
            .find_api_token(acme.id, record.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.revoked_at, Some(UnixTime(30)));
        assert_eq!(found.last_used_at, Some(UnixTime(20)));
    }
);

fn signing_key(kid: &str, alg: SigningAlg, at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg,
        private_key: format!("v1.test.sealed-{kid}"),
        public_jwk: format!(r#"{{"kid":"{kid}","alg":"{}"}}"#, alg.as_str()),
        created_at: UnixTime(at),
        signs_from: UnixTime(at),
        retired_at: None,
        published_until: None,
    }
}

fn kids(keys: &[SigningKeyRecord]) -> Vec<&str> {
    let mut kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    kids.sort();
    kids
}

contract!(
    signing_keys_a_second_active_key_of_one_alg_is_refused,
    |store: Store| async move {
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.insert_signing_key(&signing_key("es-1", SigningAlg::Es256, 10))
                .await
                .unwrap()
        );
        assert!(
            !tx.insert_signing_key(&signing_key("es-2", SigningAlg::Es256, 10))
                .await
                .unwrap()
        );
        // The refusal leaves the transaction usable (PostgreSQL would abort it on an error).
        assert!(
            tx.insert_signing_key(&signing_key("rs-1", SigningAlg::Rs256, 10))
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert!(
            !tx.insert_signing_key(&signing_key("rs-2", SigningAlg::Rs256, 11))
                .await
                .unwrap()
        );
        let active = tx.active_signing_keys().await.unwrap();
        assert_eq!(kids(&active), ["es-1", "rs-1"]);
        assert_eq!(active[0], signing_key("es-1", SigningAlg::Es256, 10));
        assert!(
            !format!("{:?}", active[0]).contains("sealed-es-1"),
            "Debug hides the key"
        );
    }
);

contract!(
    signing_keys_two_nodes_racing_for_the_first_key_one_wins,
    |store: Store| async move {
        let mut first = store.begin().await.unwrap();
        assert!(
            first
                .insert_signing_key(&signing_key("es-a", SigningAlg::Es256, 10))
                .await
                .unwrap()
        );
        let second = tokio::spawn({
            let store = store.clone();
            async move {
                // Waits for the first transaction (SQLite's write lock, PostgreSQL's unique index).
                let mut tx = store.begin().await.unwrap();
                let inserted = tx
                    .insert_signing_key(&signing_key("es-b", SigningAlg::Es256, 10))
                    .await
                    .unwrap();
                let active = tx.active_signing_keys().await.unwrap();
                tx.commit().await.unwrap();
                (inserted, active)
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        first.commit().await.unwrap();
        let (inserted, active) = second.await.unwrap();
        assert!(!inserted);
        assert_eq!(kids(&active), ["es-a"], "the loser re-reads the winner's key");
    }
);

contract!(
    signing_keys_retired_stay_published_until_their_time,
    |store: Store| async move {
        let mut tx = store.begin().await.unwrap();
        tx.insert_signing_key(&signing_key("es-1", SigningAlg::Es256, 10))
            .await
            .unwrap();
        tx.insert_signing_key(&signing_key("rs-1", SigningAlg::Rs256, 10))
            .await
            .unwrap();
        assert_eq!(tx.retire_signing_keys(UnixTime(100), UnixTime(200)).await.unwrap(), 2);
        assert_eq!(tx.retire_signing_keys(UnixTime(101), UnixTime(201)).await.unwrap(), 0);
        // Retired, a key no longer blocks a new one of its algorithm.
        assert!(
            tx.insert_signing_key(&signing_key("es-2", SigningAlg::Es256, 100))
                .await
                .unwrap()
        );
        // A kid is never reused, retired or not.
        assert!(
            !tx.insert_signing_key(&signing_key("rs-1", SigningAlg::Rs256, 100))
                .await
                .unwrap()
        );
        assert!(
            tx.insert_signing_key(&signing_key("rs-2", SigningAlg::Rs256, 100))
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        assert_eq!(kids(&tx.active_signing_keys().await.unwrap()), ["es-2", "rs-2"]);
        let published = tx.published_signing_keys(UnixTime(199)).await.unwrap();
        assert_eq!(kids(&published), ["es-1", "es-2", "rs-1", "rs-2"]);
        assert_eq!(published[0].created_at, UnixTime(100), "newest first");
        let old = published.iter().find(|k| k.kid == "es-1").unwrap();
        assert_eq!(old.retired_at, Some(UnixTime(100)));
        assert_eq!(old.published_until, Some(UnixTime(200)));
        assert_eq!(
            kids(&tx.published_signing_keys(UnixTime(200)).await.unwrap()),
            ["es-2", "rs-2"]
        );
    }
);
